// Message I/O with the Figma sandbox. The panel talks only through a Bridge, so tests (and the
// e2e harness) can inject a fake. The UI iframe posts `{ pluginMessage }` to its parent and
// receives `{ pluginMessage }` on window; anything that is not a known message is dropped.
// Figma delivers a message from an iframe with a real origin (hosted mode: the sandbox navigated
// the iframe to an https page) only when it also names the plugin: `{ pluginMessage, pluginId }`.
import { HOSTED_PLUGIN_ID_PARAM, HOSTED_THEME_PARAM, isPluginToUi, type PluginToUi, type UiToPlugin } from '../../protocol';

export interface Bridge {
  post(msg: UiToPlugin): void;
  /** Subscribe to messages from the sandbox; returns the unsubscribe function. */
  listen(fn: (msg: PluginToUi) => void): () => void;
}

/** How this page was loaded into the plugin window: inline (`figma.showUI(__html__)`: a srcdoc
 *  or data: document, origin "null") or hosted (a page of its own origin). */
export type UiHost = { kind: 'inline' } | { kind: 'hosted'; origin: string; pluginId: string; theme: 'light' | 'dark' | null };

export function uiHost(win: Pick<Window, 'origin' | 'location'> = window): UiHost {
  if (win.origin === 'null' || !win.origin) return { kind: 'inline' };
  const query = new URLSearchParams(win.location.search);
  const pluginId = query.get(HOSTED_PLUGIN_ID_PARAM) || '*';
  const t = query.get(HOSTED_THEME_PARAM);
  return { kind: 'hosted', origin: win.origin, pluginId, theme: t === 'dark' || t === 'light' ? t : null };
}

/** Hosted, Figma's theme class is not on this page: put the one the first document had there
 *  (styles.css keys its colours to html.figma-dark / figma-light). */
export function applyHostedTheme(root: HTMLElement, host: UiHost): void {
  if (host.kind === 'hosted' && host.theme) root.classList.add(`figma-${host.theme}`);
}

/** The message object posted to the parent for this host. */
export function envelope(host: UiHost, msg: UiToPlugin): { pluginMessage: UiToPlugin; pluginId?: string } {
  return host.kind === 'hosted' ? { pluginMessage: msg, pluginId: host.pluginId } : { pluginMessage: msg };
}

/** The real bridge: parent.postMessage out, window 'message' events in. */
export function figmaBridge(win: Window = window): Bridge {
  const host = uiHost(win);
  return {
    post(msg) {
      win.parent.postMessage(envelope(host, msg), '*');
    },
    listen(fn) {
      const onMessage = (e: MessageEvent) => {
        const data: unknown = e.data;
        if (typeof data !== 'object' || data === null) return;
        const msg = (data as { pluginMessage?: unknown }).pluginMessage;
        if (isPluginToUi(msg)) fn(msg);
      };
      win.addEventListener('message', onMessage);
      return () => win.removeEventListener('message', onMessage);
    },
  };
}
