/**
 * @jest-environment ./test/ui/jsdom-env.js
 */
// Render tests of the panel in jsdom with a fake engine and bridge. Preact 11 is ESM-only;
// jest.config.js lets swc compile it to CommonJS.

import { render } from 'preact';
import { act } from 'preact/test-utils';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { App } from '../../src/ui/app';
import { EngineError } from '../../src/ui/runtime/engine-api';
import { FakeBridge, FakeEngine } from './fake-engine';
import { usePanelDom } from './dom';
import { job } from './fixtures';

const dom = usePanelDom();
const { $, must, tick } = dom;


async function type(el: HTMLInputElement, value: string, commit = false) {
  await act(() => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    if (commit) el.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

async function choose(el: HTMLSelectElement, value: string) {
  await act(() => {
    el.value = value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

async function key(el: EventTarget, k: string, shiftKey = false) {
  await act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true }));
  });
}

async function click(el: HTMLElement) {
  await act(() => el.click());
}

async function mount(opts: { livePreview?: boolean } = {}) {
  const engine = new FakeEngine();
  const bridge = new FakeBridge();
  await act(() => render(<App engine={engine} bridge={bridge} />, dom.root));
  await tick();
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: opts.livePreview ?? false, seedMode: 'fixed', seed: 7 } }));
  await tick();
  return { engine, bridge };
}

async function select(bridge: FakeBridge, jobs = [job('mask-edit')]) {
  await act(() => bridge.emit({ type: 'selection', jobs, problems: [], rerun: null }));
  await tick();
}

test('says what to select, then shows the mode, thumbnails and problems', async () => {
  const { bridge } = await mount();
  expect(bridge.sent[0]).toEqual({ type: 'ready' });
  expect(must('mode').dataset.mode).toBe('none');
  expect(must('mode').textContent).toContain('Select a frame to re-imagine it');
  expect(must<HTMLButtonElement>('generate').disabled).toBe(true);
  expect(must('model').textContent).toContain('default');
  expect(must('model').textContent).toContain('3.5 MB');
  expect(must('backend').textContent).toBe('WASM');

  await act(() =>
    bridge.emit({ type: 'selection', jobs: [job('mask-edit')], problems: [{ code: 'too-large', message: 'The frame is large; it was scaled down to 4096 px.' }], rerun: null }),
  );
  await tick();
  expect(must('mode').dataset.mode).toBe('mask-edit');
  expect(must('mode').textContent).toContain('Edit masked area');
  expect(must<HTMLImageElement>('guide-thumb').src).toMatch(/^blob:/);
  expect(must<HTMLImageElement>('mask-thumb').src).toMatch(/^blob:/);
  expect(must('problems').textContent).toContain('scaled down');
  expect(must<HTMLButtonElement>('generate').disabled).toBe(false);
});

test('t0: typed input validates to (0, 1], shift+arrow steps 0.1, signal kept follows', async () => {
  await mount();
  const slider = must<HTMLInputElement>('t0-slider');
  const input = must<HTMLInputElement>('t0-input');
  expect(input.value).toBe('0.50');
  const kept50 = must('signal-kept').textContent;
  expect(kept50).toMatch(/keeps \d+% of the guide's signal/);

  await type(input, '1.5', true);
  expect(dom.root.textContent).toContain('Type a number above 0 and up to 1');
  expect(input.getAttribute('aria-invalid')).toBe('true');
  expect(slider.value).toBe('0.5');
  expect(input.value).toBe('0.50'); // reverted

  await type(input, '0.3');
  expect(Number(slider.value)).toBeCloseTo(0.3);
  expect(must('signal-kept').textContent).not.toBe(kept50);

  await key(slider, 'ArrowRight', true);
  expect(Number(slider.value)).toBeCloseTo(0.4);
  expect(input.value).toBe('0.40');
  await key(input, 'ArrowUp');
  expect(input.value).toBe('0.41');
});

test('settings are saved debounced; size changes re-export the selection', async () => {
  const { bridge } = await mount();
  expect(bridge.ofType('save-settings')).toHaveLength(0); // loaded settings are not echoed back
  await type(must<HTMLInputElement>('steps'), '35');
  await choose(must<HTMLSelectElement>('sampler'), 'ddpm');
  expect(bridge.ofType('save-settings')).toHaveLength(0);
  await tick(500);
  const saves = bridge.ofType('save-settings');
  expect(saves).toHaveLength(1);
  expect(saves[0].settings).toMatchObject({ steps: 35, sampler: 'ddpm', seed: 7 });

  await choose(must<HTMLSelectElement>('size'), '384');
  await tick(500);
  expect(bridge.ofType('refresh-selection')).toEqual([{ type: 'refresh-selection', size: 384, dilation: 4, feather: 6, multiple: 8 }]);

  await type(must<HTMLInputElement>('steps'), '0', true);
  expect(dom.root.textContent).toContain('A whole number from 1 to 1000');

  // a stored size outside the usual choices is kept and offered
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, size: 64 } }));
  expect(must<HTMLSelectElement>('size').value).toBe('64');
});

test('live preview is debounced, and a stale preview never shows', async () => {
  const { engine, bridge } = await mount({ livePreview: true });
  await select(bridge);
  expect(must('live-preview-count').textContent).toBe('0');
  await tick(250);
  expect(must('live-preview-count').textContent).toBe('1');
  expect(engine.previewRuns).toHaveLength(1);
  expect(engine.previewRuns[0].req).toMatchObject({ preview: true, seed: 7, jobId: 'job-1' });

  // drag the slider: many changes within 250 ms of each other
  const slider = must<HTMLInputElement>('t0-slider');
  for (const v of ['0.45', '0.4', '0.35', '0.3']) {
    await type(slider, v);
    await tick(100);
  }
  const first = engine.previewRuns[0];
  expect(first.signal.aborted).toBe(true); // stale: aborted at the first change
  expect(must('live-preview-count').textContent).toBe('1');
  await tick(250);
  expect(must('live-preview-count').textContent).toBe('2');
  const second = engine.previewRuns[1];
  expect(second.req.settings.t0).toBe(0.3);
  await act(() => second.resolve());
  await tick();
  expect(must<HTMLImageElement>('live-preview-img').alt).toContain('0.30');

  // turning it off cancels and hides the preview
  await click(must<HTMLInputElement>('live-preview-toggle'));
  await tick(1000);
  expect($('live-preview-img')).toBeNull();
  expect(engine.previewRuns).toHaveLength(2);
});

test('a live preview made at the working size (WebGPU) is applied as it is, once; a small one offers no Apply', async () => {
  const { engine, bridge } = await mount({ livePreview: true });
  await select(bridge);
  await tick(250);
  await act(() => engine.previewRuns[0].resolve()); // WASM: the shrunk, quick preview
  await tick();
  expect(must('live-preview-img')).toBeTruthy();
  expect($('live-preview-apply')).toBeNull();

  await type(must<HTMLInputElement>('t0-slider'), '0.4');
  await tick(250);
  await act(() => engine.previewRuns[1].resolve({ atWorkingSize: true, backend: 'webgpu' }));
  await tick();
  await click(must('live-preview-apply'));
  const applies = bridge.ofType('apply');
  expect(applies).toHaveLength(1);
  expect(applies[0]).toMatchObject({ jobId: 'job-1', sourceNodeId: 'node-job-1', placement: 'new-node', width: 64, height: 48 });
  expect(applies[0].params).toMatchObject({ t0: 0.4, seed: 7 });
  expect(Array.from(applies[0].png)).toEqual([137, 80, 78, 71, 7]);
  // kept into the results (its Apply lives there now); the preview's own button is gone
  expect($('live-preview-apply')).toBeNull();
  expect(must('results').querySelectorAll('li')).toHaveLength(1);
  expect(engine.fullRuns).toHaveLength(0);
});

test('generate: progress, preview, results grid, apply and replace, history', async () => {
  const { engine, bridge } = await mount({ livePreview: true });
  await select(bridge);
  await choose(must<HTMLSelectElement>('variations'), '2');
  await tick(250); // a live preview starts
  expect(engine.previewRuns).toHaveLength(1);

  await click(must('generate'));
  await tick();
  expect(engine.previewRuns[0].signal.aborted).toBe(true); // Generate aborts the preview
  expect(engine.fullRuns).toHaveLength(1);
  const run = engine.fullRuns[0];
  expect(run.req).toMatchObject({ preview: false, seed: 7, jobId: 'job-1' });
  expect(run.req.settings.variations).toBe(2);
  expect(must<HTMLButtonElement>('generate').disabled).toBe(true);
  expect(must<HTMLButtonElement>('cancel').disabled).toBe(false);

  await act(() => run.progress({ step: 5, total: 20, msPerStep: 42, previewPng: new Uint8Array([1, 2, 3]) }));
  expect(must('progress').textContent).toContain('Step 5 of 20');
  expect(must('progress').dataset.step).toBe('5');
  expect(must('ms-per-step').textContent).toBe('42 ms / step');
  expect(must<HTMLImageElement>('preview-img').src).toMatch(/^blob:/);

  await act(() => run.resolve());
  await tick();
  expect($('progress')).toBeNull();
  expect(must('results').querySelectorAll('li')).toHaveLength(2);
  expect(must('history').textContent).toContain('seeds 7–8');

  await click(must('apply-0'));
  await click(must('replace-1'));
  const applies = bridge.ofType('apply');
  expect(applies.map((a) => [a.placement, a.params.seed, a.sourceNodeId])).toEqual([
    ['new-node', 7, 'node-job-1'],
    ['replace', 8, 'node-job-1'],
  ]);
  expect(Array.from(applies[1].png)).toEqual([137, 80, 78, 71, 8]);
  await act(() => bridge.emit({ type: 'applied', jobId: 'job-1', nodeId: 'n9', nodeName: 'Frame · SDEdit', placement: 'new-node' }));
  expect(must('status').textContent).toContain('Added “Frame · SDEdit”');

  // re-run from history uses the entry's seed and settings
  await choose(must<HTMLSelectElement>('seed-mode'), 'random');
  await click(must('history-rerun-0'));
  await tick();
  expect(engine.fullRuns).toHaveLength(2);
  expect(engine.fullRuns[1].req.seed).toBe(7);
});

test('Escape cancels a run within the engine; errors are shown in words', async () => {
  const { engine, bridge } = await mount();
  await select(bridge);
  await click(must('generate'));
  await tick();
  await key(document, 'Escape');
  await tick();
  expect(engine.fullRuns[0].signal.aborted).toBe(true);
  expect(must<HTMLButtonElement>('cancel').disabled).toBe(true);
  expect(must('status').textContent).toContain('Cancelled');
  expect($('error')).toBeNull();

  await click(must('generate'));
  await tick();
  await act(() => engine.fullRuns[1].reject(new EngineError('out-of-memory', 'WebGPU device: out of memory')));
  await tick();
  expect(must('error').textContent).toContain('ran out of memory');
  expect(must('error').textContent).toContain('smaller working size');

  await act(() => engine.notice({ level: 'warning', message: 'WebGPU was lost, continuing on WASM.' }));
  expect(must('notice').textContent).toContain('continuing on WASM');
  await act(() => bridge.emit({ type: 'problem', problem: { code: 'apply-failed', message: 'The image could not be placed.' }, jobId: null }));
  expect(must('error').textContent).toContain('could not be placed');
});

test('what the sandbox decided about a job (silhouette, working size) reaches the engine as it is', async () => {
  const { engine, bridge } = await mount({ livePreview: true });
  const composite = { ...job('composite', 'job-c'), workWidth: 96, workHeight: 40 };
  await select(bridge, [composite]);
  await tick(250);
  await click(must('generate'));
  await tick();
  for (const r of [engine.previewRuns[0], engine.fullRuns[0]]) {
    expect(r.req).toMatchObject({ jobId: 'job-c', mode: 'composite', maskIsSilhouette: true, workWidth: 96, workHeight: 40 });
  }
  // a mask drawn as it should be used is not grown: false travels too
  await act(() => engine.fullRuns[0].resolve());
  await tick();
  await select(bridge, [{ ...job('mask-edit', 'job-m'), maskIsSilhouette: false }]);
  await click(must('generate'));
  await tick();
  expect(engine.fullRuns[1].req).toMatchObject({ jobId: 'job-m', maskIsSilhouette: false });
});

test('every control the e2e tests use is a labelled real control', async () => {
  const { bridge } = await mount({ livePreview: true });
  await select(bridge);
  for (const id of ['t0-slider', 't0-input', 'steps', 'sampler', 'seed', 'seed-mode', 'variations', 'size', 'live-preview-toggle']) {
    const el = must(id) as HTMLInputElement;
    const labelled = el.labels?.length || el.getAttribute('aria-label');
    expect([id, Boolean(labelled)]).toEqual([id, true]);
  }
  for (const id of ['generate', 'cancel']) expect(must(id).tagName).toBe('BUTTON');
});

test('progress is a progressbar with its values; focus follows Generate and Cancel instead of falling to the body', async () => {
  const { engine, bridge } = await mount();
  await select(bridge);
  must('generate').focus();
  await click(must('generate'));
  await tick();
  const bar = must('progressbar');
  expect(bar.getAttribute('role')).toBe('progressbar');
  await act(() => engine.fullRuns[0].progress({ step: 3, total: 12, msPerStep: 10 }));
  expect(bar.getAttribute('aria-valuenow')).toBe('3');
  expect(bar.getAttribute('aria-valuemax')).toBe('12');
  expect(document.activeElement).toBe(must('cancel'));

  await act(() => engine.fullRuns[0].resolve());
  await tick();
  expect(document.activeElement).toBe(must('generate'));
  expect(must('status').getAttribute('aria-live')).toBe('polite');
  expect(must('status').textContent).toContain('ready');

  await click(must('generate'));
  await tick();
  must('cancel').focus();
  await click(must('cancel'));
  // cancelling: the button keeps focus, announced as unavailable rather than disabled
  expect(document.activeElement).toBe(must('cancel'));
  await tick();
  expect(document.activeElement).not.toBe(document.body);
  expect(document.activeElement).toBe(must('generate'));
});

test('settings start collapsed with a summary; the resize grip sends resize, and persist when done', async () => {
  const { bridge } = await mount();
  const details = must('settings') as HTMLDetailsElement;
  expect(details.tagName).toBe('DETAILS');
  expect(details.open).toBe(false);
  expect(must('settings-summary').textContent).toContain('10 steps');
  await key(must('resize-handle'), 'ArrowDown');
  const resizes = bridge.ofType('resize');
  expect(resizes).toHaveLength(1);
  expect(resizes[0]).toMatchObject({ persist: true, width: window.innerWidth, height: window.innerHeight + 20 });
});

test('a preview cut short by Escape or Generate does not stay on “Previewing…”; another frame clears the old preview', async () => {
  const { engine, bridge } = await mount({ livePreview: true });
  await select(bridge);
  await tick(250);
  await act(() => engine.previewRuns[0].resolve());
  await tick();
  expect(must('preview-caption').textContent).toBe('Preview t0 0.50');
  await type(must<HTMLInputElement>('t0-slider'), '0.4');
  await tick(250);
  expect(must('preview-caption').textContent).toBe('Previewing…');
  await key(document, 'Escape');
  await tick();
  expect(engine.previewRuns[1].signal.aborted).toBe(true);
  expect(must('preview-caption').textContent).toBe('Stopped · showing t0 0.50');

  await type(must<HTMLInputElement>('t0-slider'), '0.45');
  await tick(250);
  expect(must('preview-caption').textContent).toBe('Previewing…');
  await click(must('generate'));
  await tick();
  expect(must('preview-caption').textContent).toContain('Stopped');
  await act(() => engine.fullRuns[0].resolve());
  await tick(250);

  // the same frame again keeps its preview; another frame does not show this one's
  await select(bridge, [job('mask-edit')]);
  expect($('live-preview-img')).not.toBeNull();
  await select(bridge, [job('synthesis', 'job-2')]);
  expect($('live-preview-img')).toBeNull();
});

test('Apply pressed twice quickly posts one apply; the seed moves on only after it landed', async () => {
  const { engine, bridge } = await mount();
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false, seedMode: 'increment', seed: 7 } }));
  await select(bridge);
  await click(must('generate'));
  await tick();
  await act(() => engine.fullRuns[0].resolve());
  await tick();
  await act(() => {
    must('apply-0').click();
    must('apply-0').click();
  });
  await click(must('apply-0'));
  expect(bridge.ofType('apply')).toHaveLength(1);
  expect(must('apply-0').getAttribute('aria-disabled')).toBe('true');
  expect(must<HTMLInputElement>('seed').value).toBe('7');
  await act(() => bridge.emit({ type: 'applied', jobId: 'job-1', nodeId: 'n1', nodeName: 'Frame · SDEdit', placement: 'new-node' }));
  expect(must<HTMLInputElement>('seed').value).toBe('8');
  expect(must('apply-0').getAttribute('aria-disabled')).toBeNull();
});

test('live mode: the sandbox re-exporting the same frame after an edit gives one preview, and the old one shows meanwhile', async () => {
  const { engine, bridge } = await mount({ livePreview: true });
  await select(bridge);
  await tick(250);
  await act(() => engine.previewRuns[0].resolve());
  await tick();
  const edited = { ...job('mask-edit'), guidePng: new Uint8Array([137, 80, 78, 71, 9]) };
  await select(bridge, [edited]);
  expect($('live-preview-img')).not.toBeNull();
  await tick(250);
  expect(engine.previewRuns).toHaveLength(2);
  expect(Array.from(engine.previewRuns[1].req.guidePng)).toEqual([137, 80, 78, 71, 9]);
  await tick(1000);
  expect(engine.previewRuns).toHaveLength(2);
});

test('Generate during a run queues it: the queue runs in order, and a queued item can be removed', async () => {
  const { engine, bridge } = await mount();
  await select(bridge);
  await click(must('generate'));
  await tick();
  expect($('queue')).toBeNull();
  // three more: the Queue button, Ctrl+Enter, and the Queue button again, each with its own t0
  await type(must<HTMLInputElement>('t0-input'), '0.3', true);
  await click(must('enqueue'));
  await type(must<HTMLInputElement>('t0-input'), '0.4', true);
  await act(() => void document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true })));
  await type(must<HTMLInputElement>('t0-input'), '0.6', true);
  await click(must('enqueue'));
  expect(engine.fullRuns).toHaveLength(1);
  const items = () => Array.from(must('queue').querySelectorAll('li')).map((li) => li.textContent ?? '');
  expect(items().map((t) => /t0 (\d\.\d\d)/.exec(t)?.[1])).toEqual(['0.30', '0.40', '0.60']);
  expect(must('status').textContent).toContain('Queued');

  await click(must('queue-cancel-1')); // remove the 0.40 one
  expect(items()).toHaveLength(2);
  await act(() => engine.fullRuns[0].resolve());
  await tick();
  expect(engine.fullRuns).toHaveLength(2);
  expect(engine.fullRuns[1].req.settings.t0).toBe(0.3);
  expect(items()).toHaveLength(1);
  // the first run's result stays in view (and can be applied) while the queued one runs
  expect(must('results').querySelectorAll('li')).toHaveLength(1);
  expect($('apply-0')).not.toBeNull();
  await act(() => engine.fullRuns[1].reject(new EngineError('out-of-memory', 'out of memory')));
  await tick();
  // its error stays while the next queued run goes, and the older result is still shown
  expect(must('error').textContent).toContain('ran out of memory');
  expect(engine.fullRuns).toHaveLength(3);
  expect(must('results').querySelectorAll('li')).toHaveLength(1);
  expect(engine.fullRuns[2].req.settings.t0).toBe(0.6);
  await act(() => engine.fullRuns[2].resolve({ pngs: [new Uint8Array([137, 80, 78, 71, 66])] }));
  await tick();
  expect(engine.fullRuns).toHaveLength(3);
  expect($('queue')).toBeNull();
  // the last run's own result replaced the older one in the gallery
  expect(must('results').querySelectorAll('li')).toHaveLength(1);
  expect(must('results').querySelector('img')?.getAttribute('alt')).toContain('Frame job-1');
});

test('the lasting history: asked for after ready, saved after each run with a thumbnail, shown after a reload', async () => {
  const engine = new FakeEngine();
  const bridge = new FakeBridge();
  const thumbnail = jest.fn(async (png: Uint8Array) => png.slice(0, 4));
  await act(() => render(<App engine={engine} bridge={bridge} thumbnail={thumbnail} />, dom.root));
  await tick();
  expect(bridge.sent.map((m) => m.type).slice(0, 2)).toEqual(['ready', 'load-history']);
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false, seedMode: 'fixed', seed: 7 } }));
  await act(() => bridge.emit({ type: 'history', runs: [] }));
  await select(bridge);
  await click(must('generate'));
  await tick();
  await act(() => engine.fullRuns[0].resolve());
  await tick();
  const saves = bridge.ofType('save-history');
  expect(saves).toHaveLength(1);
  expect(saves[0].runs).toHaveLength(1);
  expect(saves[0].runs[0]).toMatchObject({ sourceName: 'Frame job-1', params: [{ seed: 7 }], backend: 'wasm' });
  expect(Array.from(saves[0].runs[0].thumbPng ?? [])).toEqual([137, 80, 78, 71]);
  expect($('earlier')).toBeNull(); // this session's runs are in "This session"

  // the panel reopens: the sandbox answers load-history with what was saved
  await act(() => render(null, dom.root));
  const bridge2 = new FakeBridge();
  await act(() => render(<App engine={new FakeEngine()} bridge={bridge2} thumbnail={thumbnail} />, dom.root));
  await tick();
  await act(() => bridge2.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false, seedMode: 'random', seed: 1 } }));
  await act(() => bridge2.emit({ type: 'history', runs: saves[0].runs }));
  expect(must('earlier').textContent).toContain('Frame job-1');
  expect(must('earlier').textContent).toContain('seed 7');
  expect(bridge2.ofType('save-history')).toHaveLength(0); // loading alone saves nothing
  await click(must('earlier-use-0'));
  expect(must<HTMLInputElement>('seed').value).toBe('7');
  expect(must<HTMLSelectElement>('seed-mode').value).toBe('fixed');
});

test('with nothing selected the panel teaches the three ways to use it', async () => {
  await mount();
  const ways = Array.from(must('empty-guide').querySelectorAll('li')).map((li) => li.textContent ?? '');
  expect(ways).toHaveLength(3);
  expect(ways[0]).toContain('Select a frame');
  expect(ways[1]).toContain('“Mask”');
  expect(ways[2]).toContain('layers inside a frame');
  expect(must('empty-guide').querySelectorAll('svg')).toHaveLength(3);
});
