// Two builds of dist/ui.html side by side: the default edit's overhead (the engine's totalMs −
// the time inside session.run, as bench/lib/ui-edit.ts) of build A and build B, each loaded as
// Figma loads it (the e2e harness's sandboxed srcdoc iframe) in one Chromium, warm edits
// alternated A/B, B/A, … so that the machine's drift hits both. A single edit (ui-edit.ts)
// varied 1.8–2.7% between back-to-back runs on a shared 2-core machine; the paired difference
// is what a change is judged on. Run by bench/ui-edit-ab.mjs.
import { readFileSync } from 'node:fs';
import { encode, launch, openUi, rectMask, runEngine, strokeGuide, type Harness } from '../../test/e2e/harness';

interface Config {
  a: string;
  b: string;
  pairs: number;
  size: number;
  steps: number;
  sampler: string;
  /** false: an unmasked edit (synthesis) */
  masked: boolean;
}

const median = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
  const { size } = cfg;
  const browser = await launch();
  try {
    const builds = [cfg.a, cfg.b].map((f) => readFileSync(f, 'utf8'));
    const uis: Harness[] = [];
    for (const html of builds) uis.push(await openUi(browser, { transformHtml: () => html }));
    const guide = encode(strokeGuide(size, size));
    const mask = cfg.masked ? encode(rectMask(size, size, size / 4, size / 4, (3 * size) / 4, (3 * size) / 4)) : null;
    const settings = { size, steps: cfg.steps, sampler: cfg.sampler, t0: 0.5 };
    const edit = async (which: number, seed: number) => {
      const r = await runEngine(uis[which].frame, { guide, mask, mode: mask ? 'mask-edit' : 'synthesis', settings, seed });
      if (!r.ok) throw new Error(`build ${'AB'[which]}: ${r.errorName}: ${r.errorMessage}`);
      const t = r.timings as { totalMs: number; networkMs: number };
      return { overhead: t.totalMs - t.networkMs, network: t.networkMs };
    };
    // the first edit of each page loads the model and starts the worker
    await edit(0, 1);
    await edit(1, 1);
    const over: number[][] = [[], []];
    const net: number[][] = [[], []];
    for (let i = 0; i < cfg.pairs; i++) {
      for (const w of i % 2 ? [1, 0] : [0, 1]) {
        const r = await edit(w, 2 + i);
        over[w].push(r.overhead);
        net[w].push(r.network);
      }
    }
    const diff = over[0].map((v, i) => over[1][i] - v);
    const share = (w: number) => median(over[w]) / (median(over[w]) + median(net[w]));
    process.stdout.write(
      JSON.stringify({
        ...settings,
        masked: cfg.masked,
        pairs: cfg.pairs,
        overhead_ms: { a: over[0].map(Math.round), b: over[1].map(Math.round) },
        median_overhead_ms: { a: median(over[0]), b: median(over[1]) },
        median_paired_difference_ms: median(diff),
        median_network_ms: { a: median(net[0]), b: median(net[1]) },
        share: { a: share(0), b: share(1) },
      }) + '\n',
    );
    for (const u of uis) await u.close();
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`ui-edit-ab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
