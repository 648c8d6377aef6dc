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
// only (IEEE 754 operations; relative error < 1e-14), so a draw's bytes do not depend on how an
// engine rounds Math.exp or Math.log in the last bit.

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

// ---- ln and exp with IEEE operations only ----------------------------------------------------

const LN2 = 0.6931471805599453;
/** 2^−k for k = 0 … 64 */
const POW2_NEG = Float64Array.from({ length: 65 }, (_, k) => 2 ** -k);
/** 1/n! for n = 0 … 14, each an IEEE division of the one before */
const INV_FACT = new Float64Array(15);
for (let n = 0, v = 1; n < 15; n++) {
  if (n) v /= n;
  INV_FACT[n] = v;
}

/** ln x for finite x > 0: x = 2^e·m with m ∈ [0.75, 1.5) by exact halvings and doublings, then
 *  ln m = 2·atanh(s), s = (m − 1)/(m + 1) ∈ [−0.143, 0.2), by its odd series to s²⁵. */
export function lnIeee(x: number): number {
  if (!(x > 0) || x === Infinity) throw new Error(`rng: ln of ${x}`);
  let e = 0;
  let m = x;
  while (m >= 1.5) {
    m *= 0.5;
    e++;
  }
  while (m < 0.75) {
    m *= 2;
    e--;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let sum = 0;
  for (let k = 25; k >= 1; k -= 2) sum = sum * s2 + 1 / k;
  return e * LN2 + 2 * s * sum;
}

/** e^−y for y ≥ 0: y = k·ln 2 − g with |g| ≤ ln 2 / 2, e^g by its Taylor series to g¹⁴; 0 past 2⁻⁶⁴. */
export function expNegIeee(y: number): number {
  const k = M.floor(y / LN2 + 0.5);
  if (k > 64) return 0;
  const g = k * LN2 - y;
  let sum = INV_FACT[14];
  for (let n = 13; n >= 0; n--) sum = sum * g + INV_FACT[n];
  return sum * POW2_NEG[k];
}

// ---- the ziggurat's tables -------------------------------------------------------------------
//
// 256 layers of equal area V under f(x) = e^(−x²/2), x ≥ 0: layer 0 is the base strip [0, R]
// under f plus the tail beyond R; layer i ≥ 1 spans the heights f(x_i) … f(x_{i−1}), with
// x_255 = R and x_0 = 0 (the top). A point j of layer i (24-bit signed: |j| < 2²³) is
// x = j·W[i]; it is under f for sure when |j| < K[i] (x within the width of the layer above),
// else it is in the layer's wedge (or, for layer 0, the tail). R and V are the 256-layer values
// of Marsaglia & Tsang.

const LAYERS = 256;
const ZIG_R = 3.6541528853610088;
const ZIG_V = 0.00492867323399;
const POINT = 8388608; // 2²³
/** |j| < K[i]: accepted at once */
const ZIG_K = new Int32Array(LAYERS);
/** x = j·W[i] */
const ZIG_W = new Float64Array(LAYERS);
/** f(x_i), F[0] = 1: layer i ≥ 1 spans the heights F[i] … F[i − 1] */
const ZIG_F = new Float64Array(LAYERS);
{
  const f = (x: number): number => expNegIeee(0.5 * x * x);
  const q = ZIG_V / f(ZIG_R); // the base strip as a rectangle of area V
  ZIG_K[0] = M.floor((ZIG_R / q) * POINT);
  ZIG_W[0] = q / POINT;
  ZIG_F[0] = 1;
  ZIG_W[LAYERS - 1] = ZIG_R / POINT;
  ZIG_F[LAYERS - 1] = f(ZIG_R);
  let x = ZIG_R;
  for (let i = LAYERS - 2; i >= 1; i--) {
    const xi = M.sqrt(-2 * lnIeee(ZIG_V / x + f(x))); // the layer above x has area V
    ZIG_K[i + 1] = M.floor((xi / x) * POINT);
    x = xi;
    ZIG_W[i] = x / POINT;
    ZIG_F[i] = f(x);
  }
  ZIG_K[1] = 0; // the top layer has no rectangle under f: always the wedge test
}

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
// block). One loop makes the words and the fast-path normals; the few draws outside their
// rectangle are noted and settled after it.
const BLOCK = 1024;
/** the first word and the index in the block of each draw the fast path left */
const slowWord = new Int32Array(BLOCK);
const slowAt = new Int32Array(BLOCK);

/** Word k (k < 4) of block `block`'s xoshiro128** state: the keyed hash of the counter 4·block + k. */
function blockState(block: number, k: number, ka: number, kb: number): number {
  return word(4 * block + k, ka, kb) | 0;
}

/** The xoshiro128** state of the block being drawn (scratch, like slowWord: every caller seeds it first). */
const xs = new Int32Array(4);

/** xs ← block `block`'s starting state. */
function seedBlock(block: number, ka: number, kb: number): void {
  xs[0] = blockState(block, 0, ka, kb);
  xs[1] = blockState(block, 1, ka, kb);
  xs[2] = blockState(block, 2, ka, kb);
  xs[3] = blockState(block, 3, ka, kb);
  if ((xs[0] | xs[1] | xs[2] | xs[3]) === 0) xs[0] = 1; // xoshiro's state is never all zero
}

/** The next n words of xs as draws number index … index+n−1, into out[at …]; with out null, xs
 *  only steps past them (the words before a range that starts inside a block). */
function drawWords(out: Float32Array | null, at: number, n: number, index: number, kc: number, kd: number): void {
  let s0 = xs[0];
  let s1 = xs[1];
  let s2 = xs[2];
  let s3 = xs[3];
  let slow = 0;
  for (let i = 0; i < n; i++) {
    // xoshiro128**: the word is rotl(s1·5, 7)·9, then the state steps
    const m = M.imul(s1, 5);
    const w = M.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (out === null) continue; // the same every time: predicted, unlike a branch on the draw
    // the ziggurat's fast path; a draw outside its layer's rectangle is noted without a branch
    // (a branch here cost more than the rest of the loop)
    const j = w >> 8;
    const layer = w & 255;
    out[at + i] = j * ZIG_W[layer];
    const absJ = (j ^ (j >> 31)) - (j >> 31);
    slowWord[slow] = w;
    slowAt[slow] = i;
    slow += (ZIG_K[layer] - 1 - absJ) >>> 31;
  }
  xs[0] = s0;
  xs[1] = s1;
  xs[2] = s2;
  xs[3] = s3;
  if (out === null) return;
  for (let k = 0; k < slow; k++) {
    const i = slowAt[k];
    out[at + i] = slowNormal(slowWord[k], index + i, kc, kd);
  }
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
  for (let base = 0, block = 0; base < count; base += BLOCK, block++) {
    seedBlock(block, ka, kb);
    drawWords(out, offset + base, M.min(BLOCK, count - base), base, kc, kd);
  }
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
  const [kc, kd] = slowKeys(ka, kb);
  let block = -1; // the block whose state xs holds
  let pos = 0; // the draw number xs's next word belongs to
  let prevEnd = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const lo = ranges[r];
    const hi = ranges[r + 1];
    if (!(lo >= prevEnd && hi >= lo && offset >= 0 && offset + hi <= out.length)) {
      throw new Error(`rng: draw range [${lo}, ${hi}) at offset ${offset} is out of order or does not fit an array of ${out.length}`);
    }
    prevEnd = hi;
    for (let i = lo; i < hi; ) {
      const b = M.floor(i / BLOCK);
      if (b !== block) {
        seedBlock(b, ka, kb);
        block = b;
        pos = b * BLOCK;
      }
      drawWords(null, 0, i - pos, 0, kc, kd); // step past the block's words before i
      const n = M.min(hi, (b + 1) * BLOCK) - i;
      drawWords(out, offset + i, n, i, kc, kd);
      i += n;
      pos = i;
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
