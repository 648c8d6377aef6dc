// Seeded, counter-based random numbers.
//
// Every value is a pure function of (seed, stream, index): there is no hidden state, so a draw
// can be reproduced alone, in any order, and item b of a batch run with seed s gets exactly the
// same numbers as item 0 of a run with seed s + b.
//
// The bits come from a keyed integer hash (three rounds of a 32-bit avalanche mixer over the
// counter, keyed by the seed and the stream); uniforms are u = (word + ½)/2³².
//
// Gaussians: the ziggurat (Marsaglia & Tsang 2000, 256 layers) over the words of xoshiro128**
// (Blackman & Vigna), run in blocks of 1024 draws from a state the keyed hash gives each block.
// Draw i takes its block's word i, whose low 8 bits pick a layer and whose top 24 bits (signed)
// a point across it; 98.5% of draws end there with one multiply. The rest (a point in a layer's
// wedge, or beyond the base layer's edge R) are settled by `slowNormal` with words of a second
// keyed hash of (i, attempt). This replaced Box–Muller on pairs of hashed words, ≈ 2× slower
// (bench/rng.mjs): the default SDE sampler draws once per step, and those draws were most of the
// sampler's own work, several per cent of an edit with the faster model v2. Every seeded result
// changed with it. ln and exp (the tables, wedges and tail) are evaluated with +, −, ×, ÷ and √
// only (IEEE 754 operations; relative error < 1e-14; ziggurat.ts), so a draw's bytes do not
// depend on how an engine rounds Math.exp or Math.log in the last bit. The hash, the generator
// and the fast path run in WebAssembly (wasm/kernels.wat), the slow draws here; the bytes are
// those this file's JavaScript gave before (test/core/wasm-kernels.test.ts).

import { place, rangeWindows } from './wasm/instance';
import { expNegIeee, lnIeee, ZIG_F, ZIG_K, ZIG_R, ZIG_W } from './ziggurat';

// Local alias: a global lookup per call is slow inside vm contexts (jest), so hot loops
// reach Math through a module constant.
const M = Math;

/** 32-bit avalanche mixer (xorshift-multiply, constants from the "lowbias32" family). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = M.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = M.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Two 32-bit keys for (seed, stream); seed is any safe integer (negatives allowed). */
export function streamKeys(seed: number, stream: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new Error(`rng: seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = M.floor(seed / 4294967296) >>> 0;
  let k = mix32(lo ^ 0x9e3779b9);
  k = mix32(k ^ mix32((hi + 0x85ebca6b) >>> 0));
  const a = mix32(k ^ mix32(((stream >>> 0) ^ 0xc2b2ae35) >>> 0));
  const b = mix32((a + 0x68e31da4) >>> 0);
  return [a, b];
}

/** Combine small integers (e.g. repeat, step, sub-draw) into one 32-bit stream id. */
export function streamId(...parts: number[]): number {
  let h = 0x27d4eb2f;
  for (const p of parts) h = mix32(h ^ mix32(((p >>> 0) + 0x165667b1) >>> 0));
  return h;
}

const INV_2_32 = 1 / 4294967296;

/** Word number x of a keyed stream: three mixer rounds over the counter, keyed twice. */
function word(x: number, ka: number, kb: number): number {
  return mix32(mix32((mix32((x ^ ka) >>> 0) + kb) >>> 0) ^ ka);
}

export { expNegIeee, lnIeee } from './ziggurat';

/** Word a ≥ 1 of draw `index`'s second hash (its wedge and tail uniforms, fresh points). */
function extraWord(index: number, a: number, kc: number, kd: number): number {
  return mix32((mix32((index ^ kc) >>> 0) + M.imul(a, 0x9e3779b9)) ^ kd);
}

/**
 * Draw `index`, whose first word (signed) fell outside its layer's rectangle: the wedge test
 * (for layer 0 the tail beyond R) with uniforms from words 1, 2, … of the draw's second hash,
 * and a fresh point from the next word when the wedge rejects.
 */
function slowNormal(first: number, index: number, kc: number, kd: number): number {
  let w = first;
  let a = 0;
  for (;;) {
    const j = w >> 8;
    const i = w & 255;
    if ((j < 0 ? -j : j) < ZIG_K[i]) return j * ZIG_W[i];
    if (i === 0) {
      // beyond R: x = R + t, density ∝ e^(−R·t − t²/2), by Marsaglia's exponential rejection
      for (;;) {
        const t = -lnIeee((extraWord(index, ++a, kc, kd) + 0.5) * INV_2_32) / ZIG_R;
        const y = -lnIeee((extraWord(index, ++a, kc, kd) + 0.5) * INV_2_32);
        if (y + y >= t * t) return j < 0 ? -ZIG_R - t : ZIG_R + t;
      }
    }
    const x = j * ZIG_W[i];
    const u = (extraWord(index, ++a, kc, kd) + 0.5) * INV_2_32;
    if (ZIG_F[i] + u * (ZIG_F[i - 1] - ZIG_F[i]) < expNegIeee(0.5 * x * x)) return x;
    w = extraWord(index, ++a, kc, kd) | 0;
  }
}

// ---- the words: xoshiro128** in blocks of 1024 draws, each block seeded by the keyed hash ----
//
// The keyed hash costs more than the ziggurat itself, so it only seeds: block b (draws 1024·b …)
// runs xoshiro128** from the state (word 4b, …, word 4b+3) of (seed, stream), which keeps every
// draw a pure function of (seed, stream, i) (draw i needs at most the 1023 words before it in its
// block). The words and the fast-path normals are made in WebAssembly (wasm/kernels.wat: the same
// hash, generator and ziggurat step, ≈ 3× faster than this file's JavaScript of them was); the
// few draws outside their layer's rectangle come back as (word, draw number) and are settled here.

/** out[offset + i] ← slowNormal for each of the `count` (word, draw number i) pairs noted at
 *  byte `at` of `notes`' memory. */
function settleSlow(notes: Int32Array, at: number, count: number, out: Float32Array, offset: number, kc: number, kd: number): void {
  for (let s = 0, p = at >> 2; s < count; s++, p += 2) out[offset + notes[p + 1]] = slowNormal(notes[p], notes[p + 1], kc, kd);
}

/** The second hash's keys (wedge and tail uniforms) for a stream's keys. */
function slowKeys(ka: number, kb: number): [number, number] {
  return [mix32((ka ^ 0x5bd1e995) >>> 0), mix32((kb ^ 0x1b873593) >>> 0)];
}

/**
 * Fill out[offset .. offset+count) with standard normal draws number 0 .. count−1 of
 * (seed, stream). `count` defaults to the rest of `out`. Draw i is the ziggurat of word i (and,
 * for the 1.5% outside their layer's rectangle, of draw i's words of the second hash).
 */
export function gaussian(seed: number, stream: number, out: Float32Array, offset = 0, count = out.length - offset): Float32Array {
  const [ka, kb] = streamKeys(seed, stream);
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 || offset + count > out.length) {
    throw new Error(`rng: ${count} draws at offset ${offset} do not fit an array of ${out.length}`);
  }
  const [kc, kd] = slowKeys(ka, kb);
  const target = out.subarray(offset, offset + count);
  rangeWindows(null, count, (pairs, windowPairs, lo, hi) => {
    const p = place([target], lo, hi, pairs, windowPairs, [true]);
    const slow = p.exports.normals(ka, kb, p.at[0], lo, hi - lo, p.notes);
    p.back(0);
    settleSlow(p.i32(), p.notes, slow, target, 0, kc, kd);
  });
  return out;
}

/**
 * Only some of the draws of (seed, stream): for each range [ranges[2k], ranges[2k+1]) of draw
 * numbers (ascending, not overlapping), draw i goes to out[offset + i]; the rest of `out` is left
 * as it is. Each value equals the one `gaussian` gives draw i (a range may start inside a block:
 * the block's words before it are stepped over, not drawn). The SDEdit loop uses it to draw a
 * step's noise only where the mask edits.
 */
export function gaussianRanges(seed: number, stream: number, out: Float32Array, offset: number, ranges: Int32Array): Float32Array {
  const [ka, kb] = streamKeys(seed, stream);
  if (ranges.length % 2 !== 0) throw new Error(`rng: ranges need [start, end) pairs, got ${ranges.length} numbers`);
  let prevEnd = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const lo = ranges[r];
    const hi = ranges[r + 1];
    if (!(lo >= prevEnd && hi >= lo && offset >= 0 && offset + hi <= out.length)) {
      throw new Error(`rng: draw range [${lo}, ${hi}) at offset ${offset} is out of order or does not fit an array of ${out.length}`);
    }
    prevEnd = hi;
  }
  const [kc, kd] = slowKeys(ka, kb);
  const target = out.subarray(offset, offset + prevEnd);
  // the values between the ranges are copied in too, so that they stay as they are
  rangeWindows(ranges, prevEnd, (pairs, count, lo, hi) => {
    const p = place([target], lo, hi, pairs, count);
    const slow = p.exports.normalRanges(ka, kb, p.at[0], lo, p.pairs, count, p.notes);
    p.back(0);
    settleSlow(p.i32(), p.notes, slow, target, 0, kc, kd);
  });
  return out;
}

/** Fill out[offset .. offset+count) with uniforms in (0, 1), draws 0 .. count−1 of (seed, stream). */
export function uniform<T extends Float64Array | Float32Array>(seed: number, stream: number, out: T, offset = 0, count = out.length - offset): T {
  const [ka, kb] = streamKeys(seed, stream);
  for (let j = 0; j < count; j++) out[offset + j] = (word(j, ka, kb) + 0.5) * INV_2_32;
  return out;
}
