// The few-step sweep's metrics from the evaluation harness (src/cli/eval): its fixed feature space
// and KID. bench/few-step.mjs bundles this in place of bench/lib/metrics.ts when src/cli/eval
// exists (a .mjs so that the typecheck of bench/ does not depend on it). Same exports as
// metrics.ts.
import { downsampledL2 } from '../../src/core';
import { FEATURE_SPACE_SUMMARY, fitFeatureSpace, rawFeatures } from '../../src/cli/eval/features';
import { kid as kidOf } from '../../src/cli/eval/kid';
import { STROKE_CELLS, strokeGuide } from '../../src/cli/eval/guides';

export const GUIDES = `src/cli/eval strokeGuide (${STROKE_CELLS}×${STROKE_CELLS} cells, 3×3 median, 6 colours, 8-bit rounded)`;

/** The stroke guide of a 3×S×S scene, exactly as the evaluation makes it. */
export function makeGuide(scene, size) {
  return strokeGuide(scene, size);
}

/** The evaluation's L2 cell: size / STROKE_CELLS pixels. */
export function l2Factor(size) {
  return size / STROKE_CELLS;
}

export const FEATURE_SPACE = `src/cli/eval: ${FEATURE_SPACE_SUMMARY}`;

export function meanL2(outputs, guides, c, h, w, factor = 8) {
  let s = 0;
  for (let i = 0; i < outputs.length; i++) s += downsampledL2(outputs[i], guides[i], c, h, w, factor);
  return s / outputs.length;
}

function spaces(real, fake, h, w) {
  const realRaw = real.map((x) => rawFeatures(x, h, w));
  const space = fitFeatureSpace(realRaw);
  return [realRaw.map(space.apply), fake.map((x) => space.apply(rawFeatures(x, h, w)))];
}

export function kid(real, fake, _c, h, w) {
  const [a, b] = spaces(real, fake, h, w);
  return kidOf(a, b);
}

/** KID and a rough sd: spread over random half-subsets of the fake set, divided by √2. */
export function kidWithSpread(real, fake, _c, h, w, subsets = 50) {
  const [a, b] = spaces(real, fake, h, w);
  const value = kidOf(a, b);
  let st = 987654321;
  const next = () => {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    return st / 4294967296;
  };
  const half = Math.max(2, Math.floor(b.length / 2));
  const vals = [];
  for (let r = 0; r < subsets; r++) {
    const idx = b.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    vals.push(kidOf(a, idx.slice(0, half).map((i) => b[i])));
  }
  const mean = vals.reduce((x, y) => x + y, 0) / vals.length;
  const sd = Math.sqrt(vals.reduce((x, y) => x + (y - mean) ** 2, 0) / Math.max(1, vals.length - 1));
  return { kid: value, sd: sd / Math.SQRT2 };
}
