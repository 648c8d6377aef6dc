/**
 * @jest-environment ./test/ui/jsdom-env.js
 */
// The pack card and the prompt card in jsdom with a fake engine: a picked folder goes to the
// engine, its recommended settings become the panel's, the prompt reaches the run request, a
// non-commercial licence is accepted once, and the built-in pack gives the settings back.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { parseBetaConfig, parseSchedulerConfig } from '../../src/core';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { packSignalKept } from '../../src/ui/panel/pack-signal';
import { App } from '../../src/ui/app';
import type { ModelInfo } from '../../src/ui/runtime/engine-api';
import { FakeBridge, FakeEngine, MODEL } from './fake-engine';
import { usePanelDom } from './dom';
import { job } from './fixtures';

const dom = usePanelDom();
const { $, must, tick } = dom;


/** SD-Turbo's scheduler_config.json (the fields that matter). */
const TURBO_SCHEDULER = JSON.stringify({
  _class_name: 'EulerDiscreteScheduler',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  timestep_spacing: 'trailing',
  steps_offset: 1,
});

const LATENT: ModelInfo = {
  name: 'sd-turbo',
  bytes: 2.6e9,
  source: 'folder',
  multiple: 64,
  sde: 'vp',
  latent: {
    pipeline: 'StableDiffusionPipeline',
    scheduler: 'EulerDiscreteScheduler',
    schedule: { betas: parseBetaConfig(TURBO_SCHEDULER, 'scheduler_config.json'), scheduler: parseSchedulerConfig(TURBO_SCHEDULER, 'scheduler_config.json') },
    usesText: true,
    precision: 'fp16',
    backend: 'wasm',
    whyNotGpu: "this graphics card has no shader-f16 (float16 shaders), which this fp16 pack's float16 tensors need on WebGPU",
    deviceNotes: ['this computer reports about 4 GB of memory and the pack needs at least 5.4 GB: it may run out of memory'],
    largestTensorBytes: 101e6,
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

test('a pack made active before the built-in model has loaded stays the panel\'s model when that load ends', async () => {
  const engine = new FakeEngine();
  let builtInLoaded: (r: { backend: 'wasm'; model: ModelInfo }) => void = () => undefined;
  engine.loadResult = new Promise((resolve) => (builtInLoaded = resolve));
  engine.packResult = async () => ({ backend: 'wasm', model: LATENT });
  const bridge = new FakeBridge();
  await act(() => render(<App engine={engine} bridge={bridge} />, dom.root));
  await tick();
  await pick();
  expect(must('pack-info').textContent).toContain('sd-turbo');
  await act(() => builtInLoaded({ backend: 'wasm', model: MODEL }));
  await tick();
  expect(must('pack-info').textContent).toContain('sd-turbo');
  expect(must('prompt-card')).not.toBeNull();
});

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
  expect(info).toContain('from a folder · runs on WASM fp16');
  expect(info).toContain('2.70 GB at 512 px');
  // why not WebGPU, and the device check's warnings
  const device = must('pack-device').textContent ?? '';
  expect(device).toContain('Not on WebGPU: this graphics card has no shader-f16');
  expect(device).toContain('Note: this computer reports about 4 GB of memory');
  expect(must<HTMLInputElement>('t0-input').value).toBe('0.60');
  expect(must<HTMLInputElement>('guidance-input').value).toBe('0');
  expect(must('pack-t0-note').textContent).toContain('strength');
  // the signal kept comes from the pack's own scheduler: strength 0.6 with 3 trailing steps runs
  // one step, from timestep 332; and there is no Auto t0 for a latent pack, with the reason
  const kept = packSignalKept(LATENT.latent!.schedule, 0.6, 3);
  expect(kept.timestep).toBe(332);
  expect(must('signal-kept').textContent).toBe(`t0 0.60 keeps ${Math.round(kept.kept * 100)}% of the guide's signal`);
  expect(must('signal-kept').getAttribute('title')).toContain('timestep 332 of 1000 (EulerDiscreteScheduler, 3 steps)');
  const autoBtn = must<HTMLButtonElement>('t0-auto');
  expect(autoBtn.getAttribute('aria-disabled')).toBe('true');
  expect(autoBtn.title).toContain('latent packs come without one');
  const runsBefore = engine.runs.length;
  await act(() => autoBtn.click());
  await tick();
  expect(engine.runs.length).toBe(runsBefore);

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

test('a pack the device check refuses: its message says what would make it run, the pack in use stays', async () => {
  const { engine } = await mount();
  const message =
    "“sd-turbo” cannot load here: its largest part (3.5 GB) goes through ONNX Runtime's WebAssembly memory while it loads, on WebGPU as on the CPU, and with ONNX Runtime's own needs that is about 4.3 GB, more than the 3.2 GB the panel can use. What would make it run: a smaller pack (an fp16 copy halves it), or the sdedit command (…).";
  engine.packResult = async () => {
    throw Object.assign(new Error(message), { code: 'device-unfit' });
  };
  await pick();
  const shown = must('pack-error').textContent ?? '';
  expect(shown).toContain(message);
  expect(shown).toContain('The model in use stays as it was');
  expect($('prompt-card')).toBeNull();
  expect(must('pack-info').textContent).toContain('built in');
});
