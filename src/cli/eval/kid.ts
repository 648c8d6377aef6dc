// Kernel Inception Distance (Bińkowski et al., 2018) on any fixed feature space: the unbiased
// estimate of the squared MMD between two samples X (n×d) and Y (m×d) under the polynomial kernel
// k(x, y) = (xᵀy / d + 1)³:
//
//   MMD²_u = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j) − 2/(nm) Σ_{i,j} k(x_i, y_j)
//
// Unbiased: its expectation is 0 when X and Y come from the same distribution, so small samples
// can give slightly negative values.

function kernel(a: Float64Array, b: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[i] * b[i];
  const v = s / d + 1;
  return v * v * v;
}

/** Unbiased MMD² with the cubic polynomial kernel. Both samples need ≥ 2 vectors of one length. */
export function kid(X: readonly Float64Array[], Y: readonly Float64Array[]): number {
  const n = X.length;
  const m = Y.length;
  if (n < 2 || m < 2) throw new Error(`kid: each sample needs at least 2 vectors (got ${n} and ${m})`);
  const d = X[0].length;
  for (const v of [...X, ...Y]) if (v.length !== d) throw new Error('kid: all vectors must have the same dimension');
  let kxx = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) kxx += kernel(X[i], X[j], d);
  let kyy = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) kyy += kernel(Y[i], Y[j], d);
  let kxy = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) kxy += kernel(X[i], Y[j], d);
  return (2 * kxx) / (n * (n - 1)) + (2 * kyy) / (m * (m - 1)) - (2 * kxy) / (n * m);
}

