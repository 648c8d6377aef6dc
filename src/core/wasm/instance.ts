// Instances of the kernels' WebAssembly module (kernels.wat) and where a call's arrays are for it.
//
// Two kinds of instance, both with the ziggurat's tables written at bytes 0 … 3071:
// - the realm's scratch instance (one per page, worker or Node process, made on first use): a
//   call on ordinary arrays copies them window by window into its memory, runs, and copies the
//   results back (≈ 0.1 ns per value and copy). Nothing is kept there from one call to the next.
// - an Arena: one SDEdit run's own instance, whose memory holds that run's arrays (the sample, the
//   guide, the draws, the network's output, the solver's buffers) for the whole run, so its
//   steps run on them in place with no copies. Its memory is sized when it is made and never
//   grows (growing would detach the views the run holds); arrays past its budget come from the
//   JavaScript heap and take the copying path.
// The module is small (< 4 KB), so it compiles synchronously on any thread.
import { KERNELS_WASM_BASE64 } from './kernels-module';
import { LAYERS, ZIG_K, ZIG_W } from '../ziggurat';

/** kernels.wat's exports (pointers are byte offsets into `memory`, counts are numbers of values). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  normals(ka: number, kb: number, out: number, first: number, count: number, slow: number): number;
  normalRanges(ka: number, kb: number, out: number, first: number, ranges: number, pairs: number, slow: number): number;
  noiseTo(x: number, g: number, z: number, n: number, signal: number, noise: number): void;
  noisedRanges(dst: number, g: number, z: number, first: number, ranges: number, pairs: number, signal: number, noise: number, withNoise: number): void;
  multistepRanges(x: number, eps: number, d0: number, d1: number, z: number, first: number, ranges: number, pairs: number, a: number, b0: number, b1: number, s: number, sigma: number, inv: number, withPrev: number, withNoise: number): void;
  copyRanges(dst: number, src: number, first: number, ranges: number, pairs: number): void;
  clip(dst: number, src: number, n: number): void;
  firstNonFinite(p: number, n: number): number;
}

/** Values per window: a call copies at most this many values of each array at a time (a multiple
 *  of rng.ts's 1024-draw blocks), so the scratch instance stays a few MB whatever the image size. */
export const WINDOW = 65536;
/** Every instance's memory: the ziggurat's W table (f64 × 256) and K table (i32 × 256), then
 *  room for one window's [lo, hi) pairs (a window holds at most WINDOW non-empty ranges), for its
 *  slow draws noted as (word, draw number), and the slots that arrays are copied into, one window
 *  each; an arena's own arrays follow its ARENA_SLOTS slots. */
const ZIG_W_AT = 0;
const ZIG_K_AT = 2048;
const PAIRS_AT = 4096;
const NOTES_AT = PAIRS_AT + 4 * (2 * WINDOW + 2);
const SLOTS_AT = NOTES_AT + 4 * (2 * WINDOW);
const SLOT_BYTES = 4 * WINDOW;
/** Slots an arena keeps for the arrays of a call that are not its own (the network's output). */
const ARENA_SLOTS = 2;
const PAGE = 65536;

let compiled: WebAssembly.Module | null = null;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Grows `exports`' memory to at least `bytes` (detaching the views of its old buffer). */
function reserve(exports: KernelExports, bytes: number): void {
  const have = exports.memory.buffer.byteLength;
  if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / PAGE));
}

/** A new instance with `bytes` of memory (at least), the ziggurat's tables written. */
function newInstance(bytes: number): KernelExports {
  compiled ??= new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
  const exports = new WebAssembly.Instance(compiled, {}).exports as unknown as KernelExports;
  reserve(exports, bytes);
  new Float64Array(exports.memory.buffer, ZIG_W_AT, LAYERS).set(ZIG_W);
  new Int32Array(exports.memory.buffer, ZIG_K_AT, LAYERS).set(ZIG_K);
  return exports;
}

// ---- arenas ------------------------------------------------------------------------------------

const arenas = new WeakMap<ArrayBufferLike, Arena>();

/** One run's instance: the run's arrays, after the areas every instance has. */
export class Arena {
  readonly exports: KernelExports;
  private next: number;
  private readonly end: number;

  /** An arena with room for `values` 4-byte values of arrays (each rounded up to 16 bytes). When
   *  the engine cannot give that much WebAssembly memory in one piece, it has room for none: its
   *  arrays come from the heap, and the run goes on through copies. */
  constructor(values: number) {
    const start = SLOTS_AT + ARENA_SLOTS * SLOT_BYTES;
    const end = start + 4 * values + 16 * 64;
    let exports: KernelExports;
    try {
      exports = newInstance(end);
      this.end = end;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      exports = newInstance(start);
      this.end = start;
    }
    this.exports = exports;
    this.next = start;
    arenas.set(exports.memory.buffer, this);
  }

  private take(values: number): number | null {
    const bytes = Math.ceil(values / 4) * 16;
    if (this.next + bytes > this.end) return null;
    const at = this.next;
    this.next += bytes;
    return at;
  }

  /** n zeros in this arena (in the JavaScript heap once its budget is spent: correct, with copies). */
  floats(n: number): Float32Array {
    const at = this.take(n);
    return at === null ? new Float32Array(n) : new Float32Array(this.exports.memory.buffer, at, n);
  }
}

/** The arena that all but at most ARENA_SLOTS of `arrays` (nulls skipped) are views of, if there
 *  is one (the others are then copied into its slots). */
function commonArena(arrays: readonly (ArrayBufferView | null)[]): Arena | null {
  let arena: Arena | null = null;
  let others = 0;
  for (const a of arrays) {
    if (!a) continue;
    const own = arenas.get(a.buffer);
    if (!own) others++;
    else if (arena && own !== arena) return null;
    else arena = own;
  }
  return others <= ARENA_SLOTS ? arena : null;
}

// ---- the realm's scratch instance ------------------------------------------------------------

let scratchExports: KernelExports | null = null;

function scratchInstance(): KernelExports {
  scratchExports ??= newInstance(SLOTS_AT);
  return scratchExports;
}

// ---- placing a call's arrays -----------------------------------------------------------------

/** Where one window's arrays are for the module. */
export interface Placement {
  readonly exports: KernelExports;
  /** byte pointer of value `lo` of each array (0 for a null one) */
  readonly at: number[];
  /** byte pointer of the window's pairs, as given to `place` */
  readonly pairs: number;
  /** byte pointer of room for a window's slow-draw notes */
  readonly notes: number;
  /** the instance's memory as i32 (for reading notes) */
  i32(): Int32Array;
  /** copies array i's [lo, hi) back from the instance (a no-op when it is the array's own memory) */
  back(i: number): void;
}

/**
 * Puts value lo … hi−1 (at most WINDOW values) of each of `arrays` where the module can read and
 * write them: in place when they live in one arena (up to ARENA_SLOTS others, such as the
 * network's output, are copied into its slots), else all copied into the scratch instance's
 * slots (`skipIn[i]`: array i is only written, its values need not be copied in). The window's
 * `count` clipped pairs are written to the placement's pairs area.
 */
export function place(arrays: readonly (Float32Array | null)[], lo: number, hi: number, pairs: Int32Array, count: number, skipIn: readonly boolean[] = []): Placement {
  const arena = commonArena(arrays);
  const exports = arena ? arena.exports : scratchInstance();
  const own = (a: Float32Array): boolean => arena !== null && arenas.get(a.buffer) === arena;
  let slot = SLOTS_AT;
  const at = arrays.map((a) => {
    if (!a) return 0;
    if (own(a)) return a.byteOffset + 4 * lo;
    slot += SLOT_BYTES;
    return slot - SLOT_BYTES;
  });
  if (!arena) reserve(exports, slot); // an arena's memory never grows: its slots are reserved
  const f32 = new Float32Array(exports.memory.buffer);
  const i32 = new Int32Array(exports.memory.buffer);
  arrays.forEach((a, i) => {
    if (a && !own(a) && !skipIn[i]) f32.set(a.subarray(lo, hi), at[i] >> 2);
  });
  i32.set(pairs.subarray(0, 2 * count), PAIRS_AT >> 2);
  return {
    exports,
    at,
    pairs: PAIRS_AT,
    notes: NOTES_AT,
    i32: () => i32,
    back(i: number) {
      const a = arrays[i];
      if (a && !own(a)) a.set(f32.subarray(at[i] >> 2, (at[i] >> 2) + (hi - lo)), lo);
    },
  };
}

/**
 * The windows [w0, w1) of [0, n) (WINDOW values each, the last shorter) that hold values of the
 * ascending, non-overlapping [lo, hi) pairs of `ranges` (null: all of [0, n)), each with those
 * pairs clipped to it: f(pairs, count, lo, hi) with the clipped pairs in pairs[0 .. 2·count) and
 * [lo, hi) their span (what a call copies). Windows without a value of a range are skipped.
 */
export function rangeWindows(ranges: Int32Array | null, n: number, f: (pairs: Int32Array, count: number, lo: number, hi: number) => void): void {
  const list = ranges ?? Int32Array.of(0, n);
  const pairs = new Int32Array(Math.min(list.length, 2 * WINDOW + 2));
  let r = 0;
  for (let w0 = 0; w0 < n && r < list.length; w0 += WINDOW) {
    const w1 = Math.min(n, w0 + WINDOW);
    let count = 0;
    while (r < list.length && list[r + 1] <= w0) r += 2; // ranges that end before the window
    for (let q = r; q < list.length && list[q] < w1; q += 2) {
      const lo = Math.max(list[q], w0);
      const hi = Math.min(list[q + 1], w1);
      if (hi > lo) {
        pairs[2 * count] = lo;
        pairs[2 * count + 1] = hi;
        count++;
      }
    }
    if (count > 0) f(pairs, count, pairs[0], pairs[2 * count - 1]);
  }
}
