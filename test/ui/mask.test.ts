// The panel's mask pipeline reads a mask image the way the CLI does (one luma, core's helpers).
import { dilateMask, featherMask, maskFromRgba, resizeMask, snapMask } from '../../src/core';
import { prepareMasks } from '../../src/ui/runtime/mask';

/** w×h RGBA of one colour. */
const solid = (w: number, h: number, rgba: [number, number, number, number]) => {
  const out = new Uint8ClampedArray(4 * w * h);
  for (let p = 0; p < w * h; p++) out.set(rgba, 4 * p);
  return out;
};

test('a grey mask pixel reads the same on the CLI path and the panel path', () => {
  const [w, h] = [12, 8];
  for (const grey of [1, 64, 128, 200, 255]) {
    const rgba = solid(w, h, [grey, grey, grey, 255]);
    // the CLI: maskFromRgba at the guide's size, then resizeMask to the working size
    const cli = resizeMask(maskFromRgba(rgba, w, h), h, w, 4, 6);
    const panel = prepareMasks(rgba, { width: w, height: h }, { width: 6, height: 4 }, { silhouette: false, dilation: 0, feather: 0 });
    expect(cli[0]).toBe(Math.fround(grey / 255));
    // the panel snaps values within one level of 0 or 1; a mid grey is left as it is
    expect(panel.work[0]).toBe(grey === 255 ? 1 : cli[0]);
    expect(panel.full[0]).toBe(cli[0]);
  }
  // coloured pixels weigh the channels by Rec. 601 on both paths
  const red = maskFromRgba(solid(1, 1, [255, 0, 0, 255]), 1, 1)[0];
  expect(red).toBe(Math.fround(0.299));
});

test('a silhouette is grown and softened at the working size, and the full-size mask follows', () => {
  const [w, h] = [32, 32];
  const rgba = new Uint8ClampedArray(4 * w * h);
  for (let y = 12; y < 20; y++) for (let x = 12; x < 20; x++) rgba.set([255, 255, 255, 255], 4 * (y * w + x));
  const drawn = prepareMasks(rgba, { width: w, height: h }, { width: 16, height: 16 }, { silhouette: false, dilation: 2, feather: 2 });
  const grown = prepareMasks(rgba, { width: w, height: h }, { width: 16, height: 16 }, { silhouette: true, dilation: 2, feather: 2 });
  const base = snapMask(resizeMask(maskFromRgba(rgba, w, h), h, w, 16, 16));
  expect(Array.from(drawn.work)).toEqual(Array.from(base));
  expect(Array.from(grown.work)).toEqual(Array.from(snapMask(featherMask(dilateMask(base, 16, 16, 2), 16, 16, 2))));
  const sum = (m: Float32Array) => m.reduce((a, b) => a + b, 0);
  expect(sum(grown.full)).toBeGreaterThan(sum(drawn.full));
  // what was drawn stays edited at full size
  for (let i = 0; i < drawn.full.length; i++) expect(grown.full[i]).toBeGreaterThanOrEqual(drawn.full[i]);
});
