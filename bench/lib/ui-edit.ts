// A whole edit in the product: dist/ui.html loaded as Figma loads it (the e2e harness: a srcdoc
// iframe with sandbox="allow-scripts" in headless Chromium), Generate on a 256² stroke guide with
// a mask, PNG in → PNG out, through the UI's own engine (classic worker, the WASM build it bundles).
// Reports the engine's totalMs and networkMs. Bundled and run by bench/run.mjs (--ui-edit).
import { encode, launch, openUi, rectMask, runEngine, strokeGuide } from '../../test/e2e/harness';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as { size?: number; steps?: number; sampler?: string };
  const size = cfg.size ?? 256;
  const browser = await launch();
  try {
    const ui = await openUi(browser);
    const guide = encode(strokeGuide(size, size));
    const mask = encode(rectMask(size, size, size / 4, size / 4, (3 * size) / 4, (3 * size) / 4));
    const settings = { size, steps: cfg.steps ?? 4, sampler: cfg.sampler ?? 'ddim', t0: 0.5 };
    // the first edit loads the model and starts the worker (cold); the second is the one timed
    const cold = await runEngine(ui.frame, { guide, mask, mode: 'mask-edit', settings, seed: 1 });
    if (!cold.ok) throw new Error(`${cold.errorName}: ${cold.errorMessage}`);
    const wall0 = Date.now();
    const r = await runEngine(ui.frame, { guide, mask, mode: 'mask-edit', settings, seed: 2 });
    const wallMs = Date.now() - wall0;
    if (!r.ok) throw new Error(`${r.errorName}: ${r.errorMessage}`);
    const t = r.timings as { totalMs: number; networkMs: number };
    process.stdout.write(
      JSON.stringify({
        ...settings,
        backend: r.backend,
        totalMs: t.totalMs,
        networkMs: t.networkMs,
        overheadMs: t.totalMs - t.networkMs,
        share: (t.totalMs - t.networkMs) / t.totalMs,
        wallMs,
        progressEvents: r.progress.length,
        coldTotalMs: (cold.timings as { totalMs: number }).totalMs,
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
