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
import { downsampledL2, fewStepGrid, resizeChw, sdedit } from '../../core';
import { runBatched } from '../../model/batching';
import type { LoadedPack } from '../../model/node';
import { gaussianBlur, noisedGuide } from './baselines';
import { FEATURE_DIM, type FeatureSpace, fitFeatureSpace, rawFeatures } from './features';
import { STROKE_CELLS, compositeInput, strokeEdit, strokeGuide, EXAMPLE_SCENES } from './guides';
import { kid } from './kid';
import { readChw } from './png';

export interface SamplerSpec {
  sampler: Extract<SamplerName, 'ddim' | 'ddpm' | 'dpmpp2m' | 'dpmpp2m-sde'>;
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

/** sdedit of several guides of one shape and one plan, their network calls batched together. */
export async function sdeditMany(denoiser: Denoiser, guides: Float32Array[], size: number, schedule: Schedule, spec: SamplerSpec, t0: number, seeds: number[], mask: Float32Array | null = null): Promise<Float32Array[]> {
  const { results } = await runBatched(denoiser, guides.length, (member, i) =>
    sdedit(member, guides[i], [3, size, size], schedule, { sampler: spec.sampler, grid: fewStepGrid(spec.sampler), t0, steps: spec.steps, eta: 0, seed: seeds[i], mask }),
  );
  return results;
}

export const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
/** sample standard deviation (n − 1); 0 for one value */
export const std = (v: readonly number[]): number => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
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
  const B = Math.max(1, cfg.batch);
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
          const d = Math.abs(result[c * HW + p] - guide[c * HW + p]);
          if (mask[p] === 0) outside = Math.max(outside, d);
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
