import { DEFAULT_SETTINGS, LIMITS, SAMPLER_CHOICES } from '../../src/protocol';
import { errorToUi } from '../../src/ui/panel/errors';
import { selectionMode, visibleProblems } from '../../src/ui/panel/labels';
import { parseT0, sanitizeSettings, seedForRun, validSize } from '../../src/ui/panel/settings';
import { galleryItems, initialState, MAX_HISTORY, reducer, type Action, type State } from '../../src/ui/panel/store';
import { EngineError } from '../../src/ui/runtime/engine-api';
import { job, params } from './fixtures';

const run = (s: State, ...actions: Action[]) => actions.reduce(reducer, s);

function result(runId: number, seeds: number[], jobId = 'job-1'): Action {
  return {
    type: 'run-result',
    runId,
    job: job('synthesis', jobId),
    settings: DEFAULT_SETTINGS,
    result: {
      pngs: seeds.map((s) => new Uint8Array([s])),
      width: 64,
      height: 48,
      params: seeds.map((s) => params(s)),
      backend: 'wasm',
      totalMs: 1000,
    },
  };
}

describe('settings validation', () => {
  test('garbage falls back to defaults', () => {
    expect(sanitizeSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(sanitizeSettings('x')).toEqual(DEFAULT_SETTINGS);
    expect(sanitizeSettings({ t0: 'a', steps: NaN, sampler: 'euler', seedMode: 'lucky', model: '', livePreview: 1 })).toEqual(DEFAULT_SETTINGS);
  });
  test('values are clamped into range', () => {
    const s = sanitizeSettings({ t0: 7, steps: 0, repeats: 99, variations: 9, seed: -5, size: 3000, dilation: 1000, feather: -1 });
    expect(s).toMatchObject({ t0: 1, steps: 1, repeats: 10, variations: 4, seed: 0, size: 3000, dilation: 64, feather: 0 });
    expect(sanitizeSettings({ size: 9000 }).size).toBe(LIMITS.size.max);
    expect(sanitizeSettings({ t0: 0 }).t0).toBe(DEFAULT_SETTINGS.t0);
    expect(sanitizeSettings({ t0: -0.3 }).t0).toBe(DEFAULT_SETTINGS.t0);
    // t0 is kept in thousandths and never reaches the excluded 0
    expect(sanitizeSettings({ t0: 0.001 }).t0).toBe(0.001);
    expect(sanitizeSettings({ t0: 0.0001 }).t0).toBe(0.001);
    expect(sanitizeSettings({ steps: 12.6 }).steps).toBe(13);
  });
  test('valid settings pass unchanged', () => {
    const good = { ...DEFAULT_SETTINGS, t0: 0.42, sampler: 'ddpm' as const, seedMode: 'fixed' as const, size: 512, model: 'big' };
    expect(sanitizeSettings(good)).toEqual(good);
    for (const sampler of SAMPLER_CHOICES) expect(sanitizeSettings({ ...good, sampler }).sampler).toBe(sampler);
  });
  test('working size: a multiple of 8 within LIMITS.size (8–4096)', () => {
    expect(validSize(64)).toBe(64);
    expect(validSize(301)).toBe(304);
    expect(validSize(4)).toBe(8);
    expect(validSize(9999)).toBe(4096);
  });
  test('typed t0 accepts (0, 1] only', () => {
    expect(parseT0('0.45')).toBe(0.45);
    expect(parseT0('.3')).toBe(0.3);
    expect(parseT0('0,6')).toBe(0.6);
    expect(parseT0(' 1 ')).toBe(1);
    for (const bad of ['0', '0.0', '1.01', '-0.2', 'abc', '', '1e-1', '0.5.1']) expect(parseT0(bad)).toBeNull();
  });
  test('settings-loaded sanitizes and marks loaded; set patches are validated', () => {
    let s = run(initialState(), { type: 'settings-loaded', settings: { ...DEFAULT_SETTINGS, t0: 0.3, steps: -4 } });
    expect(s.settingsLoaded).toBe(true);
    expect(s.settings.t0).toBe(0.3);
    expect(s.settings.steps).toBe(1);
    s = run(s, { type: 'set', patch: { variations: 17, t0: 0.35 } });
    expect(s.settings.variations).toBe(4);
    expect(s.settings.t0).toBe(0.35);
  });
});

describe('selection', () => {
  test('mode comes from the first job; nothing selected is guidance, not a problem', () => {
    let s = initialState();
    expect(selectionMode(s.selection)).toBeNull();
    s = run(s, { type: 'selection', jobs: [], problems: [{ code: 'nothing-selected', message: 'Select a frame.' }], rerun: null });
    expect(selectionMode(s.selection)).toBeNull();
    expect(visibleProblems(s.selection)).toEqual([]);
    s = run(s, { type: 'selection', jobs: [job('composite')], problems: [{ code: 'too-large', message: 'Too big, scaled down.' }], rerun: null });
    expect(selectionMode(s.selection)).toBe('composite');
    expect(visibleProblems(s.selection).map((p) => p.code)).toEqual(['too-large']);
    expect(s.selection.version).toBe(2);
  });
  test('a selected result offers its parameters', () => {
    let s = run(initialState(), {
      type: 'selection',
      jobs: [job()],
      problems: [],
      rerun: { params: params(77, { t0: 0.62, steps: 40, sampler: 'ddpm' }), sourceNodeId: 'n', resultNodeId: 'r' },
    });
    s = run(s, { type: 'use-rerun-params' });
    expect(s.settings).toMatchObject({ t0: 0.62, steps: 40, sampler: 'ddpm', seed: 77, seedMode: 'fixed' });
  });
});

describe('runs and history', () => {
  test('seed modes', () => {
    expect(seedForRun({ ...DEFAULT_SETTINGS, seedMode: 'fixed', seed: 5 }, () => 0.5)).toBe(5);
    expect(seedForRun({ ...DEFAULT_SETTINGS, seedMode: 'increment', seed: 5 }, () => 0.5)).toBe(5);
    expect(seedForRun({ ...DEFAULT_SETTINGS, seedMode: 'random', seed: 5 }, () => 0.25)).toBe(Math.floor(0.25 * (2 ** 31 - 1)));
  });
  test('random mode shows the seed it used', () => {
    let s = run(initialState(), { type: 'set', patch: { seedMode: 'random' } });
    s = run(s, { type: 'run-start', runId: 1, jobCount: 1, seed: 1234 });
    expect(s.settings.seed).toBe(1234);
  });
  test('progress of a stale run is ignored; results go to history and gallery', () => {
    let s = run(initialState(), { type: 'run-start', runId: 2, jobCount: 1, seed: 1 });
    s = run(s, { type: 'run-progress', runId: 1, progress: { step: 9, total: 10, msPerStep: 5 } });
    expect(s.run.step).toBe(0);
    const png = new Uint8Array([1, 2]);
    s = run(s, { type: 'run-progress', runId: 2, progress: { step: 3, total: 10, msPerStep: 12, previewPng: png } });
    expect(s.run).toMatchObject({ status: 'running', step: 3, total: 10, msPerStep: 12, previewPng: png });
    s = run(s, { type: 'run-progress', runId: 2, progress: { step: 4, total: 10, msPerStep: 0 } });
    expect(s.run.previewPng).toBe(png); // kept until the next preview
    expect(s.run.msPerStep).toBe(12);
    s = run(s, result(2, [1, 2]), { type: 'run-end', runId: 2, outcome: 'done' });
    expect(s.run.status).toBe('idle');
    expect(s.history).toHaveLength(1);
    expect(galleryItems(s).map((g) => g.index)).toEqual([0, 1]);
    s = run(s, result(1, [9])); // a stale result is dropped
    expect(s.history).toHaveLength(1);
  });
  test('cancel and failure', () => {
    let s = run(initialState(), { type: 'run-start', runId: 1, jobCount: 1, seed: 1 }, { type: 'run-cancel-requested', runId: 1 });
    expect(s.run.status).toBe('cancelling');
    s = run(s, { type: 'run-end', runId: 1, outcome: 'cancelled' });
    expect(s.run).toMatchObject({ status: 'idle', last: 'cancelled' });
    expect(s.status).toMatch(/Cancelled/);
    s = run(s, { type: 'run-start', runId: 2, jobCount: 1, seed: 1 }, { type: 'run-end', runId: 2, outcome: 'failed', error: { message: 'm', hint: 'h' } });
    expect(s.error).toEqual({ message: 'm', hint: 'h' });
    s = run(s, { type: 'run-start', runId: 3, jobCount: 1, seed: 1 });
    expect(s.error).toBeNull();
  });
  test('history is newest first, capped, and any entry can be shown again', () => {
    let s = initialState();
    for (let r = 1; r <= MAX_HISTORY + 3; r++) s = run(s, { type: 'run-start', runId: r, jobCount: 1, seed: r }, result(r, [r]), { type: 'run-end', runId: r, outcome: 'done' });
    expect(s.history).toHaveLength(MAX_HISTORY);
    expect(s.history[0].params[0].seed).toBe(MAX_HISTORY + 3);
    const old = s.history[5];
    s = run(s, { type: 'show-entry', id: old.id });
    expect(galleryItems(s)).toEqual([{ entry: old, index: 0 }]);
    expect(run(s, { type: 'show-entry', id: -1 })).toBe(s);
  });
  test('several frames in one Generate all land in the gallery', () => {
    const s = run(initialState(), { type: 'run-start', runId: 1, jobCount: 2, seed: 1 }, result(1, [1, 2], 'a'), result(1, [1, 2], 'b'));
    expect(galleryItems(s).map((g) => `${g.entry.job.jobId}:${g.index}`)).toEqual(['a:0', 'a:1', 'b:0', 'b:1']);
  });
});

describe('apply', () => {
  function withResult(seedMode: 'increment' | 'fixed') {
    return run(
      initialState(),
      { type: 'set', patch: { seedMode, seed: 10, variations: 2 } },
      { type: 'run-start', runId: 1, jobCount: 1, seed: 10 },
      result(1, [10, 11]),
      { type: 'run-end', runId: 1, outcome: 'done' },
    );
  }
  test('increment after apply moves past the seeds used, once the apply has landed', () => {
    let s = withResult('increment');
    s = run(s, { type: 'apply-requested', entryId: s.history[0].id, index: 1, placement: 'new-node' });
    expect(s.settings.seed).toBe(10); // not yet: the apply may still fail
    s = run(s, { type: 'applied', jobId: 'job-1', nodeName: 'Frame · SDEdit', placement: 'new-node' });
    expect(s.settings.seed).toBe(12);
    const fixed = run(withResult('fixed'), { type: 'apply-requested', entryId: 1, index: 0, placement: 'new-node' });
    expect(run(fixed, { type: 'applied', jobId: 'job-1', nodeName: 'F', placement: 'new-node' }).settings.seed).toBe(10);
  });
  test('a failed apply leaves the seed where it was', () => {
    let s = withResult('increment');
    s = run(s, { type: 'apply-requested', entryId: s.history[0].id, index: 0, placement: 'new-node' });
    s = run(s, { type: 'problem', problem: { code: 'apply-failed', message: 'The frame is gone.' }, jobId: 'job-1' });
    expect(s.settings.seed).toBe(10);
  });
  test('a second Apply of the same variation while the first is pending is ignored; one already placed says so', () => {
    let s = withResult('increment');
    const once = run(s, { type: 'apply-requested', entryId: s.history[0].id, index: 0, placement: 'new-node' });
    expect(run(once, { type: 'apply-requested', entryId: s.history[0].id, index: 0, placement: 'new-node' })).toBe(once);
    s = run(once, { type: 'applied', jobId: 'job-1', nodeName: 'F', placement: 'new-node' });
    expect(s.settings.seed).toBe(12);
    s = run(s, { type: 'apply-requested', entryId: s.history[0].id, index: 0, placement: 'new-node' });
    s = run(s, { type: 'applied', jobId: 'job-1', nodeName: 'F', placement: 'new-node', existing: true });
    expect(s.status).toBe('“F” is already on the canvas.');
    expect(s.settings.seed).toBe(12); // nothing new landed
    expect(s.history[0].applied).toHaveLength(1);
    expect(s.pendingApplies).toEqual([]);
  });
  test('applied confirms and records which variation went where', () => {
    let s = withResult('fixed');
    s = run(s, { type: 'apply-requested', entryId: s.history[0].id, index: 1, placement: 'replace' });
    expect(s.pendingApplies).toHaveLength(1);
    s = run(s, { type: 'applied', jobId: 'job-1', nodeId: 'n2', nodeName: 'Frame · SDEdit', placement: 'replace' } as Action);
    expect(s.pendingApplies).toHaveLength(0);
    expect(s.history[0].applied).toEqual([{ index: 1, placement: 'replace', nodeName: 'Frame · SDEdit' }]);
    expect(s.status).toBe('Replaced with “Frame · SDEdit”.');
  });
  test('a problem from the sandbox becomes an inline error with its words', () => {
    let s = withResult('fixed');
    s = run(s, { type: 'apply-requested', entryId: s.history[0].id, index: 0, placement: 'new-node' });
    s = run(s, { type: 'problem', problem: { code: 'apply-failed', message: 'The image could not be placed.' }, jobId: 'job-1' });
    expect(s.error?.message).toBe('The image could not be placed.');
    expect(s.error?.hint).toMatch(/Apply/);
    expect(s.pendingApplies).toHaveLength(0);
  });
  test('a failed apply ends the pending apply of its own job, not the oldest one', () => {
    let s = run(
      initialState(),
      { type: 'run-start', runId: 1, jobCount: 2, seed: 1 },
      result(1, [1], 'a'),
      result(1, [1], 'b'),
      { type: 'run-end', runId: 1, outcome: 'done' },
    );
    const entryOf = (jobId: string) => s.history.find((h) => h.job.jobId === jobId)?.id ?? -1;
    s = run(s, { type: 'apply-requested', entryId: entryOf('a'), index: 0, placement: 'new-node' });
    s = run(s, { type: 'apply-requested', entryId: entryOf('b'), index: 0, placement: 'new-node' });
    expect(s.pendingApplies.map((p) => p.jobId)).toEqual(['a', 'b']);
    s = run(s, { type: 'problem', problem: { code: 'apply-failed', message: 'The frame is gone.' }, jobId: 'b' });
    expect(s.pendingApplies.map((p) => p.jobId)).toEqual(['a']);
    // a problem tied to no apply leaves the pending ones alone
    s = run(s, { type: 'problem', problem: { code: 'settings-failed', message: 'Storage is full.' }, jobId: null });
    expect(s.pendingApplies.map((p) => p.jobId)).toEqual(['a']);
    s = run(s, { type: 'applied', jobId: 'a', nodeName: 'Frame a · SDEdit', placement: 'new-node' });
    expect(s.pendingApplies).toEqual([]);
  });
  test('apply of an unknown entry does nothing', () => {
    const s = initialState();
    expect(reducer(s, { type: 'apply-requested', entryId: 3, index: 0, placement: 'new-node' })).toBe(s);
  });
});

describe('notices and errors', () => {
  test('a notice is shown once a session, even when the runtime reports it again after a dismiss', () => {
    let s = initialState();
    const fallback: Action = { type: 'notice', notice: { level: 'info', message: 'Running on the panel’s thread.' } };
    s = run(s, fallback, fallback);
    expect(s.notices).toHaveLength(1);
    s = run(s, { type: 'dismiss-notice', id: s.notices[0].id }, fallback);
    expect(s.notices).toHaveLength(0);
  });
  test('when the model could not load, no hint sends the user to the disabled Generate button', () => {
    const codes = ['out-of-memory', 'device-lost', 'no-webgpu', 'no-adapter', 'unknown', 'csp-wasm', 'invalid-pack'] as const;
    for (const code of codes) {
      const words = errorToUi(new EngineError(code, `failed: ${code}`), 'load');
      expect([code, /Generate/.test(words.hint)]).toEqual([code, false]);
    }
    // the CSP block says what the user can do
    expect(errorToUi(new EngineError('csp-wasm', 'WebAssembly is blocked'), 'load').hint).toMatch(/desktop app/);
    expect(errorToUi(undefined, 'load').message).toBe('The model could not be loaded.');
  });
  test('notices are capped and dismissable', () => {
    let s = initialState();
    for (let i = 0; i < 5; i++) s = run(s, { type: 'notice', notice: { level: 'warning', message: `n${i}` } });
    expect(s.notices.map((n) => n.message)).toEqual(['n2', 'n3', 'n4']);
    s = run(s, { type: 'dismiss-notice', id: s.notices[0].id });
    expect(s.notices.map((n) => n.message)).toEqual(['n3', 'n4']);
  });
  test('engine errors are put in a designer’s words with what to do, by their code', () => {
    expect(errorToUi(new EngineError('out-of-memory', 'WebGPU: out of memory')).hint).toMatch(/smaller working size/);
    expect(errorToUi(new EngineError('invalid-pack', 'model file model.onnx has sha256 1234…')).hint).toMatch(/default model/);
    expect(errorToUi(new EngineError('invalid-model', 'The model file is damaged')).hint).toMatch(/default model/);
    expect(errorToUi(new EngineError('invalid-png', 'The image from Figma could not be decoded')).message).toMatch(/could not be read as an image/);
    // a coded message that already says what happened is kept as it is
    const empty = errorToUi(new EngineError('empty-mask', 'The mask is empty: nothing would change.'));
    expect(empty.message).toBe('The mask is empty: nothing would change.');
    expect(empty.hint).toMatch(/Mask layers/);
    // a code that crossed the worker boundary on a plain Error still counts
    expect(errorToUi(Object.assign(new Error('x'), { code: 'out-of-memory' })).message).toMatch(/ran out of memory/);
    // without a code the words are generic: the message text is not parsed
    const generic = errorToUi(new Error('kaboom: out of memory'));
    expect(generic.message).toBe('Something went wrong: kaboom: out of memory');
    expect(generic.hint).toMatch(/Generate/);
    expect(errorToUi(undefined).message).toMatch(/went wrong/);
  });
});
