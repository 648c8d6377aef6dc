// The ziggurat's tables for rng.ts's Gaussian draws, and the ln and exp they are built with
// (IEEE 754 operations only, so the tables' bytes do not depend on how an engine rounds
// Math.exp or Math.log). Their own module because both rng.ts and the WebAssembly kernels'
// instances (wasm/instance.ts, which writes W and K into each instance's memory) need them.

const M = Math;

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

export const LAYERS = 256;
export const ZIG_R = 3.6541528853610088;
const ZIG_V = 0.00492867323399;
const POINT = 8388608; // 2²³
/** |j| < K[i]: accepted at once */
export const ZIG_K = new Int32Array(LAYERS);
/** x = j·W[i] */
export const ZIG_W = new Float64Array(LAYERS);
/** f(x_i), F[0] = 1: layer i ≥ 1 spans the heights F[i] … F[i − 1] */
export const ZIG_F = new Float64Array(LAYERS);
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
