// The SDEdit loop every sampler shares: input checks, noising the guide to the start level,
// the reverse steps (each sampler supplies only its update), mask re-noising after every step,
// K repeats, progress and abort, seeded noise. src/core/sdedit.ts (DDPM, DDIM, VE) and
// src/core/solvers-fast.ts (DPM-Solver++(2M), ODE and SDE) run through `runLoop`; the
// per-element work is in kernels.ts.
import type { Denoiser, SDEditOptions, Shape4, StepInfo } from './types';
import type { Schedule } from './schedule';
import { gaussian, gaussianRanges, streamId } from './rng';
import { blendKept, blendKeptFrom, copyClipped, editedRanges, keptPixels, noisedKeptRuns, noiseTo, type KeptPixels } from './kernels';
import { Arena } from './wasm/instance';

/** What a noise draw is for; the default source turns it into a stream of the seeded RNG. */
export interface NoiseRequest {
  /** batch item (its seed is opts.seed + item) */
  item: number;
  /** 0-based repeat */
  repeat: number;
  /** 'init': the noising of the guide to t0; 'step': a reverse step of DDPM/DDIM/VE;
   *  'corrector': a Langevin step; 'sde': a step of the stochastic DPM-Solver++(2M) */
  kind: 'init' | 'step' | 'corrector' | 'sde';
  /** 0-based step within the repeat (0 for 'init') */
  step: number;
  /** corrector sub-step (0 otherwise) */
  sub: number;
}

/** Writes count standard normals for `req` into out[offset ..]. `ranges`, when a source has it,
 *  writes only some of them: draw i, for i in each [start, end) pair of `ranges`, into
 *  out[offset + i], the same value the whole draw gives it (the loop then draws a step's noise
 *  only where the mask edits); a source without it is asked for every draw. */
export type NoiseSource = ((req: NoiseRequest, out: Float32Array, offset: number, count: number) => void) & {
  ranges?: (req: NoiseRequest, out: Float32Array, offset: number, ranges: Int32Array) => void;
};

const KIND_ID = { init: 1, step: 2, corrector: 3, sde: 4 } as const;

/** The stream id of a draw (documented so that other tools can reproduce a run's noise). */
export function noiseStream(req: Omit<NoiseRequest, 'item'>): number {
  return streamId(KIND_ID[req.kind], req.repeat, req.step, req.sub);
}

/** The engine's noise: item b draws from seed + b. */
export function seededNoise(seed: number): NoiseSource {
  return Object.assign(
    (req: NoiseRequest, out: Float32Array, offset: number, count: number) => {
      gaussian(seed + req.item, noiseStream(req), out, offset, count);
    },
    {
      ranges(req: NoiseRequest, out: Float32Array, offset: number, ranges: Int32Array) {
        gaussianRanges(seed + req.item, noiseStream(req), out, offset, ranges);
      },
    },
  );
}

export function abortError(): Error {
  const e = new Error('SDEdit aborted');
  e.name = 'AbortError';
  return e;
}

function positiveInteger(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`sdedit: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** Sizes of one run, after the checks every sampler shares. */
export interface RunShape {
  channels: number;
  height: number;
  width: number;
  /** height·width */
  pixels: number;
  /** values per batch item: channels·pixels */
  itemSize: number;
  /** variations run as one batch */
  batch: number;
  /** K in the paper */
  repeats: number;
  /** H·W, 1 = edit; null = edit everything */
  mask: Float32Array | null;
}

/** The options the loop itself reads (every sampler's options include them). */
export type LoopOptions = Pick<SDEditOptions, 'batch' | 'repeats' | 'mask' | 'onStep' | 'signal'>;

/** The input checks every SDEdit loop shares (core's samplers and the GPU-resident loop in
 *  src/ui/runtime): shape, guide length, batch, repeats, mask. */
export function checkRun(guide: Float32Array, shape: [number, number, number], opts: LoopOptions): RunShape {
  const [channels, height, width] = shape;
  positiveInteger(channels, 'channels');
  positiveInteger(height, 'height');
  positiveInteger(width, 'width');
  const pixels = height * width;
  const itemSize = channels * pixels;
  if (guide.length !== itemSize) throw new Error(`sdedit: guide has ${guide.length} values, shape ${channels}×${height}×${width} needs ${itemSize}`);
  const batch = positiveInteger(opts.batch ?? 1, 'batch');
  const repeats = positiveInteger(opts.repeats ?? 1, 'repeats');
  const mask = opts.mask ?? null;
  if (mask && mask.length !== pixels) throw new Error(`sdedit: mask has ${mask.length} values, the image has ${height}×${width} = ${pixels} pixels`);
  return { channels, height, width, pixels, itemSize, batch, repeats, mask };
}

/** The seed must be a safe integer (item b of a batch uses seed + b). */
export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new Error(`sdedit: seed must be a safe integer, got ${seed}`);
}

/** A VP schedule needs a denoiser that predicts ε, a VE schedule one that predicts the score. */
export function checkDenoiser(denoiser: Denoiser, schedule: Schedule): void {
  const vp = schedule.type === 'vp';
  const want = vp ? 'eps' : 'score';
  if (denoiser.kind !== want) {
    throw new Error(`sdedit: a ${vp ? 'VP' : 'VE'} schedule needs a denoiser that predicts '${want}', this one predicts '${denoiser.kind}'`);
  }
}

// ---- the loop ----------------------------------------------------------------------------------

/** What a sampler's step sees of the run. */
export interface LoopState {
  readonly batch: number;
  readonly channels: number;
  /** values per batch item */
  readonly itemSize: number;
  /** batch·itemSize */
  readonly total: number;
  /** the current sample, N×C×H×W, updated in place by the step */
  readonly x: Float32Array;
  /** x̂0 preview buffer (clipped to [−1, 1]) the step fills; null when nobody listens. The loop
   *  then sets its kept pixels to the guide (what the result will have there), so a step may
   *  leave them as they are. */
  readonly x0: Float32Array | null;
  /** With a mask: [start, end) pairs of the indices of x (all items, all planes) at the pixels the
   *  mask edits (m > 0). An update that is value by value may run over these alone: the kept
   *  pixels are replaced after the step anyway. null without a mask (everything is edited). */
  readonly edited: Int32Array | null;
  /** A zeroed array of n values for the stepper's own buffers, in the run's WebAssembly arena
   *  (wasm/instance.ts), where the kernels use it in place; STEPPER_ARRAYS of `total` values fit. */
  alloc(n: number): Float32Array;
  /** One network call on x at time t (checks abort first and the output's length after).
   *  `whilePending` runs once the call has started and before it is awaited: the step's work
   *  that does not need the output (its noise draw), done while the network runs off this
   *  thread (a worker, WebGPU); the loop adds its own (the kept pixels at the level the step
   *  ends at). It must not write x, which the network may still be reading. */
  predict(t: number, whilePending?: () => void): Promise<Float32Array>;
  /** standard normals of `kind` for every item into out (N×P) */
  draw(repeat: number, kind: NoiseRequest['kind'], step: number, sub: number, out: Float32Array): void;
  /** `draw`, but only at the pixels the mask edits (m > 0; all of them without a mask): the
   *  values at kept pixels are left as they are. For a step's noise that the update adds to x
   *  value by value: replaceKept then overwrites the kept pixels, so the run's bytes are the
   *  same as with every draw made (a kept pixel's draw is never read). */
  drawEdited(repeat: number, kind: NoiseRequest['kind'], step: number, sub: number, out: Float32Array): void;
  /** kept pixels ← the guide at plan level j (a no-op without a mask); at the level the step
   *  ends at, from values made while its network call was pending */
  replaceKept(j: number): void;
}

/** How kept pixels sit at each level of a repeat: keptSignal[j]·x_g + keptNoise[j]·z, z the
 *  repeat's initial draw. */
export interface KeptLevels {
  keptSignal: Float64Array;
  keptNoise: Float64Array;
}

/** The grid of one repeat and the multipliers that put the guide at each of its levels (after
 *  step j−1; j = 0 is the start). keptNoise[steps] = 0 (clean), so kept pixels end equal to the
 *  guide. */
export interface LoopPlan extends KeptLevels {
  /** ts[0] = t_start > … > ts[steps] = 0 */
  ts: Float64Array;
  steps: number;
}

/** A sampler's update: `step(r, j)` calls state.predict (once, or more for a corrector), drawing
 *  the step's noise while the call is pending, updates state.x from ts[j] to ts[j+1] and fills
 *  state.x0 when it is not null — or leaves that to `x0()`, which the loop calls only when a
 *  listener reads the step's x̂0 (a sampler whose update does not make x̂0 in place then skips a
 *  copy on every step nobody previews). The loop then re-noises the kept pixels to level j+1 and
 *  reports progress. `repeat(r)` runs before each repeat. */
export interface Stepper {
  repeat?(r: number): void;
  step(r: number, j: number): Promise<void> | void;
  x0?(): void;
}

/** What an x̂0 preview shows under a mask: x0 ← m·x0 + (1−m)·clip(guide) in every item of x0 (the
 *  result keeps the guide at kept pixels, so the preview shows it there too, and blends as the
 *  result will). `guide` is one item (C×H×W, the guide the run started from), `kept` the mask's
 *  keptPixels. The
 *  CPU loop and the GPU-resident loop (src/ui/runtime) both use it. */
export function previewOverGuide(guide: Float32Array, kept: KeptPixels): (x0: Float32Array) => void {
  const g = new Float32Array(guide.length);
  copyClipped(g, guide);
  return (x0) => {
    for (let base = 0; base < x0.length; base += g.length) blendKept(x0.subarray(base, base + g.length), g, g, kept, 1, 0);
  };
}

/** The draw numbers within one item (`channels` planes) that a step's noise needs under a mask
 *  (`kept`, its keptPixels): the edited pixels' ranges, or null when the mask keeps no pixel
 *  (then every draw is needed). The CPU loop and the GPU-resident loop. */
export function editedDraws(kept: KeptPixels, channels: number): Int32Array | null {
  return kept.runs.length > 0 ? editedRanges(kept, channels) : null;
}

/** Ranges within one item, repeated for each of `batch` items of `itemSize` values. */
function everyItem(ranges: Int32Array, batch: number, itemSize: number): Int32Array {
  const out = new Int32Array(batch * ranges.length);
  for (let b = 0; b < batch; b++) for (let i = 0; i < ranges.length; i++) out[b * ranges.length + i] = b * itemSize + ranges[i];
  return out;
}

/** f(lo, hi) for each [lo, hi) pair of `ranges`, or once for [0, n) when ranges is null. */
export function eachRange(ranges: Int32Array | null, n: number, f: (lo: number, hi: number) => void): void {
  if (!ranges) return f(0, n);
  for (let i = 0; i < ranges.length; i += 2) f(ranges[i], ranges[i + 1]);
}

/** Kept-pixel multipliers for VP levels ᾱ: √ᾱ and √(1−ᾱ). */
export function vpKeptLevels(level: Float64Array): KeptLevels {
  const keptSignal = new Float64Array(level.length);
  const keptNoise = new Float64Array(level.length);
  for (let j = 0; j < level.length; j++) {
    keptSignal[j] = Math.sqrt(level[j]);
    keptNoise[j] = Math.sqrt(Math.max(0, 1 - level[j]));
  }
  return { keptSignal, keptNoise };
}

/** How many arrays of the run's size a stepper may take with `alloc` before they come from the
 *  JavaScript heap (the multistep solvers take three: x̂0 now and before, the step's draw). */
const STEPPER_ARRAYS = 4;
/** The loop's own arrays of the run's size: the sample, the guide, the repeat's draw, the kept
 *  pixels' next level, the x̂0 preview. (The network's output stays where the network put it:
 *  the kernels copy in only the window they read.) */
const LOOP_ARRAYS = 5;

/**
 * Run SDEdit with a sampler's stepper: run.batch items of the guide, run.repeats repeats, each
 * noised to plan level 0 with its 'init' draw, then plan.steps steps. Returns the N×C×H×W
 * result. `makeStepper` is called once with the run's state.
 */
export async function runLoop(
  denoiser: Denoiser,
  guide: Float32Array,
  run: RunShape,
  plan: LoopPlan,
  opts: LoopOptions,
  noise: NoiseSource,
  makeStepper: (s: LoopState) => Stepper,
): Promise<Float32Array> {
  const { channels, height, width, itemSize, batch, repeats, mask } = run;
  const steps = plan.steps;
  const { ts, keptSignal, keptNoise } = plan;
  const { signal, onStep } = opts;
  const total = batch * itemSize;
  const nshape: Shape4 = [batch, channels, height, width];
  if (steps === 0) {
    const out = new Float32Array(total);
    for (let b = 0; b < batch; b++) out.set(guide, b * itemSize);
    return out;
  }
  // the run's arrays live in its own WebAssembly memory, where the kernels update them in place
  const arena = new Arena((LOOP_ARRAYS + STEPPER_ARRAYS) * total);
  const g = arena.floats(total); // guide per item (it diverges across items after a repeat)
  for (let b = 0; b < batch; b++) g.set(guide, b * itemSize);
  const x = arena.floats(total);
  const z0 = arena.floats(total); // the repeat's initial noise, reused for kept pixels
  const tArr = new Float32Array(batch);
  const kept = mask ? keptPixels(mask) : null;
  // The kept pixels' values at the level the step in progress ends at depend only on the guide
  // and the repeat's draw: they are made while the step's network call is pending.
  const keptAhead = kept && kept.runs.length > 0 ? arena.floats(total) : null;
  // the edited pixels' indices within an item (the draw numbers a step's noise needs), and within x
  const editedInItem = kept ? editedDraws(kept, channels) : null;
  const editedInX = editedInItem ? everyItem(editedInItem, batch, itemSize) : null;
  const overGuide = kept && onStep ? previewOverGuide(guide, kept) : null;
  let aheadLevel = -1; // the plan level keptAhead holds (−1: none)
  let stepEnd = 0; // the plan level the step in progress ends at
  const prepareKept = (): void => {
    if (!kept || !keptAhead || aheadLevel === stepEnd) return;
    noisedKeptRuns(keptAhead, g, z0, kept, keptSignal[stepEnd], keptNoise[stepEnd]);
    aheadLevel = stepEnd;
  };
  const networkCall = async (t: number): Promise<Float32Array> => {
    if (signal?.aborted) throw abortError();
    tArr.fill(t);
    const out = await denoiser.predict(x, nshape, tArr);
    if (!out || out.length !== total) {
      throw new Error(`sdedit: the denoiser returned ${out ? out.length : 'nothing'} values, expected ${total} (${batch}×${channels}×${height}×${width})`);
    }
    return out;
  };
  const state: LoopState = {
    batch,
    channels,
    itemSize,
    total,
    x,
    x0: onStep ? arena.floats(total) : null,
    edited: editedInX,
    alloc: (n: number) => arena.floats(n),
    predict(t: number, whilePending?: () => void): Promise<Float32Array> {
      const pending = networkCall(t);
      try {
        whilePending?.();
        prepareKept();
      } catch (e) {
        pending.catch(() => undefined); // the preparation's error is the one reported
        return Promise.reject(e);
      }
      return pending;
    },
    draw(repeat, kind, step, sub, out) {
      for (let b = 0; b < batch; b++) noise({ item: b, repeat, kind, step, sub }, out, b * itemSize, itemSize);
    },
    drawEdited(repeat, kind, step, sub, out) {
      const ranged = noise.ranges;
      if (!editedInItem || !ranged) return state.draw(repeat, kind, step, sub, out);
      for (let b = 0; b < batch; b++) ranged({ item: b, repeat, kind, step, sub }, out, b * itemSize, editedInItem);
    },
    replaceKept(j: number): void {
      if (!kept) return;
      if (keptAhead && aheadLevel === j) blendKeptFrom(x, keptAhead, g, z0, kept, keptSignal[j], keptNoise[j]);
      else blendKept(x, g, z0, kept, keptSignal[j], keptNoise[j]);
    },
  };
  const stepper = makeStepper(state);
  let done = 0;
  const totalSteps = repeats * steps;
  for (let r = 0; r < repeats; r++) {
    state.draw(r, 'init', 0, 0, z0);
    aheadLevel = -1; // a new guide and draw
    noiseTo(x, g, z0, keptSignal[0], keptNoise[0]);
    stepper.repeat?.(r);
    for (let j = 0; j < steps; j++) {
      stepEnd = j + 1;
      await stepper.step(r, j);
      state.replaceKept(j + 1);
      done++;
      if (onStep) {
        const x0 = state.x0 as Float32Array;
        let x0Ready = false;
        const info: StepInfo = {
          step: done,
          total: totalSteps,
          repeat: r,
          t: ts[j + 1],
          x,
          get x0() {
            if (!x0Ready) {
              stepper.x0?.();
              overGuide?.(x0);
              x0Ready = true;
            }
            return x0;
          },
        };
        await onStep(info);
      }
    }
    // the result becomes the next repeat's guide (kept pixels already equal the old guide)
    if (r < repeats - 1) g.set(x);
  }
  return x.slice(); // out of the arena: the caller may keep or transfer it
}
