// The paper's evaluation of stroke-based synthesis (SDEdit, Meng et al. 2022, §5.1), run through
// the product's own engine: src/core's sdedit() with the model pack loaded by src/model/node.
//
//   held-out real scenes ──simulateStrokes──▶ stroke guides ──SDEdit(t0)──▶ results
//   faithfulness: L2 between result and guide, both area-downsampled to the stroke resolution
//                 (32×32 cells; core's downsampledL2), averaged over guides;
//   realism:      KID between the results and *other* held-out real scenes (the reference set)
//                 in the fixed feature space of features.ts.
//   baselines on the same guides: the guide as-is, the guide blurred (Gaussian), the guide noised
//   to t0 without denoising; and the real scenes the guides came from (the ideal).
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Denoiser, SamplerName, Schedule } from '../../core';
import { downsampledL2, gaussian, resizeChw, sdedit } from '../../core';
import type { LoadedPack } from '../../model/node';
import { FEATURE_DIM, FEATURE_SPACE_SUMMARY, type FeatureSpace, fitFeatureSpace, rawFeatures } from './features';
import { STROKE_CELLS, compositeInput, strokeEdit, strokeGuide, EXAMPLE_SCENES } from './guides';
import { kid } from './kid';
import { Canvas, readChw, writeChw } from './png';

const M = Math;

export interface SamplerSpec {
  sampler: Extract<SamplerName, 'ddim' | 'ddpm'>;
  /** reverse steps; 0 with 'ddpm' = every step of the 1000-step schedule below t0 (the paper's) */
  steps: number;
  /** the t0 it runs at (default: all of the config's) */
  t0s?: number[];
}

export const samplerLabel = (s: SamplerSpec): string => (s.sampler === 'ddpm' && s.steps === 0 ? 'ddpm-every' : `${s.sampler}-${s.steps}`);

export interface EvalConfig {
  /** directory of held-out scenes (PNG, sorted by name) */
  heldout: string;
  /** working size (square), a multiple of the model's */
  size: number;
  /** the first `guides` held-out scenes become stroke guides */
  guides: number;
  /** the next `refs` held-out scenes are the realism reference set (0 = all the rest) */
  refs: number;
  t0s: number[];
  samplers: SamplerSpec[];
  /** seed of guide i is seed + i */
  seed: number;
  /** guides run together as one batch (≤ 1 = one at a time) */
  batch: number;
  /** Gaussian blur baseline σ in pixels at the working size */
  blurSigma: number;
  /** also run the masked-editing and compositing examples */
  edits: boolean;
  /** t0 of the edit examples */
  editT0: number;
  editSampler: SamplerSpec;
  log?: (line: string) => void;
}

export interface Row {
  method: 'sdedit' | 'guide' | 'blur' | 'noised' | 'real';
  /** sampler label for sdedit rows */
  sampler: string | null;
  /** null for rows that do not depend on t0 */
  t0: number | null;
  l2_mean: number;
  l2_std: number;
  kid: number;
  n: number;
}

export interface EditResult {
  name: 'stroke-edit' | 'composite';
  scene: Float32Array;
  guide: Float32Array;
  mask: Float32Array;
  result: Float32Array;
  /** largest |result − guide| over pixels with mask = 0 (must be 0: kept pixels are the guide's) */
  max_change_outside_mask: number;
  /** mean |result − guide| over pixels with mask = 1 */
  mean_change_inside_mask: number;
}

export interface EvalReport {
  size: number;
  guideNames: string[];
  refNames: string[];
  rows: Row[];
  /** per sampler label, per t0: results of each guide (for the sheet) */
  images: Map<string, Map<number, Float32Array[]>>;
  guides: Float32Array[];
  scenes: Float32Array[];
  edits: EditResult[];
  timing: { network_calls: number; network_ms: number; ms_per_call: number; total_ms: number; per_sampler_ms: Record<string, number> };
}

/** Held-out scene files, sorted. */
export function listScenes(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.png'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** A PNG scene as 3×size×size in [−1, 1] (area/bilinear resize). */
export function loadScene(file: string, size: number): Float32Array {
  const img = readChw(file);
  return resizeChw(img.chw, 3, img.h, img.w, size, size);
}

/** Separable Gaussian blur of 3×size×size (σ in pixels, clamped borders). */
export function gaussianBlur(chw: Float32Array, size: number, sigma: number): Float32Array {
  const r = M.max(1, M.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = M.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const HW = size * size;
  const tmp = new Float64Array(HW);
  const out = new Float32Array(chw.length);
  for (let c = 0; c < 3; c++) {
    const src = chw.subarray(c * HW, (c + 1) * HW);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (let i = -r; i <= r; i++) v += k[i + r] * src[y * size + M.min(size - 1, M.max(0, x + i))];
        tmp[y * size + x] = v;
      }
    }
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (let i = -r; i <= r; i++) v += k[i + r] * tmp[M.min(size - 1, M.max(0, y + i)) * size + x];
        out[c * HW + y * size + x] = v;
      }
    }
  }
  return out;
}

/** The guide noised to t0 (the sample SDEdit starts from), clipped to [−1, 1] as an image. */
export function noisedGuide(guide: Float32Array, schedule: Schedule, t0: number, seed: number): Float32Array {
  const z = new Float32Array(guide.length);
  gaussian(seed, 0x6e6f6973, z, 0, z.length);
  let a = 1;
  let b = 0;
  if (schedule.type === 'vp') {
    const ab = schedule.alphaBar(t0);
    a = M.sqrt(ab);
    b = M.sqrt(1 - ab);
  } else b = schedule.sigma(t0);
  return guide.map((g, i) => M.max(-1, M.min(1, a * g + b * z[i])));
}

/**
 * Runs sdedit for several guides of one shape as one batch: each guide's sdedit() sees its own
 * Denoiser, whose calls are gathered and sent to the network together. All guides run the same
 * plan (sampler, t0, steps), so their calls line up step by step.
 */
export async function sdeditMany(denoiser: Denoiser, guides: Float32Array[], size: number, schedule: Schedule, spec: SamplerSpec, t0: number, seeds: number[], mask: Float32Array | null = null): Promise<Float32Array[]> {
  type Req = { x: Float32Array; t: Float32Array; resolve: (v: Float32Array) => void; reject: (e: unknown) => void };
  let pending: Req[] = [];
  let active = guides.length;
  const P = 3 * size * size;
  const flush = (): void => {
    if (pending.length === 0 || pending.length < active) return;
    const reqs = pending;
    pending = [];
    const n = reqs.length;
    const x = new Float32Array(n * P);
    const t = new Float32Array(n);
    reqs.forEach((r, i) => {
      x.set(r.x, i * P);
      t[i] = r.t[0];
    });
    denoiser.predict(x, [n, 3, size, size], t).then(
      (out) => reqs.forEach((r, i) => r.resolve(out.subarray(i * P, (i + 1) * P))),
      (e) => reqs.forEach((r) => r.reject(e)),
    );
  };
  const member: Denoiser = {
    kind: denoiser.kind,
    predict: (x, _shape, t) =>
      new Promise<Float32Array>((resolve, reject) => {
        pending.push({ x: x.slice(), t: t.slice(), resolve, reject });
        flush();
      }),
  };
  return Promise.all(
    guides.map((g, i) =>
      sdedit(member, g, [3, size, size], schedule, { sampler: spec.sampler, t0, steps: spec.steps, eta: 0, seed: seeds[i], mask }).finally(() => {
        active--;
        flush();
      }),
    ),
  );
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]): number => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return M.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

/** Run the protocol. `loaded` is a pack from loadPackFromDir. */
export async function evaluate(loaded: LoadedPack, cfg: EvalConfig): Promise<EvalReport> {
  const start = performance.now();
  const log = cfg.log ?? (() => undefined);
  const { schedule, denoiser, pack } = loaded;
  const S = cfg.size;
  if (!(Number.isInteger(S) && S >= 8 && S % STROKE_CELLS === 0)) throw new Error(`eval: size must be a multiple of ${STROKE_CELLS}, got ${S}`);
  if (S % pack.multiple !== 0) throw new Error(`eval: size ${S} is not a multiple of the model's ${pack.multiple}`);
  const files = listScenes(cfg.heldout);
  const nRef = cfg.refs > 0 ? cfg.refs : files.length - cfg.guides;
  if (cfg.guides < 2 || nRef < 2 || cfg.guides + nRef > files.length) {
    throw new Error(`eval: need ≥ 2 guide and ≥ 2 reference scenes out of ${files.length} held-out scenes (asked ${cfg.guides} + ${nRef})`);
  }
  const guideFiles = files.slice(0, cfg.guides);
  const refFiles = files.slice(cfg.guides, cfg.guides + nRef);
  const scenes = guideFiles.map((f) => loadScene(f, S));
  const guides = scenes.map((s) => strokeGuide(s, S));
  const refRaw = refFiles.map((f) => rawFeatures(loadScene(f, S), S, S));
  const space: FeatureSpace = fitFeatureSpace(refRaw);
  const refFeats = refRaw.map((f) => space.apply(f));
  const factor = S / STROKE_CELLS;
  const rows: Row[] = [];
  const measure = (method: Row['method'], sampler: string | null, t0: number | null, imgs: Float32Array[]): Row => {
    const l2 = imgs.map((im, i) => downsampledL2(im, guides[i], 3, S, S, factor));
    const feats = imgs.map((im) => space.apply(rawFeatures(im, S, S)));
    const row: Row = { method, sampler, t0, l2_mean: mean(l2), l2_std: std(l2), kid: kid(feats, refFeats), n: imgs.length };
    rows.push(row);
    return row;
  };
  log(`eval: ${guideFiles.length} guide scenes, ${refFiles.length} reference scenes, ${S}×${S}, features ${FEATURE_DIM}-d`);
  measure('real', null, null, scenes);
  measure('guide', null, null, guides);
  measure('blur', null, null, guides.map((g) => gaussianBlur(g, S, cfg.blurSigma)));
  for (const t0 of cfg.t0s) measure('noised', null, t0, guides.map((g, i) => noisedGuide(g, schedule, t0, cfg.seed + i)));

  const images = new Map<string, Map<number, Float32Array[]>>();
  const perSampler: Record<string, number> = {};
  const callsBefore = { ms: loaded.networkMs() };
  let calls = 0;
  const counting: Denoiser = {
    kind: denoiser.kind,
    predict: (x, shape, t) => {
      calls += shape[0];
      return denoiser.predict(x, shape, t);
    },
  };
  const B = M.max(1, cfg.batch);
  for (const spec of cfg.samplers) {
    const label = samplerLabel(spec);
    const byT0 = new Map<number, Float32Array[]>();
    images.set(label, byT0);
    const t0 = performance.now();
    for (const tt of spec.t0s ?? cfg.t0s) {
      const tRun = performance.now();
      const outs: Float32Array[] = [];
      for (let i = 0; i < guides.length; i += B) {
        const chunk = guides.slice(i, i + B);
        outs.push(...(await sdeditMany(counting, chunk, S, schedule, spec, tt, chunk.map((_, j) => cfg.seed + i + j))));
      }
      // results are images: clipped to [−1, 1] as the PNG the product writes
      for (const o of outs) for (let k = 0; k < o.length; k++) o[k] = o[k] > 1 ? 1 : o[k] < -1 ? -1 : o[k];
      byT0.set(tt, outs);
      const row = measure('sdedit', label, tt, outs);
      log(`eval: ${label} t0=${tt.toFixed(2)}  L2 ${row.l2_mean.toFixed(2)}  KID ${row.kid.toFixed(3)}  (${((performance.now() - tRun) / 1000).toFixed(1)} s)`);
    }
    perSampler[label] = performance.now() - t0;
  }

  const edits: EditResult[] = [];
  if (cfg.edits) {
    const runEdit = async (name: EditResult['name'], sceneIdx: number, make: (s: Float32Array, size: number) => { guide: Float32Array; mask: Float32Array }) => {
      const scene = loadScene(files[sceneIdx % files.length], S);
      const { guide, mask } = make(scene, S);
      const [raw] = await sdeditMany(counting, [guide], S, schedule, cfg.editSampler, cfg.editT0, [cfg.seed], mask);
      const result = raw.map((v) => (v > 1 ? 1 : v < -1 ? -1 : v));
      const HW = S * S;
      let outside = 0;
      let inside = 0;
      let nIn = 0;
      for (let p = 0; p < HW; p++) {
        for (let c = 0; c < 3; c++) {
          const d = M.abs(result[c * HW + p] - guide[c * HW + p]);
          if (mask[p] === 0) outside = M.max(outside, d);
          else if (mask[p] === 1) {
            inside += d;
            nIn++;
          }
        }
      }
      edits.push({ name, scene, guide, mask, result, max_change_outside_mask: outside, mean_change_inside_mask: nIn ? inside / nIn : 0 });
      log(`eval: ${name} (t0=${cfg.editT0}): max change outside the mask ${outside}, mean change inside ${(nIn ? inside / nIn : 0).toFixed(3)}`);
    };
    await runEdit('stroke-edit', EXAMPLE_SCENES.edit, strokeEdit);
    await runEdit('composite', EXAMPLE_SCENES.composite, compositeInput);
  }
  const networkMs = loaded.networkMs() - callsBefore.ms;
  return {
    size: S,
    guideNames: guideFiles.map((f) => path.basename(f)),
    refNames: refFiles.map((f) => path.basename(f)),
    rows,
    images,
    guides,
    scenes,
    edits,
    timing: {
      network_calls: calls,
      network_ms: networkMs,
      ms_per_call: calls ? networkMs / calls : 0,
      total_ms: performance.now() - start,
      per_sampler_ms: perSampler,
    },
  };
}

// ——— outputs ———

/** The picture sheet: one row per guide scene: guide | results across t0 | real scene. */
export function pictureSheet(report: EvalReport, label: string, file: string): void {
  const byT0 = report.images.get(label);
  if (!byT0) throw new Error(`eval: no results for ${label}`);
  const t0s = [...byT0.keys()];
  const S = report.size;
  const gap = M.max(2, M.round(S / 64));
  const scale = S >= 128 ? 2 : 1;
  const head = 7 * scale + 2 * gap + 4;
  const cols = t0s.length + 2;
  const rows = report.guides.length;
  const cv = new Canvas(cols * S + (cols + 1) * gap, head + rows * S + rows * gap, [255, 255, 255]);
  const titles = ['strokes', ...t0s.map((t) => `t0=${t.toFixed(1)}`), 'real'];
  titles.forEach((t, c) => cv.text(t, gap + c * (S + gap) + M.max(0, M.round((S - Canvas.textWidth(t, scale)) / 2)), gap + 2, scale));
  for (let r = 0; r < rows; r++) {
    const y = head + r * (S + gap);
    cv.blit(report.guides[r], S, S, gap, y);
    t0s.forEach((t, c) => cv.blit((byT0.get(t) as Float32Array[])[r], S, S, gap + (c + 1) * (S + gap), y));
    cv.blit(report.scenes[r], S, S, gap + (cols - 1) * (S + gap), y);
  }
  cv.save(file);
}

/** Masked editing and compositing: scene | input | mask | result, one row each. */
export function editsSheet(report: EvalReport, file: string): void {
  const S = report.size;
  const gap = M.max(2, M.round(S / 64));
  const scale = S >= 128 ? 2 : 1;
  const head = 7 * scale + 2 * gap + 4;
  const cols = 4;
  const cv = new Canvas(cols * S + (cols + 1) * gap, head + report.edits.length * (S + gap), [255, 255, 255]);
  ['real scene', 'input', 'mask', 'sdedit'].forEach((t, c) => cv.text(t, gap + c * (S + gap) + M.max(0, M.round((S - Canvas.textWidth(t, scale)) / 2)), gap + 2, scale));
  report.edits.forEach((e, r) => {
    const y = head + r * (S + gap);
    cv.blit(e.scene, S, S, gap, y);
    cv.blit(e.guide, S, S, gap + (S + gap), y);
    cv.blit(e.mask.map((v) => 2 * v - 1), S, S, gap + 2 * (S + gap), y);
    cv.blit(e.result, S, S, gap + 3 * (S + gap), y);
  });
  cv.save(file);
}

const r4 = (v: number): number => M.round(v * 1e4) / 1e4;
const r6 = (v: number): number => M.round(v * 1e6) / 1e6;

export const PROTOCOL =
  `SDEdit stroke-based synthesis as in Meng et al. (2022) §5.1, through src/core sdedit() and the src/model node runtime: ` +
  `held-out scenes (seeds never trained on) → stroke guides by simulateStrokes (area-downsample to ${STROKE_CELLS}×${STROKE_CELLS} cells, ` +
  `3×3 median filter, k-means to 6 colours, nearest upsampling) → SDEdit from t0. ` +
  `Faithfulness: L2 norm of (result − guide), both area-downsampled to ${STROKE_CELLS}×${STROKE_CELLS}, values in [−1, 1] ` +
  `(3·${STROKE_CELLS}² = ${3 * STROKE_CELLS * STROKE_CELLS} values; an L2 of 10 is an RMS error of ${(10 / M.sqrt(3 * STROKE_CELLS * STROKE_CELLS)).toFixed(3)}). ` +
  `Realism: unbiased KID to a disjoint set of held-out real scenes.`;

/** JSON of the report (no images). */
export function reportJson(report: EvalReport, cfg: EvalConfig, model: { name: string; sha256: string }): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    model,
    protocol: PROTOCOL,
    feature_space: FEATURE_SPACE_SUMMARY,
    size: report.size,
    stroke_cells: STROKE_CELLS,
    guide_scenes: report.guideNames,
    reference_scenes: report.refNames,
    t0: cfg.t0s,
    samplers: cfg.samplers.map((s) => ({ label: samplerLabel(s), sampler: s.sampler, steps: s.steps, eta: 0, t0: s.t0s ?? cfg.t0s })),
    blur_sigma_px: cfg.blurSigma,
    seed: cfg.seed,
    rows: report.rows.map((r) => ({ ...r, l2_mean: r4(r.l2_mean), l2_std: r4(r.l2_std), kid: r6(r.kid) })),
    edits: report.edits.map((e) => ({ name: e.name, t0: cfg.editT0, sampler: samplerLabel(cfg.editSampler), max_change_outside_mask: e.max_change_outside_mask, mean_change_inside_mask: r4(e.mean_change_inside_mask) })),
    timing: {
      network_calls: report.timing.network_calls,
      ms_per_call: M.round(report.timing.ms_per_call),
      network_s: M.round(report.timing.network_ms / 100) / 10,
      total_s: M.round(report.timing.total_ms / 100) / 10,
      per_sampler_s: Object.fromEntries(Object.entries(report.timing.per_sampler_ms).map(([k, v]) => [k, M.round(v / 100) / 10])),
    },
  };
}

const fmt = (v: number, d = 2): string => v.toFixed(d);

/** The markdown table: L2 and KID per method × t0. */
export function reportMarkdown(report: EvalReport, cfg: EvalConfig, model: { name: string; sha256: string }): string {
  const t0s = cfg.t0s;
  const rowsOf = (method: Row['method'], sampler: string | null) => report.rows.filter((r) => r.method === method && r.sampler === sampler);
  const line = (name: string, rs: Row[], pick: (r: Row) => string): string => {
    const cells = t0s.map((t) => {
      const r = rs.find((x) => x.t0 === t) ?? rs.find((x) => x.t0 === null);
      return r ? pick(r) : '';
    });
    return `| ${name} | ${cells.join(' | ')} |`;
  };
  const methods: [string, Row[]][] = [];
  for (const s of cfg.samplers) methods.push([`**SDEdit, ${samplerLabel(s)}**`, rowsOf('sdedit', samplerLabel(s))]);
  methods.push(['guide as-is', rowsOf('guide', null)]);
  methods.push([`guide blurred (Gaussian σ = ${cfg.blurSigma} px)`, rowsOf('blur', null)]);
  methods.push(['guide noised to t0, not denoised', rowsOf('noised', null)]);
  methods.push(['real scene the guide came from (ideal)', rowsOf('real', null)]);
  const head = `| method | ${t0s.map((t) => `t0 = ${t.toFixed(1)}`).join(' | ')} |\n|---|${t0s.map(() => '---:').join('|')}|`;
  const tm = report.timing;
  const out: string[] = [];
  out.push(`# Evaluation of the \`${model.name}\` pack (SDEdit, stroke-based synthesis)`);
  out.push('');
  out.push(`Written by \`npm run eval\` (src/cli/eval) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; model.onnx sha256 \`${model.sha256.slice(0, 16)}…\`.`);
  out.push('');
  out.push(`- **Inputs**: ${report.guideNames.length} held-out scenes (${report.guideNames[0]} … ${report.guideNames[report.guideNames.length - 1]}, seeds never trained on) at ${report.size}×${report.size}, turned into stroke guides by core's \`simulateStrokes\` (${STROKE_CELLS}×${STROKE_CELLS} cells, 3×3 median, 6 colours).`);
  out.push(`- **Engine**: src/core \`sdedit()\` with the pack through src/model's onnxruntime-node runtime (CPU); samplers ${cfg.samplers.map((s) => `\`${samplerLabel(s)}\``).join(', ')} (η = 0 for DDIM); seed of guide i = ${cfg.seed} + i.`);
  out.push(`- **Faithfulness (L2, lower = closer to the guide)**: L2 norm of result − guide after area-downsampling both to ${STROKE_CELLS}×${STROKE_CELLS} (values in [−1, 1], ${3 * STROKE_CELLS * STROKE_CELLS} numbers; L2 10 ≈ RMS ${(10 / M.sqrt(3 * STROKE_CELLS * STROKE_CELLS)).toFixed(3)} per value). Mean ± std over guides.`);
  out.push(`- **Realism (KID, lower = more like real scenes)**: unbiased KID (MMD² U-statistic, kernel (xᵀy/d + 1)³) between the ${report.guideNames.length} results and ${report.refNames.length} *other* held-out real scenes (${report.refNames[0]} … ${report.refNames[report.refNames.length - 1]}).`);
  out.push(`- **Feature space** (no Inception weights exist here, so KID runs on a fixed, hand-crafted descriptor; see src/cli/eval/features.ts): ${FEATURE_SPACE_SUMMARY}`);
  out.push(`- **Noise**: with ${report.guideNames.length} vs ${report.refNames.length} images the KID estimate is noisy; the row "real scene the guide came from" (real vs real, expectation 0) shows its size. Numbers in this feature space compare rows with each other, never with published Inception-KID values.`);
  out.push('');
  out.push('## Faithfulness: L2 to the stroke guide (32×32)');
  out.push('');
  out.push(head);
  for (const [name, rs] of methods) out.push(line(name, rs, (r) => `${fmt(r.l2_mean)} ± ${fmt(r.l2_std, 1)}`));
  out.push('');
  out.push('## Realism: KID to held-out real scenes');
  out.push('');
  out.push(head);
  for (const [name, rs] of methods) out.push(line(name, rs, (r) => (M.abs(r.kid) < 10 ? fmt(r.kid, 3) : fmt(r.kid, 1))));
  out.push('');
  out.push('Rows without t0 (guide, blur, real) do not depend on it; their value is repeated across the columns.');
  if (report.edits.length) {
    out.push('');
    out.push('## Masked editing and compositing');
    out.push('');
    out.push(`\`edits.png\`: real scene | input | mask (white = edit) | result, SDEdit ${samplerLabel(cfg.editSampler)} from t0 = ${cfg.editT0}.`);
    out.push('');
    for (const e of report.edits) out.push(`- ${e.name}: largest change outside the mask ${e.max_change_outside_mask} (kept pixels equal the input), mean |change| inside ${fmt(e.mean_change_inside_mask, 3)}.`);
  }
  out.push('');
  out.push('## Timing');
  out.push('');
  out.push(`${tm.network_calls} network evaluations (one image at ${report.size}² each), ${fmt(tm.ms_per_call, 0)} ms each on average (onnxruntime-node, CPU); network ${fmt(tm.network_ms / 1000, 0)} s, total ${fmt(tm.total_ms / 1000, 0)} s.` +
    ` Per sampler: ${Object.entries(tm.per_sampler_ms).map(([k, v]) => `${k} ${fmt(v / 1000, 0)} s`).join(', ')}.`);
  const every = cfg.t0s.reduce((a, t) => a + M.round(t * 1000), 0) * report.guideNames.length;
  out.push('');
  out.push(`The paper runs DDPM at every step of the 1000-step schedule below t0: over these t0 and guides that is ${every} network calls, about ${fmt((every * tm.ms_per_call) / 3.6e6, 1)} h at the rate above, so the full run uses DDIM (and strided DDPM) instead; \`--ddpm LIST --ddpm-steps 0\` runs the paper's sampler where there is time.`);
  out.push('');
  out.push('`sheet.png`: one row per guide scene: the stroke guide ("strokes") | SDEdit (first sampler) across t0 | the real scene it came from.');
  out.push('');
  return out.join('\n');
}

/** The `quality` block for model.json. */
export function qualityBlock(report: EvalReport, cfg: EvalConfig, model: { name: string; sha256: string }): Record<string, unknown> {
  const pick = (method: Row['method'], sampler: string | null) => {
    const rs = report.rows.filter((r) => r.method === method && r.sampler === sampler);
    if (rs.length === 1 && rs[0].t0 === null) return { l2: r4(rs[0].l2_mean), kid: r6(rs[0].kid) };
    return { t0: rs.map((r) => r.t0), l2: rs.map((r) => r4(r.l2_mean)), kid: rs.map((r) => r6(r.kid)) };
  };
  return {
    date: new Date().toISOString(),
    model_sha256: model.sha256,
    protocol: PROTOCOL,
    feature_space: FEATURE_SPACE_SUMMARY,
    size: report.size,
    guide_scenes: report.guideNames.length,
    reference_scenes: report.refNames.length,
    sdedit: Object.fromEntries(cfg.samplers.map((s) => [samplerLabel(s), pick('sdedit', samplerLabel(s))])),
    baselines: {
      guide: pick('guide', null),
      [`blur_sigma_${cfg.blurSigma}px`]: pick('blur', null),
      noised: pick('noised', null),
      real_scene: pick('real', null),
    },
    edits: report.edits.map((e) => ({ name: e.name, t0: cfg.editT0, max_change_outside_mask: e.max_change_outside_mask })),
    timing: { ms_per_call: M.round(report.timing.ms_per_call), network_calls: report.timing.network_calls, total_s: M.round(report.timing.total_ms / 1000) },
    table: 'models/default/eval/results.md',
  };
}

export { writeChw };
