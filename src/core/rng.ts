// Seeded, counter-based random numbers.
//
// Every value is a pure function of (seed, stream, index): there is no hidden state, so a draw
// can be reproduced alone, in any order, and item b of a batch run with seed s gets exactly the
// same numbers as item 0 of a run with seed s + b. The integer part (Math.imul, shifts) is exact
// everywhere; Box–Muller uses Math.log/cos/sin, which ECMAScript lets engines round differently
// in the last bit, so bytes are guaranteed equal on the same engine (the design's promise).
//
// The bits come from a keyed integer hash (three rounds of a 32-bit avalanche mixer over the
// counter, keyed by the seed and the stream); Gaussians come from Box–Muller on a pair of
// uniforms (words 2k and 2k+1), and the pair k feeds the indices 2k and 2k+1.

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

/**
 * Fill out[offset .. offset+count) with standard normal draws number 0 .. count−1 of
 * (seed, stream). `count` defaults to the rest of `out`.
 */
export function gaussian(seed: number, stream: number, out: Float32Array, offset = 0, count = out.length - offset): Float32Array {
  const [ka, kb] = streamKeys(seed, stream);
  const TWO_PI = 2 * M.PI;
  let j = 0;
  for (let k = 0; j < count; k++) {
    // uniforms in (0, 1): never 0, so log is finite (|z| ≤ 6.7)
    const u1 = (word(2 * k, ka, kb) + 0.5) * INV_2_32;
    const u2 = (word(2 * k + 1, ka, kb) + 0.5) * INV_2_32;
    const r = M.sqrt(-2 * M.log(u1));
    const th = TWO_PI * u2;
    out[offset + j++] = r * M.cos(th);
    if (j < count) out[offset + j++] = r * M.sin(th);
  }
  return out;
}

/** Fill out[offset .. offset+count) with uniforms in (0, 1), draws 0 .. count−1 of (seed, stream). */
export function uniform<T extends Float64Array | Float32Array>(seed: number, stream: number, out: T, offset = 0, count = out.length - offset): T {
  const [ka, kb] = streamKeys(seed, stream);
  for (let j = 0; j < count; j++) out[offset + j] = (word(j, ka, kb) + 0.5) * INV_2_32;
  return out;
}
