// The bridge's envelope depends on how the page was loaded: inline in Figma's iframe (origin
// "null": `{ pluginMessage }`) or hosted on its own origin (`{ pluginMessage, pluginId }`).
import { applyHostedTheme, envelope, figmaBridge, uiHost } from '../../src/ui/panel/bridge';

function fakeWindow(origin: string, search = '') {
  const posted: { data: unknown; target: string }[] = [];
  const listeners = new Set<(e: MessageEvent) => void>();
  const win = {
    origin,
    location: { search },
    parent: { postMessage: (data: unknown, target: string) => posted.push({ data, target }) },
    addEventListener: (_: string, fn: (e: MessageEvent) => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: (e: MessageEvent) => void) => listeners.delete(fn),
  };
  const deliver = (data: unknown) => listeners.forEach((fn) => fn({ data } as MessageEvent));
  return { win: win as unknown as Window, posted, deliver, listeners };
}

describe('figmaBridge', () => {
  test("inline (Figma's srcdoc/data: iframe, origin null): { pluginMessage } to the parent", () => {
    const { win, posted } = fakeWindow('null', '');
    expect(uiHost(win)).toEqual({ kind: 'inline' });
    figmaBridge(win).post({ type: 'ready' });
    expect(posted).toEqual([{ data: { pluginMessage: { type: 'ready' } }, target: '*' }]);
  });

  test('hosted (a page of its own origin): the plugin id from the page URL rides along', () => {
    const { win, posted } = fakeWindow('https://sdedit.example', '?pluginId=1234567890');
    expect(uiHost(win)).toEqual({ kind: 'hosted', origin: 'https://sdedit.example', pluginId: '1234567890', theme: null });
    figmaBridge(win).post({ type: 'ready' });
    expect(posted).toEqual([{ data: { pluginMessage: { type: 'ready' }, pluginId: '1234567890' }, target: '*' }]);
  });

  test("hosted without an id in the URL: pluginId '*' (as Figma's hosted-UI template posts)", () => {
    const { win } = fakeWindow('http://localhost:8080', '');
    const host = uiHost(win);
    expect(envelope(host, { type: 'ready' })).toEqual({ pluginMessage: { type: 'ready' }, pluginId: '*' });
  });

  test('incoming: known sandbox messages reach the listener in both modes; others are dropped; unsubscribe works', () => {
    for (const origin of ['null', 'https://sdedit.example']) {
      const { win, deliver, listeners } = fakeWindow(origin);
      const got: unknown[] = [];
      const off = figmaBridge(win).listen((m) => got.push(m));
      deliver({ pluginMessage: { type: 'pack-prefs', prefs: null } });
      deliver({ pluginMessage: { type: 'not-a-message' } });
      deliver('text');
      deliver(null);
      expect(got).toEqual([{ type: 'pack-prefs', prefs: null }]);
      off();
      expect(listeners.size).toBe(0);
    }
  });
});

describe('applyHostedTheme', () => {
  const root = () => ({ classes: new Set<string>(), get classList() { const c = this.classes; return { add: (x: string) => c.add(x) }; } });
  test("hosted: Figma's theme from the page URL becomes the html class; anything else is ignored", () => {
    const dark = root();
    applyHostedTheme(dark as unknown as HTMLElement, uiHost(fakeWindow('https://h.example', '?pluginId=1&theme=dark').win));
    expect([...dark.classes]).toEqual(['figma-dark']);
    const odd = root();
    applyHostedTheme(odd as unknown as HTMLElement, uiHost(fakeWindow('https://h.example', '?theme=purple').win));
    expect([...odd.classes]).toEqual([]);
  });

  test('inline: Figma put its own class there; nothing is added', () => {
    const el = root();
    applyHostedTheme(el as unknown as HTMLElement, uiHost(fakeWindow('null', '?theme=dark').win));
    expect([...el.classes]).toEqual([]);
  });
});
