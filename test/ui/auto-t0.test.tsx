/**
 * @jest-environment ./test/ui/jsdom-env.js
 */
// The t0 control's "Auto": asks the engine for a preview-size run with autoT0, moves the slider
// to the t0 it used and marks it; dragging still works; a new selection forgets the suggestion.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { App } from '../../src/ui/app';
import { FakeBridge, FakeEngine } from './fake-engine';
import { usePanelDom } from './dom';
import { job } from './fixtures';

const dom = usePanelDom();
const { must, tick } = dom;


test('Auto moves the slider to the suggestion and marks it; the slider can still be dragged', async () => {
  const engine = new FakeEngine();
  const bridge = new FakeBridge();
  await act(() => render(<App engine={engine} bridge={bridge} />, dom.root));
  await tick();
  await act(() => bridge.emit({ type: 'settings', settings: { ...DEFAULT_SETTINGS, livePreview: false, seedMode: 'fixed', seed: 7 } }));
  await tick();
  expect(must<HTMLButtonElement>('t0-auto').disabled).toBe(true); // nothing selected yet

  await act(() => bridge.emit({ type: 'selection', jobs: [job('mask-edit')], problems: [], rerun: null }));
  await tick();
  const auto = must<HTMLButtonElement>('t0-auto');
  expect(auto.disabled).toBe(false);
  await act(() => auto.click());
  await tick();
  expect(engine.runs).toHaveLength(1);
  const run = engine.runs[0];
  expect(run.req).toMatchObject({ preview: true, autoT0: true, jobId: 'job-1' });
  expect(auto.disabled).toBe(true); // busy
  await act(() => run.resolve({ params: [{ ...run.req.settings, t0: 0.37, seed: 7, size: 64, model: 'default', mode: 'mask-edit' }] }));
  await tick();

  const slider = must<HTMLInputElement>('t0-slider');
  expect(Number(slider.value)).toBeCloseTo(0.37, 10);
  expect(must<HTMLInputElement>('t0-input').value).toBe('0.37');
  expect(auto.getAttribute('aria-pressed')).toBe('true');
  expect(must('t0-auto-mark').title).toBe('Suggested t0 0.37');
  expect(must('signal-kept').textContent).toContain('suggested for this selection');

  // drag away: the mark stays where the suggestion was, the button is no longer "on"
  await act(() => {
    slider.value = '0.6';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  });
  expect(Number(slider.value)).toBeCloseTo(0.6, 10);
  expect(auto.getAttribute('aria-pressed')).toBe('false');
  expect(must('t0-auto-mark')).toBeTruthy();

  // a new selection forgets the suggestion
  await act(() => bridge.emit({ type: 'selection', jobs: [job('synthesis')], problems: [], rerun: null }));
  await tick();
  expect(dom.root.querySelector('[data-testid="t0-auto-mark"]')).toBeNull();
});
