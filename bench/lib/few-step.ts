// The few-step sweep: how few network calls the fast solvers need to match the paper's every-step
// DDPM SDEdit result (t0 = 0.5: 500 calls) within 5% on L2-to-guide and on KID.
//
// Guides are the evaluation's stroke guides (src/cli/eval strokeGuide) of G held-out scenes; each
// guide gets V variations (seeds; the same seeds for every solver, so every solver starts from the
// same x_{t0}: a paired comparison). Every configuration runs all guides at once: a batching
// denoiser gathers the concurrent sdedit runs' calls into one onnxruntime-node batch (all runs of
// one configuration make the same calls at the same times, so results equal separate runs).
// KID compares the outputs with R other held-out scenes (disjoint from the guides' sources) in the
// evaluation's feature space.
//
// Uncertainty (reported per row, relative to DDPM's value): L2 — the standard error of the mean
// per-guide difference to DDPM (paired by guide and seed); KID — delete-one jackknife over guides
// (all V variations of a guide together, the solver's and DDPM's outputs left out together) plus
// delete-one jackknife over the real images, variances added. The same for each KID alone.
//
// Bundled and run by bench/few-step.mjs; prints progress on stderr, appends each finished row
// (with its images' features and L2s) to `rowsFile`, and prints one JSON line. With `summarise`
// set it reads the rows file of an earlier (possibly cut short) run and only summarises.
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastGrid, SDEditOptions } from '../../src/core';
import { downsampledL2, sdedit } from '../../src/core';
import { FEATURE_SPACE_SUMMARY, fitFeatureSpace, rawFeatures } from '../../src/cli/eval/features';
import { STROKE_CELLS, strokeGuide } from '../../src/cli/eval/guides';
import { loadScene } from '../../src/cli/eval/run';
import { runBatched } from '../../src/model/batching';
import { loadPackFromDir } from '../../src/model/node';

type Sampler = 'ddpm' | 'ddim' | 'dpmpp2m' | 'dpmpp2m-sde';

interface Config {
  model: string;
  /** held-out scene PNGs: the first `guides` are the guides' sources, the rest the real set */
  scenes: string;
  /** at most this many real scenes (0 = all the rest) */
  real: number;
  size: number;
  guides: number;
  variations: number;
  threads: number;
  t0: number;
  ddim: number[];
  /** strided (ancestral) DDPM counts */
  ddpm: number[];
  dpm: number[];
  grids: FastGrid[];
  sde: number[];
  sdeGrids: FastGrid[];
  /** SDE rows with the heun correction (the solver's default; logsnr grid); `sde` rows use midpoint */
  sdeHeun: number[];
  tolerance: number;
  rowsFile: string;
  summarise: boolean;
  /** add the listed rows to an earlier run's rows file (same guides, seeds and real set; its
   *  every-step DDPM row is reused, not run again) */
  append: boolean;
}

interface Row {
  label: string;
  /** 'dpmpp2m-sde' and 'dpmpp2m' are the solvers the criterion is about */
  sampler: Sampler;
  grid: string;
  correction?: string;
  steps: number;
  calls: number;
  /** mean L2 to the guide (the evaluation's: 32×32 cells) */
  l2: number;
  /** standard error of l2 over guides */
  l2_se: number;
  kid: number;
  /** KID's jackknife standard error (guides + real images) */
  sd: number;
  seconds: number;
}

/** What the rows file holds per row: the row and its images' raw features and L2s, in
 *  guide-major order (guide i, variation v at i·V + v). */
interface StoredRow {
  row: Row;
  l2s: number[];
  features: number[][];
}

const log = (s: string): void => void process.stderr.write(s + '\n');


const cubic = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  const v = s / a.length + 1;
  return v * v * v;
};

/** KID (src/cli/eval/kid.ts's unbiased MMD², cubic kernel) with delete-one jackknife standard
 *  errors, from kernel sums kept once per sample. */
class KidSet {
  readonly n: number;
  /** Σ_{j≠i} k(x_i, x_j) per real i and the total over i<j */
  private readonly rowXX: Float64Array;
  private readonly sumXX: number;
  constructor(readonly real: Float64Array[]) {
    const n = real.length;
    this.n = n;
    this.rowXX = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const k = cubic(real[i], real[j]);
        this.rowXX[i] += k;
        this.rowXX[j] += k;
        s += k;
      }
    }
    this.sumXX = s;
  }
  /** The kernel sums of one fake sample against the real set. */
  fake(Y: Float64Array[]): FakeSums {
    const m = Y.length;
    const kyy = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) kyy[i * m + j] = kyy[j * m + i] = cubic(Y[i], Y[j]);
    const kxy = new Float64Array(this.n * m);
    for (let i = 0; i < this.n; i++) for (let j = 0; j < m; j++) kxy[i * m + j] = cubic(this.real[i], Y[j]);
    return { m, kyy, kxy };
  }
  /** MMD² with real image `dropReal` (−1: none) and the fakes in `dropFake` left out. */
  value(f: FakeSums, dropReal = -1, dropFake: readonly number[] = []): number {
    const n = this.n - (dropReal >= 0 ? 1 : 0);
    const keep = new Uint8Array(f.m).fill(1);
    for (const j of dropFake) keep[j] = 0;
    const m = f.m - dropFake.length;
    const sxx = dropReal >= 0 ? this.sumXX - this.rowXX[dropReal] : this.sumXX;
    let syy = 0;
    for (let i = 0; i < f.m; i++) if (keep[i]) for (let j = i + 1; j < f.m; j++) if (keep[j]) syy += f.kyy[i * f.m + j];
    let sxy = 0;
    for (let i = 0; i < this.n; i++) {
      if (i === dropReal) continue;
      for (let j = 0; j < f.m; j++) if (keep[j]) sxy += f.kxy[i * f.m + j];
    }
    return (2 * sxx) / (n * (n - 1)) + (2 * syy) / (m * (m - 1)) - (2 * sxy) / (n * m);
  }
}

interface FakeSums {
  m: number;
  kyy: Float64Array;
  kxy: Float64Array;
}

/** Jackknife variance of a statistic from its delete-one values. */
function jackVar(vals: number[]): number {
  const g = vals.length;
  const mean = vals.reduce((a, b) => a + b, 0) / g;
  return ((g - 1) / g) * vals.reduce((a, b) => a + (b - mean) ** 2, 0);
}

interface Compared {
  /** (solver − DDPM)/DDPM */
  d_l2: number;
  d_l2_se: number;
  d_kid: number;
  d_kid_se: number;
  strict: boolean;
  noise_aware: boolean;
  no_worse: boolean;
}

function summarise(cfg: Config, stored: StoredRow[], noise: Record<string, number>): Record<string, unknown> {
  const tol = cfg.tolerance;
  const V = cfg.variations;
  const refStored = stored.find((s) => s.row.sampler === 'ddpm' && s.row.grid === 'every step');
  if (!refStored) throw new Error('few-step: no every-step DDPM row to compare with');
  const G = refStored.l2s.length / V;
  const realRaw = JSON.parse(readFileSync(cfg.rowsFile + '.real.json', 'utf8')) as number[][];
  const space = fitFeatureSpace(realRaw.map((f) => Float64Array.from(f)));
  const kidSet = new KidSet(realRaw.map((f) => space.apply(Float64Array.from(f))));
  const groups = Array.from({ length: G }, (_, g) => Array.from({ length: V }, (_, v) => g * V + v));
  const sums = stored.map((s) => kidSet.fake(s.features.map((f) => space.apply(Float64Array.from(f)))));
  const refIdx = stored.indexOf(refStored);
  const R = kidSet.n;
  // per row: KID and its jackknife values (guides, reals)
  const jack = sums.map((f) => ({
    full: kidSet.value(f),
    byGuide: groups.map((gr) => kidSet.value(f, -1, gr)),
    byReal: Array.from({ length: R }, (_, i) => kidSet.value(f, i)),
  }));
  const perGuideL2 = (s: StoredRow): number[] => groups.map((gr) => gr.reduce((a, i) => a + s.l2s[i], 0) / V);
  const refL2g = perGuideL2(refStored);
  const ref = refStored.row;
  const rows = stored.map((s, k) => {
    const j = jack[k];
    const kidSe = Math.sqrt(jackVar(j.byGuide) + jackVar(j.byReal));
    const l2g = perGuideL2(s);
    const l2Se = Math.sqrt(l2g.reduce((a, v) => a + (v - s.row.l2) ** 2, 0) / (G - 1) / G);
    const row: Row & Partial<Compared> = { ...s.row, kid: j.full, sd: kidSe, l2_se: l2Se };
    if (k !== refIdx) {
      const r = jack[refIdx];
      const dl = l2g.map((v, g) => v - refL2g[g]);
      const dlMean = dl.reduce((a, b) => a + b, 0) / G;
      const dlSe = Math.sqrt(dl.reduce((a, v) => a + (v - dlMean) ** 2, 0) / (G - 1) / G);
      const dk = j.full - r.full;
      const dkSe = Math.sqrt(jackVar(j.byGuide.map((v, g) => v - r.byGuide[g])) + jackVar(j.byReal.map((v, i) => v - r.byReal[i])));
      const dL2 = dlMean / ref.l2;
      const dKid = dk / r.full;
      const seL2 = dlSe / ref.l2;
      const seKid = dkSe / Math.abs(r.full);
      const okL = Math.abs(dL2) <= tol;
      const okK = Math.abs(dKid) <= tol;
      row.d_l2 = dL2;
      row.d_l2_se = seL2;
      row.d_kid = dKid;
      row.d_kid_se = seKid;
      row.strict = okL && okK;
      row.noise_aware = (okL || Math.abs(dL2) <= 2 * seL2) && (okK || Math.abs(dKid) <= 2 * seKid);
      row.no_worse = dL2 <= tol && dKid <= tol;
    }
    return row;
  });
  type R2 = (typeof rows)[number];
  const order = (r: R2): number => solverOrder.indexOf(key(r));
  // rows of dpmpp2m-sde made before its default became heun carry no correction: midpoint
  const key = (r: R2): string =>
    r.sampler === 'ddpm' || r.sampler === 'ddim' ? `${r.sampler}${r.grid === 'every step' ? ' every step' : ''}` : `${r.sampler} ${r.grid}${r.sampler === 'dpmpp2m-sde' ? ` ${r.correction ?? 'midpoint'}` : ''}`;
  const solvers = [...new Set(rows.filter((r, k) => k !== refIdx).map(key))];
  const solverOrder = ['ddpm every step', ...solvers];
  const sorted = [...rows].sort((a, b) => order(a) - order(b) || a.calls - b.calls);
  // fewest calls from which on every larger tested count of the same solver also matches
  const fewest = (name: string, ok: (r: R2) => boolean): number | null => {
    const list = rows.filter((r, k) => k !== refIdx && key(r) === name).sort((a, b) => a.calls - b.calls);
    let best: number | null = null;
    for (let i = list.length - 1; i >= 0; i--) {
      if (ok(list[i])) best = list[i].calls;
      else break;
    }
    return best;
  };
  const per = (ok: (r: R2) => boolean): Record<string, number | null> => Object.fromEntries(solvers.map((s) => [s, fewest(s, ok)]));
  const perStrict = per((r) => !!r.strict);
  const perNoise = per((r) => !!r.noise_aware);
  const perNoWorse = per((r) => !!r.no_worse);
  // the fast solvers only (not DDIM or strided DDPM) count for few_step_calls
  const best = (m: Record<string, number | null>): [string, number] | undefined =>
    (Object.entries(m).filter(([k, v]) => k.startsWith('dpmpp2m') && v !== null) as [string, number][]).sort((a, b) => a[1] - b[1])[0];
  // against the converged probability-flow ODE: a DDIM row of at least 50 calls (none → null)
  const odeRef = rows.filter((r) => r.sampler === 'ddim' && r.calls >= 50).sort((a, b) => b.calls - a.calls)[0];
  const perOde: Record<string, number | null> = {};
  if (odeRef) {
    for (const s of solvers.filter((s) => s.startsWith('dpmpp2m '))) {
      perOde[s] = fewest(s, (r) => Math.abs(r.l2 - odeRef.l2) <= tol * Math.abs(odeRef.l2) && Math.abs(r.kid - odeRef.kid) <= tol * Math.abs(odeRef.kid));
    }
  }
  const bStrict = best(perStrict);
  const bNoise = best(perNoise);
  const bNoWorse = best(perNoWorse);
  const bOde = best(perOde);
  const realN = R;
  return {
    few_step_calls: bStrict ? bStrict[1] : null,
    few_step_solver: bStrict ? bStrict[0] : null,
    few_step_calls_noise_aware: bNoise ? bNoise[1] : null,
    few_step_solver_noise_aware: bNoise ? bNoise[0] : null,
    per_solver: perStrict,
    criterion: `|metric − DDPM every-step| ≤ ${tol * 100}% of DDPM's, on both L2 and KID, at this and every larger tested count (fast solvers: dpmpp2m, dpmpp2m-sde)`,
    per_solver_noise_aware: perNoise,
    criterion_noise_aware: `per metric: the difference to DDPM within ${tol * 100}% of DDPM's OR within 2 standard errors of the difference (paired by guide and seed; KID: jackknife over guides and real images), on both L2 and KID, at this and every larger tested count`,
    few_step_calls_no_worse: bNoWorse ? bNoWorse[1] : null,
    per_solver_no_worse: perNoWorse,
    criterion_no_worse: `L2 ≤ ${1 + tol}× DDPM's and KID ≤ DDPM's + ${tol * 100}% of it, at this and every larger tested count`,
    few_step_calls_vs_ode: bOde ? bOde[1] : null,
    per_solver_vs_ode: perOde,
    criterion_vs_ode: odeRef ? `within ${tol * 100}% of ${odeRef.label} (the converged probability-flow ODE) on L2 and KID, at this and every larger tested count` : 'no DDIM row of ≥ 50 calls in this sweep (the converged ODE): not measured',
    setting: { ...cfg, guides: G, real: realN, feature_space: `src/cli/eval: ${FEATURE_SPACE_SUMMARY}`, stroke_guides: `src/cli/eval strokeGuide (${STROKE_CELLS}×${STROKE_CELLS} cells)`, l2_cell_px: cfg.size / STROKE_CELLS },
    setting_short: `${cfg.size}², t0 ${cfg.t0}, ${G} stroke guides × ${V} seeds, KID vs ${realN} held-out scenes`,
    noise,
    reference: rows[refIdx],
    rows: sorted,
  };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as Config;
  const S = cfg.size;
  const P = 3 * S * S;
  const V = cfg.variations;
  const noiseFile = cfg.rowsFile + '.noise.json';
  if (cfg.summarise) {
    const stored = readFileSync(cfg.rowsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StoredRow);
    const noise = JSON.parse(readFileSync(noiseFile, 'utf8')) as Record<string, number>;
    process.stdout.write(JSON.stringify(summarise(cfg, stored, noise)) + '\n');
    return;
  }
  const files = readdirSync(cfg.scenes)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => join(cfg.scenes, f));
  if (files.length < cfg.guides + 4) throw new Error(`need at least ${cfg.guides + 4} scenes in ${cfg.scenes}, found ${files.length}`);
  const realFiles = files.slice(cfg.guides, cfg.real > 0 ? cfg.guides + cfg.real : undefined);
  const sources = files.slice(0, cfg.guides).map((f) => loadScene(f, S));
  const guides = sources.map((x) => strokeGuide(x, S));
  const realRaw = realFiles.map((f) => rawFeatures(loadScene(f, S), S, S));
  if (cfg.append) {
    const before = JSON.parse(readFileSync(cfg.rowsFile + '.real.json', 'utf8')) as number[][];
    if (before.length !== realRaw.length || before.some((f, i) => f.some((v, k) => v !== realRaw[i][k]))) throw new Error('few-step: --append needs the same real set as the rows file');
  } else {
    writeFileSync(cfg.rowsFile, '');
    writeFileSync(cfg.rowsFile + '.real.json', JSON.stringify(realRaw.map((f) => Array.from(f))));
  }
  // noise floor: KID of real half vs half, and of the guides themselves
  const space = fitFeatureSpace(realRaw);
  const kidSet = new KidSet(realRaw.map(space.apply));
  const half = Math.floor(realRaw.length / 2);
  const halfSet = new KidSet(realRaw.slice(0, half).map(space.apply));
  const noise = {
    kid_real_half_vs_half: halfSet.value(halfSet.fake(realRaw.slice(half).map(space.apply))),
    kid_guides_vs_real: kidSet.value(kidSet.fake(guides.map((g) => space.apply(rawFeatures(g, S, S))))),
  };
  writeFileSync(noiseFile, JSON.stringify(noise));
  log(`few-step: ${guides.length} guides × ${V} variations at ${S}², ${realRaw.length} real scenes; KID(real half vs half) ${noise.kid_real_half_vs_half.toFixed(4)}, KID(guides) ${noise.kid_guides_vs_real.toFixed(4)}`);

  const loaded = await loadPackFromDir(cfg.model, { threads: cfg.threads });
  const { schedule } = loaded;
  const l2Cell = S / STROKE_CELLS;

  const run = async (label: string, sampler: Sampler, steps: number, grid?: FastGrid, correction?: 'midpoint' | 'heun'): Promise<void> => {
    const start = performance.now();
    const { results: outs, calls } = await runBatched(loaded.denoiser, guides.length, (denoiser, i) => {
      const opts: SDEditOptions & { correction?: 'midpoint' | 'heun' } = { sampler, t0: cfg.t0, steps, seed: 1000 + i * V, batch: V, grid, correction };
      return sdedit(denoiser, guides[i], [3, S, S], schedule, opts);
    });
    const l2s: number[] = [];
    const features: number[][] = [];
    outs.forEach((o, i) => {
      for (let v = 0; v < V; v++) {
        const img = o.slice(v * P, (v + 1) * P);
        l2s.push(downsampledL2(img, guides[i], 3, S, S, l2Cell));
        features.push(Array.from(rawFeatures(img, S, S)));
      }
    });
    const l2 = l2s.reduce((a, b) => a + b, 0) / l2s.length;
    const kid = kidSet.value(kidSet.fake(features.map((f) => space.apply(Float64Array.from(f)))));
    const row: Row = {
      label,
      sampler,
      grid: grid ?? (sampler === 'ddpm' && steps === 0 ? 'every step' : 'time'),
      ...(correction ? { correction } : {}),
      steps,
      calls,
      l2,
      l2_se: 0,
      kid,
      sd: 0,
      seconds: (performance.now() - start) / 1000,
    };
    appendFileSync(cfg.rowsFile, JSON.stringify({ row, l2s, features } satisfies StoredRow) + '\n');
    log(`few-step: ${label.padEnd(26)} calls ${String(row.calls).padStart(3)}  L2 ${l2.toFixed(4)}  KID ${kid.toFixed(4)}  (${row.seconds.toFixed(1)} s, ${new Date().toISOString().slice(11, 19)})`);
  };

  if (!cfg.append) await run('ddpm every step', 'ddpm', 0);
  for (const grid of cfg.sdeGrids) for (const n of cfg.sde) await run(`dpmpp2m-sde ${grid} midpoint ${n}`, 'dpmpp2m-sde', n, grid, 'midpoint');
  for (const n of cfg.sdeHeun) await run(`dpmpp2m-sde logsnr heun ${n}`, 'dpmpp2m-sde', n, 'logsnr', 'heun');
  for (const grid of cfg.grids) for (const n of cfg.dpm) await run(`dpmpp2m ${grid} ${n}`, 'dpmpp2m', n, grid);
  for (const n of cfg.ddpm) await run(`ddpm ${n}`, 'ddpm', n);
  for (const n of cfg.ddim) await run(`ddim ${n}`, 'ddim', n);
  await loaded.release();
  const stored = readFileSync(cfg.rowsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StoredRow);
  process.stdout.write(JSON.stringify(summarise(cfg, stored, noise)) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`few-step: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
