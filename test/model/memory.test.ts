// The peak-memory estimate and the batch plan made from it (pure).
import { DEFAULT_MEMORY_MODEL, estimatePeakBytes, planBatches } from '../../src/model/memory';

// The peaks were measured with v1's model.onnx (models/v1 once v2 is the default): its size is
// part of the measurement, not the default pack's.
const MODEL_BYTES = 5906584;

it('is at or a little above the peaks measured on the v1 pack (maximum RSS, onnxruntime-node)', () => {
  // /usr/bin/time -v node bin/sdedit.js --guide 256².png --size S --steps 2 --variations V (KiB)
  const measured: [number, number, number][] = [
    [128, 1, 155024 * 1024],
    [256, 1, 274764 * 1024],
    [512, 1, 771092 * 1024],
    [512, 4, 2840048 * 1024],
    [256, 16, 2835184 * 1024],
  ];
  for (const [side, batch, rss] of measured) {
    const est = estimatePeakBytes({ width: side, height: side, batch, modelBytes: MODEL_BYTES });
    expect(est).toBeGreaterThanOrEqual(rss);
    expect(est).toBeLessThan(rss * 1.1);
  }
});

it('grows linearly with the pixels the network sees at once', () => {
  const one = estimatePeakBytes({ width: 64, height: 64, batch: 1, modelBytes: 0 });
  const four = estimatePeakBytes({ width: 64, height: 64, batch: 4, modelBytes: 0 });
  const big = estimatePeakBytes({ width: 128, height: 128, batch: 1, modelBytes: 0 });
  expect(four - one).toBeCloseTo(3 * 64 * 64 * DEFAULT_MEMORY_MODEL.bytesPerPixel, 0);
  expect(big).toBe(four);
});

describe('planBatches', () => {
  const size = { width: 100, height: 100, modelBytes: 1000 };
  const fixed = DEFAULT_MEMORY_MODEL.baseBytes + 2 * 1000;
  const image = 100 * 100 * DEFAULT_MEMORY_MODEL.bytesPerPixel;

  it('one batch when everything fits', () => {
    expect(planBatches(size, 5, fixed + 5 * image)).toEqual({ ok: true, batches: [5], peakBytes: fixed + 5 * image });
  });

  it('the fewest batches that fit, as equal as possible, in order', () => {
    expect(planBatches(size, 5, fixed + 2.5 * image)).toMatchObject({ ok: true, batches: [2, 2, 1] });
    expect(planBatches(size, 16, fixed + 6 * image)).toMatchObject({ ok: true, batches: [6, 5, 5] });
    expect(planBatches(size, 3, fixed + image)).toMatchObject({ ok: true, batches: [1, 1, 1], peakBytes: fixed + image });
  });

  it('refuses when not one image fits, saying how many pixels would', () => {
    expect(planBatches(size, 2, fixed + 0.25 * image)).toEqual({ ok: false, peakBytes: fixed + image, maxPixels: 2500 });
    expect(planBatches(size, 1, fixed / 2)).toMatchObject({ ok: false, maxPixels: 0 });
  });
});
