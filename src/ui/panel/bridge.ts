// Message I/O with the Figma sandbox. The panel talks only through a Bridge, so tests (and the
// e2e harness) can inject a fake. In Figma the UI iframe posts `{ pluginMessage }` to its parent
// and receives `{ pluginMessage }` on window; anything that is not a known message is dropped.
import { isPluginToUi, type PluginToUi, type UiToPlugin } from '../../protocol';

export interface Bridge {
  post(msg: UiToPlugin): void;
  /** Subscribe to messages from the sandbox; returns the unsubscribe function. */
  listen(fn: (msg: PluginToUi) => void): () => void;
}

/** The real bridge: parent.postMessage out, window 'message' events in. */
export function figmaBridge(win: Window = window): Bridge {
  return {
    post(msg) {
      win.parent.postMessage({ pluginMessage: msg }, '*');
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
