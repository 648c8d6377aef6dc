/**
 * @jest-environment ./test/ui/jsdom-env.js
 */
// The pack card's download part in jsdom: the catalogue and the field are there, the note says a
// download lasts one plugin session (or where hosted mode keeps it), what cannot be a pack is
// refused in words before any request, and the progress line reads bytes, speed and time left.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { App } from '../../src/ui/app';
import { formatDuration, progressText } from '../../src/ui/panel/pack-url';
import { FakeBridge, FakeEngine } from './fake-engine';
import { usePanelDom } from './dom';

const dom = usePanelDom();
const { must, tick } = dom;

async function mount(props: Partial<Parameters<typeof App>[0]> = {}) {
  const engine = new FakeEngine();
  const bridge = new FakeBridge();
  await act(() => render(<App engine={engine} bridge={bridge} {...props} />, dom.root));
  await tick();
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false } }));
  await tick();
  return { engine, bridge };
}

test('the catalogue, the repo field and the session note; a typed non-pack is refused in words', async () => {
  const { engine } = await mount();
  expect(must('catalogue-sd-turbo').textContent).toMatch(/SD-Turbo .* · about 2\.\d\d GB/);
  expect(must('catalogue-lcm-dreamshaper-v7').textContent).toContain('LCM');
  expect(must('pack-url-keep').textContent).toBe('Downloaded once per plugin session; pick a folder to keep it offline.');
  expect(must<HTMLButtonElement>('pack-url-find').disabled).toBe(true);
  const input = must<HTMLInputElement>('pack-url-input');
  await act(() => {
    input.value = 'sd turbo please';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await act(() => must('pack-url-find').click());
  await tick();
  expect(must('pack-error').textContent).toContain('“sd turbo please” is not a repo or an address');
  expect(engine.packs).toEqual([]);
});

test('a later session whose last pack came from the catalogue offers to find it again', async () => {
  const { bridge } = await mount();
  await act(() => bridge.emit({ type: 'pack-prefs', prefs: { pack: 'sd-turbo', prompts: [], accepted: ['sd-turbo'] } }));
  expect(must('pack-last').textContent).toContain('“sd-turbo”');
  expect(must('pack-last-find').textContent).toBe('Find it in the catalogue');
  await act(() => bridge.emit({ type: 'pack-prefs', prefs: { pack: 'my-folder', prompts: [], accepted: [] } }));
  expect(dom.$('pack-last-find')).toBeNull();
});

test('with a hosted-mode cache the note says where downloads are kept', async () => {
  await mount({ packCache: { kind: 'this browser’s storage', get: async () => undefined, put: async () => undefined } });
  expect(must('pack-url-keep').textContent).toBe('Downloaded once and kept in this browser’s storage.');
});

test('the progress line: bytes of the total, speed, time left', () => {
  expect(progressText(null, 2.58e9)).toBe('0 B of 2.40 GB · starting…');
  expect(progressText({ loaded: 12.3 * 1024 ** 2, total: 2.58e9, bytesPerSecond: 4.1 * 1024 ** 2, secondsLeft: 540, file: 'unet/model.onnx', index: 3, count: 12 }, 2.58e9)).toBe('12.3 MB of 2.40 GB · 4.1 MB/s · 9 min left');
  expect(formatDuration(0.2)).toBe('1 s left');
  expect(formatDuration(7200)).toBe('2.0 h left');
  expect(formatDuration(null)).toBe('');
});
