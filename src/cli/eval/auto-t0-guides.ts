// The guide kinds automatic t0 is evaluated on, all made from held-out real scenes:
// clean scenes, lightly edited scenes (a small painted change, no mask: a retouched photo), and
// stroke paintings at 32, 16, 8 and 4 cells per side (core's simulateStrokes; fewer cells =
// coarser strokes, further from a real image).
import { simulateStrokes, streamId, uniform } from '../../core';
import { strokeCoverage } from './guides';

const M = Math;

export type GuideKind = 'clean' | 'light-edit' | 'strokes-32' | 'strokes-16' | 'strokes-8' | 'strokes-4';

/** In the order auto t0 must rank them: the further from a real image, the later. */
export const GUIDE_KINDS: readonly GuideKind[] = ['clean', 'light-edit', 'strokes-32', 'strokes-16', 'strokes-8', 'strokes-4'];

/** Stroke cells per side of a stroke kind. */
export const strokeCells = (kind: GuideKind): number | null => (kind.startsWith('strokes-') ? Number(kind.slice('strokes-'.length)) : null);

/** Stroke painting of a 3×size×size scene at `cells`² cells: 3×3 median, 6 colours. */
export function strokesAt(scene: Float32Array, size: number, cells: number): Float32Array {
  return simulateStrokes(scene, 3, size, size, { downsample: size / cells, medianRadius: 1, colors: 6, seed: 0, iterations: 20 });
}

/**
 * A small painted change (about 3% of the image): two brush strokes, each a three-point polyline
 * of half-width 2.5% of the side, painted in a flat colour picked from another place of the same
 * scene, as a designer retouching with the eyedropper would. Positions come from `seed`.
 */
export function lightEdit(scene: Float32Array, size: number, seed: number): { guide: Float32Array; painted: Float32Array } {
  const u = uniform(seed, streamId(0x4c494748, 0x54454454), new Float64Array(16));
  const HW = size * size;
  const guide = scene.slice();
  const painted = new Float32Array(HW);
  for (let s = 0; s < 2; s++) {
    const o = 8 * s;
    const x0 = 0.15 + 0.5 * u[o];
    const y0 = 0.15 + 0.7 * u[o + 1];
    const ang = 2 * M.PI * u[o + 2];
    const len = 0.12;
    const pts: [number, number][] = [
      [x0, y0],
      [x0 + len * M.cos(ang), y0 + len * M.sin(ang)],
      [x0 + len * (M.cos(ang) + M.cos(ang + 0.8)), y0 + len * (M.sin(ang) + M.sin(ang + 0.8))],
    ];
    const cov = strokeCoverage(size, pts, 0.025);
    // the colour of a pixel elsewhere in the scene
    const px = M.min(size - 1, M.floor(u[o + 3] * size));
    const py = M.min(size - 1, M.floor(u[o + 4] * size));
    const rgb = [0, 1, 2].map((c) => scene[c * HW + py * size + px]);
    for (let p = 0; p < HW; p++) {
      const a = cov[p];
      if (a === 0) continue;
      for (let c = 0; c < 3; c++) guide[c * HW + p] = a * rgb[c] + (1 - a) * guide[c * HW + p];
      painted[p] = M.max(painted[p], a);
    }
  }
  return { guide, painted };
}

/** The guide of one kind made from one scene (3×size×size in [−1, 1]). */
export function makeGuide(kind: GuideKind, scene: Float32Array, size: number, seed: number): Float32Array {
  const cells = strokeCells(kind);
  if (cells !== null) return strokesAt(scene, size, cells);
  if (kind === 'light-edit') return lightEdit(scene, size, seed).guide;
  return scene.slice();
}
