// Two builds of dist/ui.html side by side: the default edit's overhead (ui-edit-spec.ts) of build
// A and build B, each loaded as Figma loads it (the e2e harness's sandboxed srcdoc iframe) in one
// Chromium, warm edits alternated A/B, B/A, … so that the machine's drift hits both. A single
// edit (ui-edit.ts) varied 1.8–2.7% between back-to-back runs on a shared 2-core machine; the
// paired difference is what a change is judged on. Prints each edit's times (one JSON line);
// bench/ui-edit-ab.mjs runs it and sums them up.
import { readFileSync } from 'node:fs';
import { launch, openUi, type Harness } from '../../test/e2e/harness';
import { editSpec, timedEdit, type EditConfig } from './ui-edit-spec';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as EditConfig & { a: string; b: string; pairs: number };
  const spec = editSpec(cfg);
  const browser = await launch();
  try {
    const uis: Harness[] = [];
    for (const file of [cfg.a, cfg.b]) {
      const html = readFileSync(file, 'utf8');
      uis.push(await openUi(browser, { transformHtml: () => html }));
    }
    // the first edit of each page loads the model and starts the worker
    for (const ui of uis) await timedEdit(ui.frame, spec, 1);
    const edits: { overheadMs: number; networkMs: number }[][] = [[], []];
    for (let i = 0; i < cfg.pairs; i++) {
      for (const w of i % 2 ? [1, 0] : [0, 1]) {
        const r = await timedEdit(uis[w].frame, spec, 2 + i);
        edits[w].push({ overheadMs: r.overheadMs, networkMs: r.networkMs });
      }
    }
    process.stdout.write(JSON.stringify({ ...spec.settings, masked: cfg.masked, a: edits[0], b: edits[1] }) + '\n');
    for (const ui of uis) await ui.close();
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`ui-edit-ab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
