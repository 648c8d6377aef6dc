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
/** Byte offsets of the ziggurat's W table (f64 × 256) and K table (i32 × 256). */
const ZIG_W_AT = 0;
const ZIG_K_AT = 2048;
/** Where an instance's own areas start. */
const AREAS_AT = 4096;
const PAGE = 65536;
/** Room for one window's [lo, hi) pairs (a window holds at most WINDOW non-empty ranges). */
const PAIRS_INTS = 2 * WINDOW + 2;
/** Room for one window's slow draws, noted as (word, draw number). */
const NOTES_INTS = 2 * WINDOW;
/** Windows an arena keeps for the arrays of a call that are not its own (the network's output). */
const ARENA_SLOTS = 2;

let compiled: WebAssembly.Module | null = null;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A new instance with `bytes` of memory (at least), the ziggurat's tables written. */
function newInstance(bytes: number): KernelExports {
  compiled ??= new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
  const exports = new WebAssembly.Instance(compiled, {}).exports as unknown as KernelExports;
  const have = exports.memory.buffer.byteLength;
  if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / PAGE));
  new Float64Array(exports.memory.buffer, ZIG_W_AT, LAYERS).set(ZIG_W);
  new Int32Array(exports.memory.buffer, ZIG_K_AT, LAYERS).set(ZIG_K);
  return exports;
}

// ---- arenas ------------------------------------------------------------------------------------

const arenas = new WeakMap<ArrayBufferLike, Arena>();

/** One run's instance: arrays for the run, a window's pairs and slow-draw notes. */
export class Arena {
  readonly exports: KernelExports;
  /** byte offsets of this arena's pairs and notes areas */
  readonly pairsAt = AREAS_AT;
  readonly notesAt = AREAS_AT + 4 * PAIRS_INTS;
  /** byte offset of ARENA_SLOTS windows for arrays copied in */
  readonly slotsAt = this.notesAt + 4 * NOTES_INTS;
  private next: number;
  private readonly end: number;

  /** An arena with room for `values` 4-byte values of arrays (each rounded up to 16 bytes). When
   *  the engine cannot give that much WebAssembly memory in one piece, it has room for none: its
   *  arrays come from the heap, and the run goes on through copies. */
  constructor(values: number) {
    const start = this.slotsAt + 4 * WINDOW * ARENA_SLOTS;
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
  scratchExports ??= newInstance(AREAS_AT);
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
  /** byte pointer of room for NOTES_INTS / 2 slow-draw notes */
  readonly notes: number;
  /** the instance's memory as i32 (for reading notes) */
  i32(): Int32Array;
  /** copies array i's [lo, hi) back from the instance (a no-op when it is the array's own memory) */
  back(i: number): void;
}

/**
 * Puts value lo … hi−1 (at most WINDOW values) of each of `arrays` where the module can read and
 * write them: in place when they live in one arena (up to ARENA_SLOTS others, such as the
 * network's output, are copied into its slots), else all copied into the scratch instance
 * (`skipIn[i]`: array i is only written, its values need not be copied in). The window's
 * `count` clipped pairs are written to the placement's pairs area.
 */
export function place(arrays: readonly (Float32Array | null)[], lo: number, hi: number, pairs: Int32Array, count: number, skipIn: readonly boolean[] = []): Placement {
  const arena = commonArena(arrays);
  if (arena) {
    const exports = arena.exports;
    const f32 = new Float32Array(exports.memory.buffer);
    const i32 = new Int32Array(exports.memory.buffer);
    i32.set(pairs.subarray(0, 2 * count), arena.pairsAt >> 2);
    let slot = arena.slotsAt;
    const at = arrays.map((a, i) => {
      if (!a) return 0;
      if (arenas.get(a.buffer) === arena) return a.byteOffset + 4 * lo;
      const p = slot;
      slot += 4 * WINDOW;
      if (!skipIn[i]) f32.set(a.subarray(lo, hi), p >> 2);
      return p;
    });
    return {
      exports,
      at,
      pairs: arena.pairsAt,
      notes: arena.notesAt,
      i32: () => i32,
      back(i: number) {
        const a = arrays[i];
        if (a && arenas.get(a.buffer) !== arena) a.set(f32.subarray(at[i] >> 2, (at[i] >> 2) + (hi - lo)), lo);
      },
    };
  }
  const exports = scratchInstance();
  const n = hi - lo;
  const rounded = Math.ceil(n / 4) * 16;
  const pairsAt = AREAS_AT;
  const notesAt = pairsAt + 4 * PAIRS_INTS;
  let next = notesAt + 4 * NOTES_INTS;
  const at = arrays.map((a) => {
    if (!a) return 0;
    const p = next;
    next += rounded;
    return p;
  });
  const have = exports.memory.buffer.byteLength;
  if (next > have) exports.memory.grow(Math.ceil((next - have) / PAGE));
  const f32 = new Float32Array(exports.memory.buffer);
  const i32 = new Int32Array(exports.memory.buffer);
  arrays.forEach((a, i) => {
    if (a && !skipIn[i]) f32.set(a.subarray(lo, hi), at[i] >> 2);
  });
  i32.set(pairs.subarray(0, 2 * count), pairsAt >> 2);
  return {
    exports,
    at,
    pairs: pairsAt,
    notes: notesAt,
    i32: () => i32,
    back(i: number) {
      const a = arrays[i];
      if (a) a.set(f32.subarray(at[i] >> 2, (at[i] >> 2) + n), lo);
    },
  };
}

/**
 * The windows [w0, w1) of [0, n) (WINDOW values each, the last shorter) that hold values of the
 * ascending, non-overlapping [lo, hi) pairs of `ranges` (null: all of [0, n)), each with those
 * pairs clipped to it: f(pairs, count) with the clipped pairs in pairs[0 .. 2·count). Windows
 * without a value of a range are skipped.
 */
export function rangeWindows(ranges: Int32Array | null, n: number, f: (pairs: Int32Array, count: number) => void): void {
  const list = ranges ?? Int32Array.of(0, n);
  const pairs = new Int32Array(Math.min(list.length, PAIRS_INTS));
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
    if (count > 0) f(pairs, count);
  }
}
