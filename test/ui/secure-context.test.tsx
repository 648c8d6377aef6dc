/**
 * @jest-environment ./test/ui/jsdom-env.js
 */
// WebGPU needs a secure context: the panel says so plainly when Figma's iframe is not one (a data:
// URL) and points at hosted mode; it says nothing where WebGPU is there or the page is secure.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { App } from '../../src/ui/app';
import { secureContextNotice, type PageContext } from '../../src/ui/panel/secure-context';
import { FakeBridge, FakeEngine } from './fake-engine';
import { usePanelDom } from './dom';

const dom = usePanelDom();

const inlineDataUrl: PageContext = { isSecureContext: false, hasGpu: false, protocol: 'data:', hosted: false };

describe('secureContextNotice', () => {
  test('a data: iframe: not a secure context, hosted mode fixes it', () => {
    const n = secureContextNotice(inlineDataUrl);
    expect(n?.level).toBe('warning');
    expect(n?.message).toMatch(/WebGPU is unavailable: Figma opened this plugin window from a data: URL, which is not a secure context.*Hosted mode/);
  });

  test('a hosted page over plain http: serve it over https', () => {
    const n = secureContextNotice({ isSecureContext: false, hasGpu: false, protocol: 'http:', hosted: true });
    expect(n?.message).toMatch(/served over http, which is not a secure context.*over https/);
  });

  test('nothing to say where WebGPU is there, the page is secure, or the environment does not tell', () => {
    expect(secureContextNotice({ ...inlineDataUrl, hasGpu: true })).toBeNull();
    expect(secureContextNotice({ isSecureContext: true, hasGpu: false, protocol: 'about:', hosted: false })).toBeNull();
    expect(secureContextNotice({ ...inlineDataUrl, isSecureContext: undefined })).toBeNull();
  });
});

test('the panel shows the notice once on a page that is not a secure context, and not on a secure one', async () => {
  await act(() => render(<App engine={new FakeEngine()} bridge={new FakeBridge()} page={inlineDataUrl} />, dom.root));
  await dom.tick();
  expect(dom.must('notice').textContent).toContain('not a secure context');
  expect(dom.must('notice').textContent).toContain('Hosted mode');
  await act(() => render(null, dom.root));

  await act(() => render(<App engine={new FakeEngine()} bridge={new FakeBridge()} page={{ ...inlineDataUrl, isSecureContext: true }} />, dom.root));
  await dom.tick();
  expect(dom.$('notice')).toBeNull();
});
