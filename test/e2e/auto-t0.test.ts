// Automatic t0 in the real runtime (WASM worker in the sandboxed iframe): a run with autoT0
// measures the suggestion with the embedded pack's noise-level table and runs at it (the
// worker's trace is not the iframe's, so the choice is read from the result's params).

import { encode, panelPerFile, strokeGuide } from './harness';

jest.setTimeout(180_000);

const ui = panelPerFile();

test('a preview run with autoT0 reports the suggested t0 in its params', async () => {
  const guide = Buffer.from(encode(strokeGuide(64, 64))).toString('base64');
  const r = await ui().frame.evaluate(async (b64) => {
    const bin = atob(b64);
    const png = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) png[i] = bin.charCodeAt(i);
    type Eng = { run(req: unknown, onProgress: () => void, signal: AbortSignal): Promise<{ params: { t0: number }[] }> };
    const engine = (globalThis as unknown as { __sdeditRuntime: { engine: Eng } }).__sdeditRuntime.engine;
    const settings = {
      t0: 0.99, steps: 4, sampler: 'ddim', repeats: 1, seedMode: 'fixed', seed: 1, size: 64, dilation: 4, feather: 6,
      variations: 1, model: 'default', livePreview: false,
    };
    const req = { jobId: 'auto', mode: 'synthesis', guidePng: png, maskPng: null, maskIsSilhouette: false, workWidth: 64, workHeight: 64, settings, seed: 1, preview: true, autoT0: true };
    const a = await engine.run(req, () => undefined, new AbortController().signal);
    const b = await engine.run(req, () => undefined, new AbortController().signal);
    return [a.params[0].t0, b.params[0].t0];
  }, guide);
  // not settings.t0 (0.99), not the no-table fallback (0.5): measured, within the grid, repeatable
  const [t0, again] = r;
  expect(t0).not.toBe(0.99);
  expect(t0).not.toBe(0.5);
  expect(t0).toBeGreaterThanOrEqual(0.1);
  expect(t0).toBeLessThanOrEqual(0.8);
  expect(again).toBe(t0);
  console.log(`auto t0 of the harness's stroke guide: ${t0}`);
});
