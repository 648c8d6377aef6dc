// A whole edit in the product: dist/ui.html loaded as Figma loads it (the e2e harness: a srcdoc
// iframe with sandbox="allow-scripts" in headless Chromium), Generate on a 256² stroke guide with
// a mask, PNG in → PNG out, through the UI's own engine (classic worker, the WASM build it bundles).
// Reports the engine's totalMs and networkMs. Bundled and run by bench/run.mjs (--ui-edit).
import { launch, openUi } from '../../test/e2e/harness';
import { editSpec, timedEdit } from './ui-edit-spec';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as { size?: number; steps?: number; sampler?: string };
  const spec = editSpec({ size: cfg.size ?? 256, steps: cfg.steps ?? 4, sampler: cfg.sampler ?? 'ddim', masked: true });
  const browser = await launch();
  try {
    const ui = await openUi(browser);
    // the first edit loads the model and starts the worker (cold); the second is the one timed
    const cold = await timedEdit(ui.frame, spec, 1);
    const wall0 = Date.now();
    const r = await timedEdit(ui.frame, spec, 2);
    const wallMs = Date.now() - wall0;
    process.stdout.write(
      JSON.stringify({
        ...spec.settings,
        backend: r.backend,
        totalMs: r.totalMs,
        networkMs: r.networkMs,
        overheadMs: r.overheadMs,
        share: r.overheadMs / r.totalMs,
        wallMs,
        progressEvents: r.progressEvents,
        coldTotalMs: cold.totalMs,
      }) + '\n',
    );
    await ui.close();
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`ui-edit: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
