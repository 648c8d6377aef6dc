// The in-iframe runtime on WASM in a real browser, driven through the Engine the panel uses
// (window.__sdeditRuntime.engine inside the sandboxed srcdoc iframe). Small images only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, decode, encode, panelPerFile, rectMask, runEngine, runtimeEvents, strokeGuide } from './harness';

jest.setTimeout(180_000);

const ui = panelPerFile();
const guide = encode(strokeGuide(64, 64));
const maskImg = rectMask(64, 64, 16, 16, 48, 48);
const mask = encode(maskImg);


test('loads the embedded pack on WASM inside the opaque-origin iframe, in a worker', async () => {
  const info = await ui().frame.evaluate(async () => {
    const rt = (globalThis as unknown as { __sdeditRuntime: { engine: { load(): Promise<unknown> } } }).__sdeditRuntime;
    return { loaded: await rt.engine.load(), origin: location.origin, secure: isSecureContext };
  });
  expect(info.origin).toBe('null');
  const loaded = info.loaded as { backend: string; model: { name: string; source: string; bytes: number } };
  expect(loaded.backend).toBe('wasm');
  expect(loaded.model.source).toBe('embedded');
  expect(loaded.model.bytes).toBeGreaterThan(0);
  const events = await runtimeEvents(ui().frame);
  const load = events.find((e) => e.type === 'load');
  const notices = events.filter((e) => e.type === 'notice');
  if (notices.length) console.log(`notices: ${JSON.stringify(notices)}`);
  expect(load).toMatchObject({ backend: 'wasm', where: 'worker' });
  console.log(`model "${loaded.model.name}" loaded on ${String(load?.backend)} in the ${String(load?.where)} in ${Math.round(Number(load?.ms))} ms`);
});

test('a masked edit: kept pixels are returned unchanged, edited pixels change, progress and previews arrive', async () => {
  const steps = 6;
  const r = await runEngine(ui().frame, { guide, mask, mode: 'mask-edit', settings: { size: 64, steps, t0: 0.6 }, seed: 7 });
  expect(r.errorMessage).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.backend).toBe('wasm');
  expect(r.pngs).toHaveLength(1);
  const out = decode(r.pngs[0]);
  const src = strokeGuide(64, 64);
  expect([out.width, out.height]).toEqual([64, 64]);
  let keptDiff = 0;
  let editedChanged = 0;
  let edited = 0;
  for (let i = 0; i < 64 * 64; i++) {
    const inside = maskImg.data[4 * i] > 0;
    const same = [0, 1, 2, 3].every((c) => out.data[4 * i + c] === src.data[4 * i + c]);
    if (inside) {
      edited++;
      if (!same) editedChanged++;
    } else if (!same) keptDiff++;
  }
  expect(keptDiff).toBe(0);
  expect(editedChanged / edited).toBeGreaterThan(0.5);
  expect(r.progress.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  expect(r.progress.every((p) => p.total === steps && p.msPerStep > 0)).toBe(true);
  expect(r.previewPngs.length).toBeGreaterThanOrEqual(2);
  expect(decode(r.previewPngs[0]).width).toBe(64);
  // an opaque result is encoded by the browser's PNG encoder in the encoder worker (the kept
  // pixels above came through it byte for byte)
  const end = (await runtimeEvents(ui().frame)).filter((e) => e.type === 'run-end').pop();
  expect(end).toMatchObject({ status: 'done', pngEncodedOn: 'worker' });
  console.log(`64² masked edit, ${steps} steps: ${Math.round(r.timings!.totalMs)} ms total, ${Math.round(r.timings!.networkMs)} ms network, ` +
    `${r.progress.map((p) => Math.round(p.msPerStep)).join('/')} ms/step, ${r.previewPngs.length} previews`);
});

test('a guide with translucent pixels comes back byte for byte at kept pixels (exact decode, fast-png encode on the main thread)', async () => {
  const src = strokeGuide(64, 64);
  // the top 8 rows, outside the mask: alphas 1..254, where a premultiplied canvas rounds colours
  for (let i = 0; i < 64 * 8; i++) src.data[4 * i + 3] = 1 + (i % 254);
  const r = await runEngine(ui().frame, { guide: encode(src), mask, mode: 'mask-edit', settings: { size: 64, steps: 3, t0: 0.5 }, seed: 5 });
  expect(r.errorMessage).toBeUndefined();
  const out = decode(r.pngs[0]);
  let differ = 0;
  for (let i = 0; i < 4 * 64 * 8; i++) if (out.data[i] !== src.data[i]) differ++;
  expect(differ).toBe(0);
  const end = (await runtimeEvents(ui().frame)).filter((e) => e.type === 'run-end').pop();
  expect(end).toMatchObject({ status: 'done', pngEncodedOn: 'main-thread' });
});

test('the same seed gives the same bytes; another seed does not', async () => {
  const spec = { guide, mask: null, mode: 'synthesis' as const, settings: { size: 64, steps: 4, t0: 0.5, variations: 2 }, seed: 11 };
  const a = await runEngine(ui().frame, spec);
  const b = await runEngine(ui().frame, spec);
  const c = await runEngine(ui().frame, { ...spec, seed: 12 });
  expect(a.ok && b.ok && c.ok).toBe(true);
  expect(a.pngs).toHaveLength(2);
  expect(Buffer.from(a.pngs[0]).equals(Buffer.from(b.pngs[0]))).toBe(true);
  expect(Buffer.from(a.pngs[1]).equals(Buffer.from(b.pngs[1]))).toBe(true);
  expect(Buffer.from(a.pngs[0]).equals(Buffer.from(a.pngs[1]))).toBe(false);
  expect(Buffer.from(a.pngs[0]).equals(Buffer.from(c.pngs[0]))).toBe(false);
  // variation i of seed s is made with seed s + i: variation 1 of seed 11 = variation 0 of seed 12
  expect(Buffer.from(a.pngs[1]).equals(Buffer.from(c.pngs[0]))).toBe(true);
});

test('cancel takes effect within one step', async () => {
  const r = await runEngine(ui().frame, { guide, mask: null, mode: 'synthesis', settings: { size: 64, steps: 200, t0: 0.9 }, seed: 3, abortAfterSteps: 3 });
  expect(r.ok).toBe(false);
  expect(r.errorName).toBe('AbortError');
  const after = r.progress.filter((p) => p.at > r.abortedAt!);
  const msPerStep = Math.max(...r.progress.map((p) => p.msPerStep));
  const latency = r.settledAt - r.abortedAt!;
  console.log(
    `cancel: settled ${Math.round(latency)} ms after abort (a step takes ≈${Math.round(msPerStep)} ms); ` +
      `${after.length} progress message(s) arrived after the abort, last step ${r.progress[r.progress.length - 1].step}/200`,
  );
  // At most the step in flight finishes (plus steps already computed and queued for delivery
  // when a step is faster than the message round trip, as with the tiny fixture model).
  expect(latency).toBeLessThan(2 * msPerStep + 250);
  expect(after.length).toBeLessThanOrEqual(1 + Math.ceil(250 / Math.max(1, msPerStep)));
  expect(r.progress[r.progress.length - 1].step).toBeLessThan(200);
});

test('composite: the silhouette is dilated and feathered; pixels beyond that stay unchanged', async () => {
  const silhouette = rectMask(64, 64, 28, 28, 36, 36);
  const r = await runEngine(ui().frame, {
    guide,
    mask: encode(silhouette),
    mode: 'composite',
    settings: { size: 64, steps: 4, t0: 0.7, dilation: 4, feather: 4 },
    seed: 2,
  });
  expect(r.errorMessage).toBeUndefined();
  const out = decode(r.pngs[0]);
  const src = strokeGuide(64, 64);
  const changedAt = (x: number, y: number) => [0, 1, 2].some((c) => out.data[4 * (y * 64 + x) + c] !== src.data[4 * (y * 64 + x) + c]);
  let grown = 0;
  let far = 0;
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const d = Math.max(28 - x, x - 35, 28 - y, y - 35, 0); // Chebyshev distance to the silhouette
      if (d >= 1 && d <= 3 && changedAt(x, y)) grown++;
      if (d > 4 + 4 + 2 && changedAt(x, y)) far++;
    }
  }
  expect(grown).toBeGreaterThan(0);
  expect(far).toBe(0);
});

test('an empty mask is a clear error', async () => {
  const empty = encode(rectMask(64, 64, 0, 0, 0, 0));
  const r = await runEngine(ui().frame, { guide, mask: empty, mode: 'mask-edit', settings: {}, seed: 1 });
  expect(r.ok).toBe(false);
  expect(r.errorName).toBe('EmptyMaskError');
  expect(r.errorMessage).toMatch(/mask is empty/i);
});

test('a run too big for the panel is refused at once, naming a working size that fits', async () => {
  const started = Date.now();
  const r = await runEngine(ui().frame, { guide, mask: null, mode: 'synthesis', settings: { size: 4096, steps: 2 }, seed: 1 });
  expect(r.ok).toBe(false);
  expect(r.errorName).toBe('EngineError');
  expect(r.errorMessage).toMatch(/^A 4096×4096 px run needs about \d+\.\d GB of memory .* Choose a working size of \d+ px or less\.$/);
  // refused before any 4096² image is made (that alone takes seconds and hundreds of MB)
  expect(Date.now() - started).toBeLessThan(5000);
});

test('a non-square guide comes back at its own pixel size', async () => {
  const g = encode(strokeGuide(80, 48));
  const r = await runEngine(ui().frame, { guide: g, mask: null, mode: 'synthesis', settings: { size: 64, steps: 2 }, seed: 1 });
  expect(r.ok).toBe(true);
  const out = decode(r.pngs[0]);
  expect([out.width, out.height]).toEqual([80, 48]);
});

test('ui.html embeds the model pack it was built with', () => {
  const html = readFileSync(join(ROOT, 'dist', 'ui.html'), 'utf8');
  expect(html.includes('id="sdedit-pack-manifest"')).toBe(true);
  expect(html.includes('id="sdedit-ort-wasm"')).toBe(true);
  // nothing is fetched: no http(s) URL is referenced by a src/href attribute
  expect(/\s(src|href)="https?:/i.test(html)).toBe(false);
});
