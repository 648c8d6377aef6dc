// Entry of dist/ui.html and dist/web: mount the panel with the in-iframe runtime.
import { render } from 'preact';
import { App } from './app';
import { applyHostedTheme, uiHost } from './panel/bridge';
import { createEngine } from './runtime';
import { openPackStorage } from './runtime/pack-cache-open';
import type { PackFileCache } from './runtime/pack-cache';
import './styles.css';

/** How long the panel waits for the pack cache before it shows up without one. */
const STORAGE_WAIT_MS = 2000;

applyHostedTheme(document.documentElement, uiHost());
const root = document.getElementById('app');
if (root) {
  const engine = createEngine();
  // Hosted mode keeps downloaded packs in this origin's storage; Figma's inline iframe has none
  // (openPackStorage says so and never throws). A storage that does not answer must not keep the
  // panel from showing, so after STORAGE_WAIT_MS it comes up without a cache.
  const noCache = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), STORAGE_WAIT_MS));
  const cache: Promise<PackFileCache | undefined> = openPackStorage().then((o) => o.cache ?? undefined);
  void Promise.race([cache, noCache]).then((packCache) => render(<App engine={engine} packCache={packCache} />, root));
}
