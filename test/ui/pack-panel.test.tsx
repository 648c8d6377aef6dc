/**
 * @jest-environment jsdom
 */
// The pack card and the prompt card in jsdom with a fake engine: a picked folder goes to the
// engine, its recommended settings become the panel's, the prompt reaches the run request, a
// non-commercial licence is accepted once, and the built-in pack gives the settings back.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { App } from '../../src/ui/app';
import type { ModelInfo } from '../../src/ui/runtime/engine-api';
import { FakeBridge, FakeEngine, MODEL } from './fake-engine';
import { usePanelDom } from './dom';
import { job } from './fixtures';

const dom = usePanelDom();
const { $, must, tick } = dom;


const LATENT: ModelInfo = {
  name: 'sd-turbo',
  bytes: 2.6e9,
  source: 'folder',
  multiple: 64,
  sde: 'vp',
  latent: {
    pipeline: 'StableDiffusionPipeline',
    scheduler: 'EulerDiscreteScheduler',
    usesText: true,
    precision: 'fp16',
    backend: 'wasm',
    nativeSize: 512,
    staticSize: null,
    memoryBytes: 2.9e9,
    recommended: { steps: 3, t0: 0.6, guidance: 0 },
    license: { id: 'sai-nc-community' },
  },
};

function pickedFiles(): File[] {
  return ['model_index.json', 'unet/model.onnx'].map((p) => {
    const bytes = Uint8Array.from(p, (c) => c.charCodeAt(0));
    const f = new File([bytes], p.slice(p.lastIndexOf('/') + 1));
    Object.defineProperty(f, 'webkitRelativePath', { value: `sd-turbo/${p}` });
    // jsdom's File has no arrayBuffer()
    Object.defineProperty(f, 'arrayBuffer', { value: async () => bytes.buffer });
    return f;
  });
}

async function mount() {
  const engine = new FakeEngine();
  engine.packResult = async () => ({ backend: 'wasm', model: LATENT });
  const bridge = new FakeBridge();
  await act(() => render(<App engine={engine} bridge={bridge} />, dom.root));
  await tick();
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false, seedMode: 'fixed', seed: 7 } }));
  await act(() => bridge.emit({ type: 'selection', jobs: [job('mask-edit')], problems: [], rerun: null }));
  await tick();
  return { engine, bridge };
}

async function pick() {
  const input = must<HTMLInputElement>('pack-folder-input');
  expect(input.hasAttribute('webkitdirectory')).toBe(true);
  Object.defineProperty(input, 'files', { value: pickedFiles(), configurable: true });
  await act(() => void input.dispatchEvent(new Event('change', { bubbles: true })));
  await tick();
  await tick();
}

test('a picked folder: pack info, recommended settings, licence accepted once, the prompt in the run and the history', async () => {
  const { engine, bridge } = await mount();
  expect(bridge.ofType('load-pack-prefs')).toHaveLength(1);
  expect($('prompt-card')).toBeNull();
  expect(must('pack-info').textContent).toContain('built in');

  await pick();
  const folder = engine.packs.at(-1);
  expect(folder?.kind).toBe('folder');
  expect(folder?.kind === 'folder' && [...folder.files.keys()]).toEqual(['model_index.json', 'unet/model.onnx']);
  expect(folder?.kind === 'folder' && folder.name).toBe('sd-turbo');
  const info = must('pack-info').textContent ?? '';
  expect(info).toContain('sd-turbo');
  expect(info).toContain('fp16');
  expect(info).toContain('runs on WASM');
  expect(info).toContain('2.70 GB at 512 px');
  expect(must<HTMLInputElement>('t0-input').value).toBe('0.60');
  expect(must<HTMLInputElement>('guidance-input').value).toBe('0');
  expect(must('pack-t0-note').textContent).toContain('strength');

  // non-commercial: Generate waits for the acceptance, which is stored
  expect(must('pack-license').textContent).toContain('does not allow commercial use');
  expect(must<HTMLButtonElement>('generate').disabled).toBe(true);
  await act(() => must('pack-license-accept').click());
  expect(bridge.ofType('save-pack-prefs').at(-1)?.prefs).toMatchObject({ pack: 'sd-turbo', accepted: ['sd-turbo'] });
  expect(must<HTMLButtonElement>('generate').disabled).toBe(false);
  expect($('pack-license-accept')).toBeNull();

  const prompt = must<HTMLInputElement>('prompt-input');
  await act(() => {
    prompt.value = 'a lake at dawn';
    prompt.dispatchEvent(new Event('input', { bubbles: true }));
    const neg = must<HTMLInputElement>('negative-input');
    neg.value = 'blurry';
    neg.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await act(() => must('generate').click());
  await tick();
  const run = engine.fullRuns[0];
  expect(run.req.text).toEqual({ prompt: 'a lake at dawn', negative: 'blurry', guidance: 0 });
  expect(run.req.settings).toMatchObject({ t0: 0.6, steps: 3 });
  expect(bridge.ofType('save-pack-prefs').at(-1)?.prefs.prompts).toEqual(['a lake at dawn']);
  run.resolve();
  await tick();

  // back to the built-in pack: no prompt, the settings from before the folder
  engine.loadResult = Promise.resolve({ backend: 'wasm', model: MODEL });
  await act(() => must('pack-use-default').click());
  await tick();
  expect(engine.packs.at(-1)).toEqual({ kind: 'embedded' });
  expect($('prompt-card')).toBeNull();
  expect(must<HTMLInputElement>('t0-input').value).toBe('0.50');
  expect(bridge.ofType('save-pack-prefs').at(-1)?.prefs.pack).toBe('default');
  // a later session whose last pack was a folder: it asks for the folder again
  expect($('pack-last')).toBeNull();
  await act(() => bridge.emit({ type: 'pack-prefs', prefs: { pack: 'sd-turbo', prompts: ['a lake at dawn'], accepted: ['sd-turbo'] } }));
  expect(must('pack-last').textContent).toContain('pick its folder again');
  expect(dom.root.querySelectorAll('[data-testid="prompt-history"] option')).toHaveLength(0); // no prompt card for the built-in pack
});

test('the embedded pack sends no text; a folder the engine refuses leaves the embedded pack active', async () => {
  const { engine } = await mount();
  engine.packResult = async () => {
    throw Object.assign(new Error('unet/model.onnx is missing'), { code: 'invalid-pack' });
  };
  await pick();
  expect(must('pack-error').textContent).toContain('unet/model.onnx is missing');
  expect(must('pack-error').textContent).toContain('The model in use stays as it was');
  expect($('prompt-card')).toBeNull();
  await act(() => must('generate').click());
  await tick();
  expect(engine.fullRuns[0].req.text).toBeUndefined();
});

test('a folder picked while the built-in pack is still loading stays active when that load ends', async () => {
  const engine = new FakeEngine();
  let embeddedDone: (r: { backend: 'wasm'; model: ModelInfo }) => void = () => undefined;
  engine.loadResult = new Promise((resolve) => (embeddedDone = resolve));
  engine.packResult = async () => ({ backend: 'wasm', model: LATENT });
  const bridge = new FakeBridge();
  await act(() => render(<App engine={engine} bridge={bridge} />, dom.root));
  await tick();
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false, seedMode: 'fixed', seed: 7 } }));
  await act(() => bridge.emit({ type: 'selection', jobs: [job('mask-edit')], problems: [], rerun: null }));
  await tick();
  await pick();
  expect(must('pack-info').textContent).toContain('sd-turbo');
  await act(async () => embeddedDone({ backend: 'wasm', model: MODEL }));
  await tick();
  expect(must('pack-info').textContent).toContain('sd-turbo');
  expect($('prompt-card')).not.toBeNull();
});
