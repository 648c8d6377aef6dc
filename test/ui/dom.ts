// The jsdom set-up the panel's render tests share: a fresh root element per test, fake timers,
// blob URLs stubbed (jsdom has none), and the lookups by data-testid.
import { render } from 'preact';
import { act } from 'preact/test-utils';

export interface PanelDom {
  readonly root: HTMLElement;
  $(id: string): HTMLElement | null;
  must<T extends HTMLElement = HTMLElement>(id: string): T;
  /** advance the fake clock by ms and let Preact settle */
  tick(ms?: number): Promise<void>;
}

/** Registers the hooks of one test file and returns its lookups. */
export function usePanelDom(): PanelDom {
  let root: HTMLElement | null = null;
  let urls = 0;
  beforeAll(() => {
    URL.createObjectURL = jest.fn(() => `blob:test/${++urls}`);
    URL.revokeObjectURL = jest.fn();
  });
  beforeEach(() => {
    jest.useFakeTimers();
    root = document.createElement('div');
    document.body.appendChild(root);
  });
  afterEach(async () => {
    const r = root as HTMLElement;
    await act(() => render(null, r));
    r.remove();
    jest.useRealTimers();
  });
  const dom: PanelDom = {
    get root() {
      if (!root) throw new Error('usePanelDom: the root is used outside a test');
      return root;
    },
    $: (id) => dom.root.querySelector(`[data-testid="${id}"]`) as HTMLElement | null,
    must: <T extends HTMLElement = HTMLElement>(id: string) => {
      const el = dom.$(id);
      if (!el) throw new Error(`no [data-testid="${id}"] in ${dom.root.innerHTML.slice(0, 400)}`);
      return el as T;
    },
    async tick(ms = 0) {
      await act(async () => {
        await jest.advanceTimersByTimeAsync(ms);
      });
    },
  };
  return dom;
}
