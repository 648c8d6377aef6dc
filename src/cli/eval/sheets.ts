// The evaluation's picture sheets (PNG): stroke guides against SDEdit across t0, and the masked
// editing and compositing examples.
import { Canvas } from './png';
import type { EvalReport } from './run';

/** The picture sheet: one row per guide scene: guide | results across t0 | real scene. */
export function pictureSheet(report: EvalReport, label: string, file: string): void {
  const byT0 = report.images.get(label);
  if (!byT0) throw new Error(`eval: no results for ${label}`);
  const t0s = [...byT0.keys()];
  const S = report.size;
  const gap = Math.max(2, Math.round(S / 64));
  const scale = S >= 128 ? 2 : 1;
  const head = 7 * scale + 2 * gap + 4;
  const cols = t0s.length + 2;
  const rows = report.guides.length;
  const cv = new Canvas(cols * S + (cols + 1) * gap, head + rows * S + rows * gap, [255, 255, 255]);
  const titles = ['strokes', ...t0s.map((t) => `t0=${t.toFixed(1)}`), 'real'];
  titles.forEach((t, c) => cv.text(t, gap + c * (S + gap) + Math.max(0, Math.round((S - Canvas.textWidth(t, scale)) / 2)), gap + 2, scale));
  for (let r = 0; r < rows; r++) {
    const y = head + r * (S + gap);
    cv.blit(report.guides[r], S, S, gap, y);
    t0s.forEach((t, c) => cv.blit((byT0.get(t) as Float32Array[])[r], S, S, gap + (c + 1) * (S + gap), y));
    cv.blit(report.scenes[r], S, S, gap + (cols - 1) * (S + gap), y);
  }
  cv.save(file);
}

/** Masked editing and compositing: scene | input | mask | result, one row each. */
export function editsSheet(report: EvalReport, file: string): void {
  const S = report.size;
  const gap = Math.max(2, Math.round(S / 64));
  const scale = S >= 128 ? 2 : 1;
  const head = 7 * scale + 2 * gap + 4;
  const cols = 4;
  const cv = new Canvas(cols * S + (cols + 1) * gap, head + report.edits.length * (S + gap), [255, 255, 255]);
  ['real scene', 'input', 'mask', 'sdedit'].forEach((t, c) => cv.text(t, gap + c * (S + gap) + Math.max(0, Math.round((S - Canvas.textWidth(t, scale)) / 2)), gap + 2, scale));
  report.edits.forEach((e, r) => {
    const y = head + r * (S + gap);
    cv.blit(e.scene, S, S, gap, y);
    cv.blit(e.guide, S, S, gap + (S + gap), y);
    cv.blit(e.mask.map((v) => 2 * v - 1), S, S, gap + 2 * (S + gap), y);
    cv.blit(e.result, S, S, gap + 3 * (S + gap), y);
  });
  cv.save(file);
}

/** A grid of 3×size×size images (rows of equal length) under one title per column. */
export function gridSheet(file: string, size: number, titles: readonly string[], rows: readonly (readonly Float32Array[])[]): void {
  const S = size;
  const gap = Math.max(2, Math.round(S / 64));
  const scale = S >= 128 ? 2 : 1;
  const head = 7 * scale + 2 * gap + 4;
  const cols = titles.length;
  if (rows.some((r) => r.length !== cols)) throw new Error(`gridSheet: every row needs ${cols} images`);
  const cv = new Canvas(cols * S + (cols + 1) * gap, head + rows.length * (S + gap), [255, 255, 255]);
  titles.forEach((t, c) => cv.text(t, gap + c * (S + gap) + Math.max(0, Math.round((S - Canvas.textWidth(t, scale)) / 2)), gap + 2, scale));
  rows.forEach((row, r) => row.forEach((im, c) => cv.blit(im, S, S, gap + c * (S + gap), head + r * (S + gap))));
  cv.save(file);
}
