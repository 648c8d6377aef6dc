// The bridge's envelope depends on how the page was loaded: inline in Figma's iframe (origin
// "null": `{ pluginMessage }`) or hosted on its own origin (`{ pluginMessage, pluginId }`).
import { envelope, figmaBridge, uiHost } from '../../src/ui/panel/bridge';

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
    expect(uiHost(win)).toEqual({ kind: 'hosted', origin: 'https://sdedit.example', pluginId: '1234567890' });
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
