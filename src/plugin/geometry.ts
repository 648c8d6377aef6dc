// 2×3 affine transforms in Figma's layout ([[a, c, tx], [b, d, ty]]), pure.

export type Affine = [[number, number, number], [number, number, number]];

export const IDENTITY: Affine = [
  [1, 0, 0],
  [0, 1, 0],
];

/** a ∘ b: apply b first, then a. */
export function multiply(a: Affine, b: Affine): Affine {
  return [
    [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1], a[0][0] * b[0][2] + a[0][1] * b[1][2] + a[0][2]],
    [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1], a[1][0] * b[0][2] + a[1][1] * b[1][2] + a[1][2]],
  ];
}

/** Inverse transform, or null when it is singular. */
export function invert(m: Affine): Affine | null {
  const [[a, c, tx], [b, d, ty]] = m;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  const ia = d / det;
  const ic = -c / det;
  const ib = -b / det;
  const id = a / det;
  return [
    [ia, ic, -(ia * tx + ic * ty)],
    [ib, id, -(ib * tx + id * ty)],
  ];
}

/** Transform of `node` in the coordinates of `frame`, from both absolute transforms. */
export function relativeTo(frameAbsolute: Affine, nodeAbsolute: Affine): Affine | null {
  const inv = invert(frameAbsolute);
  return inv ? multiply(inv, nodeAbsolute) : null;
}
