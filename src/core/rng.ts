// Seeded, counter-based random numbers.
//
// Every value is a pure function of (seed, stream, index): there is no hidden state, so a draw
// can be reproduced alone, in any order, and item b of a batch run with seed s gets exactly the
// same numbers as item 0 of a run with seed s + b.
//
// The bits come from a keyed integer hash (three rounds of a 32-bit avalanche mixer over the
// counter, keyed by the seed and the stream); Gaussians come from Box–Muller on a pair of
// uniforms (words 2k and 2k+1), and the pair k feeds the indices 2k and 2k+1:
//   z_2k = r·cos θ, z_2k+1 = r·sin θ,  r = √(−2 ln u1), θ = 2π·u2,  u = (word + ½)/2³².
// ln, cos and sin are evaluated here with polynomials (error < 1e-9, far below float32's
// rounding; test/core/schedule-rng.test.ts checks every output against Math.log/cos/sin within
// one float32 step) instead of Math.log/cos/sin: they were ≈ 80% of a draw's time, and the
// polynomials use only +, −, ×, ÷ and √ (IEEE 754 operations), so a draw's bytes no longer
// depend on how an engine rounds ln, cos and sin in the last bit.

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

// ---- Box–Muller's ln, cos and sin without Math.log/cos/sin ----------------------------------
//
// ln u1, u1 = (w1 + ½)/2³²: the leading-zero count and the next bit of w1 split u1 exactly into
// 2^x·m with m ∈ [0.75, 1.5); ln m = 2·atanh(s), s = (m − 1)/(m + 1) ∈ [−0.143, 0.2), by its odd
// series to s¹³ (truncation < 2e-10, and relative to s, so ln u1 stays accurate as u1 → 1).
// cos/sin θ, θ = 2π·(w2 + ½)/2³²: w2's top three bits are the octant; the other 29 give an
// angle φ ∈ (0, π/4) from the octant's nearer quadrant axis (exactly, in integers); Taylor
// series of sin to φ¹¹ and cos to φ¹² (truncation < 1e-11), then the octant's swap and signs
// (products with 0 and ±1 only, exact).

/** 2^−e for e = −1 … 32 (index e + 1) */
const POW2_NEG = Float64Array.from({ length: 34 }, (_, i) => 2 ** -(i - 1));
const LN2 = 0.6931471805599453;
// cos θ = OCT_CC·cos φ + OCT_CS·sin φ and sin θ = OCT_SC·cos φ + OCT_SS·sin φ, per octant: in an
// even octant θ = qπ/2 + φ, in an odd one θ = qπ/2 + π/2 − φ (q = octant >> 1)
const OCT_CC = Float64Array.of(1, 0, 0, -1, -1, 0, 0, 1);
const OCT_CS = Float64Array.of(0, 1, -1, 0, 0, -1, 1, 0);
const OCT_SC = Float64Array.of(0, 1, 1, 0, 0, -1, -1, 0);
const OCT_SS = Float64Array.of(1, 0, 0, 1, -1, 0, 0, -1);
/** the angle bits of an odd octant count down from its far end */
const OCT_FLIP = Int32Array.of(0, 0x1fffffff, 0, 0x1fffffff, 0, 0x1fffffff, 0, 0x1fffffff);
/** φ = (angle bits + ½)·(π/2)/2³⁰ = bits·PHI_SCALE + PHI_HALF */
const PHI_SCALE = M.PI / 2 / 1073741824;
const PHI_HALF = 0.5 * PHI_SCALE;
// Taylor coefficients: (−1)^k / (2k+1)! and (−1)^k / (2k)!
const S3 = -1 / 6, S5 = 1 / 120, S7 = -1 / 5040, S9 = 1 / 362880, S11 = -1 / 39916800;
const C2 = -1 / 2, C4 = 1 / 24, C6 = -1 / 720, C8 = 1 / 40320, C10 = -1 / 3628800, C12 = 1 / 479001600;

/**
 * The Box–Muller pair of two words: out[at] = r·cos θ, out[at + 1] = r·sin θ with
 * r = √(−2 ln u1), θ = 2π·u2, u = (word + ½)/2³² (never 0, so r is finite: ≤ 6.7).
 */
export function normalPair(w1: number, w2: number, out: Float32Array, at: number): void {
  // u1 = 2^(e + hi − 32)·m: 2^e ≤ w1 < 2^(e+1), hi = the bit below w1's top bit (m < 1 when set)
  const e = 31 - M.clz32(w1); // −1 for w1 = 0, then hi = 0 and m = 1
  const hi = (w1 >>> (e - 1)) & 1; // shift counts are mod 32: 0 for w1 ≤ 1
  const m = (w1 + 0.5) * POW2_NEG[e + 1 + hi];
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  const s4 = s2 * s2;
  const atanh = s * (1 + s2 * (1 / 3) + s4 * (1 / 5 + s2 * (1 / 7) + s4 * (1 / 9 + s2 * (1 / 11) + s4 * (1 / 13))));
  const r = M.sqrt(-2 * ((e + hi - 32) * LN2 + 2 * atanh));
  const oct = w2 >>> 29;
  const phi = ((w2 & 0x1fffffff) ^ OCT_FLIP[oct]) * PHI_SCALE + PHI_HALF;
  const p2 = phi * phi;
  const p4 = p2 * p2;
  const sin = phi * (1 + p2 * S3 + p4 * (S5 + p2 * S7 + p4 * (S9 + p2 * S11)));
  const cos = 1 + p2 * C2 + p4 * (C4 + p2 * C6 + p4 * (C8 + p2 * C10 + p4 * C12));
  out[at] = r * (OCT_CC[oct] * cos + OCT_CS[oct] * sin);
  out[at + 1] = r * (OCT_SC[oct] * cos + OCT_SS[oct] * sin);
}

// Words are hashed a block at a time into a scratch array, then turned into normals: two small
// loops that the JIT inlines whole (one loop doing both is too big to inline, and its calls
// then box every word above 2³¹).
const BLOCK = 1024; // even: a block holds whole pairs
const blockWords = new Uint32Array(BLOCK);
/** the odd last draw's pair */
const lastPair = new Float32Array(2);

/**
 * Fill out[offset .. offset+count) with standard normal draws number 0 .. count−1 of
 * (seed, stream). `count` defaults to the rest of `out`. Draw i comes from word i: the pair
 * (2k, 2k+1) from words 2k and 2k+1 (normalPair).
 */
export function gaussian(seed: number, stream: number, out: Float32Array, offset = 0, count = out.length - offset): Float32Array {
  const [ka, kb] = streamKeys(seed, stream);
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 || offset + count > out.length) {
    throw new Error(`rng: ${count} draws at offset ${offset} do not fit an array of ${out.length}`);
  }
  for (let base = 0; base < count; base += BLOCK) {
    const n = M.min(BLOCK, count - base); // draws in this block
    const whole = n & ~1;
    for (let i = 0, nw = n + (n & 1); i < nw; i++) blockWords[i] = word(base + i, ka, kb);
    const at = offset + base;
    for (let i = 0; i < whole; i += 2) normalPair(blockWords[i], blockWords[i + 1], out, at + i);
    if (n & 1) {
      normalPair(blockWords[whole], blockWords[whole + 1], lastPair, 0);
      out[at + whole] = lastPair[0];
    }
  }
  return out;
}

/** Fill out[offset .. offset+count) with uniforms in (0, 1), draws 0 .. count−1 of (seed, stream). */
export function uniform<T extends Float64Array | Float32Array>(seed: number, stream: number, out: T, offset = 0, count = out.length - offset): T {
  const [ka, kb] = streamKeys(seed, stream);
  for (let j = 0; j < count; j++) out[offset + j] = (word(j, ka, kb) + 0.5) * INV_2_32;
  return out;
}
