// `npm run eval -- --compare DIR`: the model pack of --model (v1) and DIR (v2) side by side
// (compare.ts), written to --out: compare.json, the sheets and a marked section of results.md.
import * as path from 'node:path';
import { DEFAULT_SETTINGS, SAMPLER_CHOICES, type SamplerChoice } from '../../protocol';
import { loadPackFromDir } from '../../model/node';
import { type CompareConfig, type CompareReport, PHOTOS_HELDOUT_DIR, compareInputs, runModel } from './compare';
import { type PackSource, compareJson, compareMarkdown, compareSheets, sideBySideBlock, summarise } from './compare-report';
import { withSideBySide } from './quality';
import { readTextOr, withMarkedSection } from './files';
import { writeFileAtomic } from '../atomic-write';
import { FLAT_GUIDES_DIR } from './flat-guides';
import type { SamplerSpec } from './run';
import { optionValues } from './option-values';

export const COMPARE_USAGE = `usage: sdedit-eval --compare DIR [options]

Runs --model (A, [models/default]) and DIR (B) side by side through src/core with the panel's
default sampler (${DEFAULT_SETTINGS.sampler}, ${DEFAULT_SETTINGS.steps} steps; --sampler for another): held-out photographs (L2, KID vs t0),
flat-colour guides (Laplacian std, spectrum slope, gap shares, 32-px RMS, edges kept), composites,
and the denoiser alone (x̂0 error against t on the held-out photo crops).
Writes OUT/compare.json, OUT/compare-{photos,flat,composites}.png, the "compare" section of
OUT/results.md (the rest of that file is left as it is) and quality.side_by_side in DIR/model.json
(the rest of its quality block is kept if it was measured on the same model.onnx; --no-quality
leaves model.json alone, for a side experiment such as another sampler).

  --model DIR        pack A                                        [models/default]
  --labels A,B       names of the two packs in the tables           [v1,v2]
  --out DIR          outputs                                       [models/default/eval]
  --size PX          working size, a multiple of 32 and of both packs' multiples   [${DEFAULT_SETTINGS.size}, the panel's]
  --sampler NAME     ${SAMPLER_CHOICES.join(', ')}                [${DEFAULT_SETTINGS.sampler}, the panel's]
  --steps N          sampler steps                                 [${DEFAULT_SETTINGS.steps}]
  --photos DIR       held-out photo crops (guide-*.png, ref-*.png) [${PHOTOS_HELDOUT_DIR}]
  --t0 LIST          t0 of the photo protocol                      [0.3,0.5,0.7]
  --flat-guides DIR  flat-colour guides (PNG)                      [${FLAT_GUIDES_DIR}]
  --flat-t0 LIST     t0 of the flat guides (must hold 0.5)            [0.3,0.5,0.7]
  --flat-seeds N     results per flat guide and t0 (seeds S + i + 1000·k)   [3]
  --heldout DIR      procedural scenes, the composites' backgrounds [models/eval/heldout]
  --seed S           seed of input i is S + i                      [1]
  --threads N        ONNX Runtime CPU threads                      [2]
  --no-quality       do not write quality.side_by_side into DIR/model.json`;

export interface CompareArgs {
  cfg: CompareConfig;
  models: [string, string];
  labels: [string, string];
  out: string;
  threads: number;
  /** write quality.side_by_side into B's model.json (off with --no-quality) */
  writeQuality: boolean;
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  const a = new Map<string, string>();
  let writeQuality = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    if (name === 'no-quality') {
      writeQuality = false;
      continue;
    }
    if (!['compare', 'model', 'labels', 'out', 'size', 'sampler', 'steps', 'photos', 't0', 'flat-guides', 'flat-t0', 'flat-seeds', 'heldout', 'seed', 'threads'].includes(name)) throw new Error(`unknown option --${name} with --compare`);
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
    a.set(name, v);
  }
  const { int, t0List: list } = optionValues(a);
  // the panel's working size by default: the size a designer's edit runs at (and the held-out
  // photo crops' size, so their statistics are not those of upsampled images)
  const size = int('size', DEFAULT_SETTINGS.size, 32);
  if (size % 32 !== 0) throw new Error(`--size must be a multiple of 32, got ${size}`);
  const flatT0s = list('flat-t0', [0.3, 0.5, 0.7]);
  if (!flatT0s.includes(0.5)) throw new Error('--flat-t0 must hold 0.5 (the flat-guide realism measures are taken there)');
  const labels = (a.get('labels') ?? 'v1,v2').split(',');
  if (labels.length !== 2 || labels.some((l) => !l.trim())) throw new Error(`--labels needs two comma-separated names, got '${a.get('labels')}'`);
  const sampler = (a.get('sampler') ?? DEFAULT_SETTINGS.sampler) as SamplerChoice;
  if (!SAMPLER_CHOICES.includes(sampler)) throw new Error(`--sampler must be one of ${SAMPLER_CHOICES.join(', ')}, got '${sampler}'`);
  const spec: SamplerSpec = { sampler, steps: int('steps', DEFAULT_SETTINGS.steps, 1) };
  return {
    cfg: {
      size,
      spec,
      seed: int('seed', 1, 0),
      photos: a.get('photos') ?? PHOTOS_HELDOUT_DIR,
      photoT0s: list('t0', [0.3, 0.5, 0.7]),
      flat: a.get('flat-guides') ?? FLAT_GUIDES_DIR,
      flatT0s,
      flatSeeds: int('flat-seeds', 3, 1),
      flatMeasureT0: 0.5,
      heldout: a.get('heldout') ?? 'models/eval/heldout',
      compositeT0: 0.5,
    },
    models: [a.get('model') ?? 'models/default', a.get('compare') as string],
    labels: [labels[0].trim(), labels[1].trim()],
    out: a.get('out') ?? 'models/default/eval',
    threads: int('threads', 2, 1),
    writeQuality,
  };
}

/** A pack's folder and the training steps / images seen its model.json records (if any). */
export function packSource(dir: string): PackSource {
  const text = readTextOr(path.join(dir, 'model.json'));
  let training: unknown = null;
  try {
    training = text ? (JSON.parse(text) as { training?: unknown }).training : null;
  } catch {
    training = null;
  }
  if (!training || typeof training !== 'object') return { dir, training: null };
  const t = training as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { dir, training: { steps: num(t.steps), images_seen: num(t.images_seen) } };
}

export async function compareMain(argv: readonly string[]): Promise<number> {
  let p: CompareArgs;
  try {
    p = parseCompareArgs(argv);
  } catch (e) {
    process.stderr.write(`sdedit-eval: ${(e as Error).message}\n`);
    return 2;
  }
  const log = (s: string) => process.stderr.write(s + '\n');
  try {
    for (const dir of p.models) if (!readTextOr(path.join(dir, 'model.json'))) throw new Error(`no model.json in ${dir} (a model pack folder is needed on both sides of --compare)`);
    const start = performance.now();
    const cfg: CompareConfig = { ...p.cfg, log };
    const inputs = compareInputs(cfg);
    log(`compare: ${inputs.photoGuideNames.length} photo guides, ${inputs.photoRefNames.length} photo references, ${inputs.flatNames.length} flat guides, ${inputs.composites.length} composites at ${cfg.size}²`);
    const runs = [];
    for (let i = 0; i < 2; i++) {
      // one pack in memory at a time
      const loaded = await loadPackFromDir(p.models[i], { threads: p.threads });
      try {
        runs.push(await runModel(p.labels[i], loaded, inputs, cfg));
      } finally {
        await loaded.release().catch(() => undefined);
      }
    }
    const report: CompareReport = { size: cfg.size, inputs, runs, total_ms: performance.now() - start };
    const summary = summarise(report, cfg);
    const sheets = compareSheets(report, cfg, p.out);
    const packs = p.models.map(packSource);
    const json = compareJson(report, cfg, summary, packs);
    writeFileAtomic(path.join(p.out, 'compare.json'), JSON.stringify(json, null, 2) + '\n');
    // B (the candidate) keeps the comparison in its model.json, so a shipped pack carries the
    // numbers that justified shipping it, with A's beside them
    const bJson = path.join(p.models[1], 'model.json');
    if (p.writeQuality) writeFileAtomic(bJson, withSideBySide(readTextOr(bJson), summary.models[1].sha256, sideBySideBlock(json)));
    const md = path.join(p.out, 'results.md');
    writeFileAtomic(md, withMarkedSection(readTextOr(md), 'compare', compareMarkdown(report, cfg, summary, packs)));
    const quality = p.writeQuality ? ` and quality.side_by_side of ${bJson}` : ` (${bJson} left as it was: --no-quality)`;
    log(`sdedit-eval: wrote ${p.out}/compare.json, ${sheets.map((s) => path.basename(s)).join(', ')}, the compare section of ${md}${quality} in ${((performance.now() - start) / 1000).toFixed(0)} s`);
    return 0;
  } catch (e) {
    process.stderr.write(`sdedit-eval: ${(e as Error).message}\n`);
    return 1;
  }
}
