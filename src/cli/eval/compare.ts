// Two model packs side by side (issue 15: v1 against v2) through the product's engine — src/core
// sdedit() with the panel's default sampler, each pack through src/model's node runtime — on:
//
//   photos      the paper's protocol (run.ts evaluate()) on held-out photographs: stroke guides
//               of the guide crops → SDEdit across t0; L2 to the guide and KID to the reference
//               crops (other crops of the same held-out photos, none of them ever trained on);
//   flat        flat-colour painted guides (flat-guides.ts) across t0: the results' Laplacian std
//               and spectrum slope against the guides' and the photographs' (gap share), the
//               32-px RMS to the guide, and the guide's strong edges kept (image-stats.ts), also
//               for every result paired with a different guide (the chance level);
//   composites  assets pasted on scenes, masked SDEdit: kept pixels unchanged, how much of the
//               pasted object changed;
//   x̂0 error    the denoiser alone: the held-out photo crops noised to t, one call, RMS of the
//               clipped x̂0 against the crop (what every sampler step leans on; at high t an ε
//               error is magnified 1/√ᾱ in x̂0).
import { clampUnit, gaussian, streamId, x0Estimate, type Denoiser, type Schedule } from '../../core';
import type { LoadedPack } from '../../model/node';
import { noisedToT0 } from './baselines';
import { EXAMPLE_SCENES, boatAsset, pasteAsset, treeAsset, type MaskedInput } from './guides';
import { FLAT_SCENES, flatGuide } from './flat-guides';
import { edgeRetention, l2Rms32, laplacianStd, luminance, spectrumSlope } from './image-stats';
import { type EvalConfig, type Row, type SamplerSpec, evaluate, listScenes, loadScene, mean, samplerLabel, sdeditMany } from './run';

/** The committed held-out photo crops (models/train/dump_photos_heldout.py). */
export const PHOTOS_HELDOUT_DIR = 'models/eval/photos-heldout';

export interface CompareConfig {
  /** working size (square), a multiple of 32 and of both packs' multiples */
  size: number;
  spec: SamplerSpec;
  seed: number;
  /** held-out photo crops: guide-*.png then ref-*.png */
  photos: string;
  photoT0s: number[];
  /** flat-colour guides (PNG) */
  flat: string;
  flatT0s: number[];
  /** results per flat guide and t0 (seeds S + i + 1000·k, k < flatSeeds): the measures average
   *  over all of them, so one seed's luck does not decide a comparison of two packs */
  flatSeeds: number;
  /** t0 of the realism-of-flat-guides measures (gap shares, 32-px RMS) */
  flatMeasureT0: number;
  /** held-out procedural scenes (the composites' backgrounds) */
  heldout: string;
  compositeT0: number;
  log?: (line: string) => void;
}

export interface ImageStats {
  lap_std: number;
  slope: number;
}

export interface FlatRun {
  t0: number;
  /** the first seed's result of each guide (the sheet) */
  images: Float32Array[];
  /** per result: guide i's seed k at index k·guides + i */
  lap_std: number[];
  slope: number[];
  l2_rms32: number[];
  retention: number[];
  /** mean over every pair (guide i, a result of guide j ≠ i) */
  retention_other: number;
  /** mean edges kept by the start itself: each guide noised to t0 (one draw per result, not the
   *  sampler's own) and not denoised, how much of the guide's structure is left to be kept */
  retention_start: number;
}

export interface CompositeInput extends MaskedInput {
  name: string;
  /** the pasted object's silhouette (α > 0.5), [size²] */
  object: Uint8Array;
}

export interface CompositeRun {
  name: string;
  result: Float32Array;
  max_change_outside_mask: number;
  /** RMS of result − input over the object's pixels (lower = the object is kept) */
  object_rms_change: number;
}

export interface ModelRun {
  label: string;
  name: string;
  sha256: string;
  photoRows: Row[];
  photoImages: Map<number, Float32Array[]>;
  flat: FlatRun[];
  composites: CompositeRun[];
  /** x̂0 RMS error on the held-out photo crops at each of X0_ERROR_TS (empty for a VE pack) */
  x0_error: { t: number; rms: number }[];
  timing: { network_calls: number; network_ms: number; total_ms: number };
}

/** t of the x̂0-error measure */
export const X0_ERROR_TS: readonly number[] = [0.1, 0.3, 0.5, 0.7, 0.9];

/** RMS of clip(x̂0) − x0 over `images` noised to each t (image k with seed + k), one batched call
 *  per t: x̂0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ. */
export async function x0Error(denoiser: Denoiser, schedule: Schedule, images: readonly Float32Array[], size: number, seed: number): Promise<{ t: number; rms: number }[]> {
  if (schedule.type !== 'vp' || denoiser.kind !== 'eps' || !images.length) return [];
  const n = images.length;
  const len = 3 * size * size;
  const rows = [];
  for (const t of X0_ERROR_TS) {
    const ab = schedule.alphaBar(t);
    const { sigma, invAlpha } = x0Estimate(ab);
    const a = Math.sqrt(ab);
    const xt = new Float32Array(n * len);
    const eps = new Float32Array(len);
    for (let k = 0; k < n; k++) {
      gaussian(seed + k, streamId(0x30e7, Math.round(t * 1000)), eps);
      for (let i = 0; i < len; i++) xt[k * len + i] = a * images[k][i] + sigma * eps[i];
    }
    const e = await denoiser.predict(xt, [n, 3, size, size], new Float32Array(n).fill(t));
    const x0 = new Float32Array(n * len);
    for (let i = 0; i < n * len; i++) x0[i] = (xt[i] - sigma * e[i]) * invAlpha;
    clampUnit(x0);
    let se = 0;
    for (let k = 0; k < n; k++) for (let i = 0; i < len; i++) se += (x0[k * len + i] - images[k][i]) ** 2;
    rows.push({ t, rms: Math.sqrt(se / (n * len)) });
  }
  return rows;
}

export interface CompareInputs {
  photoGuideNames: string[];
  photoRefNames: string[];
  photoGuides: Float32Array[];
  photoScenes: Float32Array[];
  /** real / guide / blur / noised rows of the photo protocol (the same for both packs) */
  photoBaselines: Row[];
  flatNames: string[];
  flatGuides: Float32Array[];
  flatGuideStats: ImageStats[];
  /** Laplacian std and slope of every held-out photo crop (guides and references) */
  photoStats: ImageStats[];
  composites: CompositeInput[];
  /** the flat guides' edges found in images that hold none of them (reference levels) */
  retentionReference: RetentionReference;
}

export interface RetentionReference {
  /** in images of i.i.d. Gaussian noise (one per guide and seed): the level of a result whose
   *  strong edges are scattered everywhere, with no structure of the guide */
  noise: number;
  /** in the held-out photo crops, every guide with every crop: realistic, but another scene */
  photo: number;
}

export interface CompareReport {
  size: number;
  inputs: CompareInputs;
  runs: ModelRun[];
  total_ms: number;
}

export function imageStats(chw: Float32Array, size: number): ImageStats {
  const y = luminance(chw, size, size);
  return { lap_std: laplacianStd(y, size, size), slope: spectrumSlope(y, size, size) };
}

function photoSplit(dir: string): { guides: string[]; refs: string[] } {
  const files = listScenes(dir);
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1);
  const guides = files.filter((f) => base(f).startsWith('guide-'));
  const refs = files.filter((f) => base(f).startsWith('ref-'));
  if (guides.length < 2 || refs.length < 2 || guides.length + refs.length !== files.length || files.indexOf(refs[0]) !== guides.length) {
    throw new Error(`compare: ${dir} must hold ≥ 2 guide-*.png and ≥ 2 ref-*.png (and no other PNG); found ${guides.length} + ${refs.length} of ${files.length}`);
  }
  return { guides, refs };
}

/** The composites: the eval's tree example, and a sailing boat on a lake scene and on the flat sea. */
export function compositeInputs(heldout: string, size: number): CompositeInput[] {
  const files = listScenes(heldout);
  const scene = (i: number) => {
    if (i >= files.length) throw new Error(`compare: held-out scene ${i} missing in ${heldout}`);
    return loadScene(files[i], size);
  };
  const sunset = FLAT_SCENES.find((s) => s.name === 'sunset-sea');
  if (!sunset) throw new Error('compare: flat scene sunset-sea missing');
  const make = (name: string, bg: Float32Array, asset: Uint8ClampedArray): CompositeInput => {
    const object = new Uint8Array(size * size);
    for (let p = 0; p < object.length; p++) object[p] = asset[4 * p + 3] > 127 ? 1 : 0;
    return { name, ...pasteAsset(bg, size, asset), object };
  };
  return [
    make('tree on a field', scene(EXAMPLE_SCENES.composite), treeAsset(size)),
    make('boat on a lake', scene(EXAMPLE_SCENES.strokes), boatAsset(size, 0.4, 0.82, 0.09)),
    make('boat on a flat sea', flatGuide(sunset, size), boatAsset(size, 0.3, 0.76, 0.08)),
  ];
}

/** Inputs shared by every pack (read and measured once). */
export function compareInputs(cfg: CompareConfig): CompareInputs {
  const S = cfg.size;
  const { guides, refs } = photoSplit(cfg.photos);
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1);
  const flatFiles = listScenes(cfg.flat);
  if (flatFiles.length < 2) throw new Error(`compare: need ≥ 2 flat guides in ${cfg.flat} (npm run eval -- --make-flat-guides)`);
  const flatGuides = flatFiles.map((f) => loadScene(f, S));
  const photoCrops = [...guides, ...refs].map((f) => loadScene(f, S));
  return {
    photoGuideNames: guides.map(base),
    photoRefNames: refs.map(base),
    photoGuides: [],
    photoScenes: [],
    photoBaselines: [],
    flatNames: flatFiles.map(base),
    flatGuides,
    flatGuideStats: flatGuides.map((g) => imageStats(g, S)),
    photoStats: photoCrops.map((im) => imageStats(im, S)),
    composites: compositeInputs(cfg.heldout, S),
    retentionReference: retentionReference(flatGuides, photoCrops, S, cfg),
  };
}

/** The flat guides' edges kept by images unrelated to them (RetentionReference). */
export function retentionReference(guides: readonly Float32Array[], photos: readonly Float32Array[], size: number, cfg: Pick<CompareConfig, 'seed' | 'flatSeeds'>): RetentionReference {
  const noise: number[] = [];
  const photo: number[] = [];
  guides.forEach((g, i) => {
    for (let k = 0; k < cfg.flatSeeds; k++) {
      const z = new Float32Array(g.length);
      gaussian(cfg.seed + i + 1000 * k, streamId(0xed9e, 0), z);
      noise.push(edgeRetention(g, z, size));
    }
    for (const p of photos) photo.push(edgeRetention(g, p, size));
  });
  return { noise: mean(noise), photo: photo.length ? mean(photo) : NaN };
}

async function runFlat(denoiser: Denoiser, loaded: LoadedPack, guides: Float32Array[], cfg: CompareConfig, t0: number): Promise<FlatRun> {
  const S = cfg.size;
  const n = guides.length;
  const results: Float32Array[] = [];
  const start: number[] = [];
  for (let k = 0; k < cfg.flatSeeds; k++) {
    const seeds = guides.map((_, i) => cfg.seed + i + 1000 * k);
    const images = await sdeditMany(denoiser, guides, S, loaded.schedule, cfg.spec, t0, seeds);
    for (const im of images) clampUnit(im);
    results.push(...images);
    guides.forEach((g, i) => start.push(edgeRetention(g, noisedToT0(g, loaded.schedule, t0, seeds[i]), S)));
  }
  const guideOf = (r: number): number => r % n;
  const stats = results.map((im) => imageStats(im, S));
  let other = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < results.length; r++) {
      if (guideOf(r) === i) continue;
      other += edgeRetention(guides[i], results[r], S);
      pairs++;
    }
  }
  return {
    t0,
    images: results.slice(0, n),
    lap_std: stats.map((s) => s.lap_std),
    slope: stats.map((s) => s.slope),
    l2_rms32: results.map((im, r) => l2Rms32(im, guides[guideOf(r)], S)),
    retention: results.map((im, r) => edgeRetention(guides[guideOf(r)], im, S)),
    retention_other: other / pairs,
    retention_start: mean(start),
  };
}

async function runComposite(denoiser: Denoiser, loaded: LoadedPack, c: CompositeInput, cfg: CompareConfig): Promise<CompositeRun> {
  const S = cfg.size;
  const [result] = await sdeditMany(denoiser, [c.guide], S, loaded.schedule, cfg.spec, cfg.compositeT0, [cfg.seed], c.mask);
  clampUnit(result);
  const HW = S * S;
  let outside = 0;
  let s2 = 0;
  let n = 0;
  for (let p = 0; p < HW; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const d = result[ch * HW + p] - c.guide[ch * HW + p];
      if (c.mask[p] === 0) outside = Math.max(outside, Math.abs(d));
      if (c.object[p]) {
        s2 += d * d;
        n++;
      }
    }
  }
  return { name: c.name, result, max_change_outside_mask: outside, object_rms_change: n ? Math.sqrt(s2 / n) : 0 };
}

/** Run one pack through every part of the comparison. */
export async function runModel(label: string, loaded: LoadedPack, inputs: CompareInputs, cfg: CompareConfig): Promise<ModelRun> {
  const log = cfg.log ?? (() => undefined);
  const S = cfg.size;
  if (S % 32 !== 0 || S % loaded.pack.multiple !== 0) throw new Error(`compare: size ${S} must be a multiple of 32 and of ${label}'s multiple ${loaded.pack.multiple}`);
  const start = performance.now();
  const ms0 = loaded.networkMs();
  let calls = 0;
  const counting: Denoiser = {
    kind: loaded.denoiser.kind,
    predict: (x, shape, t) => {
      calls += shape[0];
      return loaded.denoiser.predict(x, shape, t);
    },
  };
  const evalCfg: EvalConfig = {
    heldout: cfg.photos,
    size: S,
    guides: inputs.photoGuideNames.length,
    refs: inputs.photoRefNames.length,
    t0s: cfg.photoT0s,
    samplers: [cfg.spec],
    seed: cfg.seed,
    batch: inputs.photoGuideNames.length,
    blurSigma: S / 64,
    edits: false,
    editT0: cfg.compositeT0,
    editSampler: cfg.spec,
    log: (l) => log(`${label} photos: ${l.replace(/^eval: /, '')}`),
  };
  const photo = await evaluate(loaded, evalCfg);
  calls += photo.timing.network_calls;
  if (!inputs.photoGuides.length) {
    inputs.photoGuides.push(...photo.guides);
    inputs.photoScenes.push(...photo.scenes);
    inputs.photoBaselines.push(...photo.rows.filter((r) => r.method !== 'sdedit'));
  }
  const flat: FlatRun[] = [];
  for (const t0 of cfg.flatT0s) {
    const tr = performance.now();
    const run = await runFlat(counting, loaded, inputs.flatGuides, cfg, t0);
    flat.push(run);
    log(`${label} flat t0=${t0.toFixed(2)}: lap std ${mean(run.lap_std).toFixed(4)}, slope ${mean(run.slope).toFixed(2)}, 32-px RMS ${mean(run.l2_rms32).toFixed(3)}, edges kept ${mean(run.retention).toFixed(2)} (other guide ${run.retention_other.toFixed(2)}, the start ${run.retention_start.toFixed(2)}) (${((performance.now() - tr) / 1000).toFixed(1)} s)`);
  }
  const composites: CompositeRun[] = [];
  for (const c of inputs.composites) {
    const r = await runComposite(counting, loaded, c, cfg);
    composites.push(r);
    log(`${label} composite ${c.name}: max change outside the mask ${r.max_change_outside_mask}, object RMS change ${r.object_rms_change.toFixed(3)}`);
  }
  const x0_error = await x0Error(counting, loaded.schedule, inputs.photoScenes, S, cfg.seed);
  log(`${label} x̂0 error: ${x0_error.map((r) => `t ${r.t}: ${r.rms.toFixed(3)}`).join(', ')}`);
  return {
    label,
    name: loaded.pack.name,
    sha256: loaded.pack.files[0].sha256,
    photoRows: photo.rows.filter((r) => r.method === 'sdedit'),
    photoImages: photo.images.get(samplerLabel(cfg.spec)) ?? new Map(),
    flat,
    composites,
    x0_error,
    timing: { network_calls: calls, network_ms: loaded.networkMs() - ms0, total_ms: performance.now() - start },
  };
}
