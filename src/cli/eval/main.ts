// The `sdedit-eval` command (npm run eval): the paper's evaluation of the default pack through the
// product's engine, and the bundled examples. bin/sdedit-eval.js runs the bundle of this file
// (dist/eval.cjs, built by src/cli/build-cli.mjs).
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadPackFromDir } from '../../model/node';
import { FLAT_GUIDES_DIR, makeFlatGuides } from './flat-guides';
import { COMPARE_USAGE, compareMain } from './compare-cli';
import { markedSection, readTextOr, withMarkedSection } from './files';
import { writeFileAtomic } from '../atomic-write';
import { makeExamples } from './make-examples';
import { writeQuality } from './quality';
import { qualityBlock, reportJson, reportMarkdown } from './report';
import { type EvalConfig, type SamplerSpec, evaluate, samplerLabel } from './run';
import { editsSheet, pictureSheet } from './sheets';
import { optionValues } from './option-values';

export const EVAL_USAGE = `usage: sdedit-eval [options]

The paper's evaluation (stroke guides from held-out scenes → SDEdit across t0; L2 to the guide,
KID to other real scenes; baselines) through src/core and the model pack.

  --model DIR        model pack                                    [models/default]
  --heldout DIR      held-out real scenes (PNG)                    [models/eval/heldout]
  --out DIR          outputs: results.json, results.md, sheet.png, edits.png
                                        [models/default/eval; eval/out with --quick]
  --scenes N         guide scenes (the first N held-out scenes)    [8; 4 with --quick]
  --refs M           reference scenes after them (0 = the rest)    [0; 12 with --quick]
  --size PX          working size, a multiple of 32               [256; 128 with --quick]
  --steps N          DDIM steps                                    [20; 10 with --quick]
  --t0 LIST          comma-separated t0 values         [0.2,0.3,0.4,0.5,0.6,0.7,0.8; 0.3,0.5,0.7 quick]
  --ddpm LIST        t0 values also run with the DDPM (ancestral) sampler    [0.5; none quick]
  --ddpm-steps N     its steps; 0 = every step of the 1000-step schedule below t0, the
                     paper's setting (t0·1000 network calls per guide)                 [20]
  --batch N          guides per network call                       [1 at ≥ 256², else all]
  --seed S           seed of guide i is S + i                      [1]
  --threads N        ONNX Runtime CPU threads                      [2]
  --quick            a small fast run (defaults above), writes nothing to model.json
  --no-quality       do not write the quality block into the pack's model.json
  --make-examples [DIR]  write the bundled example guides (256²) to DIR [examples] and exit
  --make-flat-guides [DIR]  write the flat-colour guides of --compare (256²) to DIR
                     [models/eval/flat-guides] and exit
  --compare DIR      run --model and the pack in DIR side by side (v1 / v2): see --compare --help
  --help             this text`;

interface Parsed {
  cfg: EvalConfig;
  model: string;
  out: string;
  threads: number;
  writeQuality: boolean;
  makeExamples: string | null;
  makeFlat: string | null;
  help: boolean;
}

export function parseEvalArgs(argv: readonly string[]): Parsed {
  const a = new Map<string, string>();
  const flags = new Set<string>();
  let makeExamples: string | null = null;
  let makeFlat: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    if (['quick', 'no-quality', 'help'].includes(name)) flags.add(name);
    else if (name === 'make-examples') {
      const next = argv[i + 1];
      makeExamples = next && !next.startsWith('--') ? (i++, next) : 'examples';
    } else if (name === 'make-flat-guides') {
      const next = argv[i + 1];
      makeFlat = next && !next.startsWith('--') ? (i++, next) : FLAT_GUIDES_DIR;
    } else if (['model', 'heldout', 'out', 'scenes', 'refs', 'size', 'steps', 't0', 'ddpm', 'ddpm-steps', 'batch', 'seed', 'threads'].includes(name)) {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      a.set(name, v);
    } else throw new Error(`unknown option --${name}`);
  }
  const quick = flags.has('quick');
  const { int, t0List } = optionValues(a);
  const list = (k: string, def: number[]) => t0List(k, def, true);
  const size = int('size', quick ? 128 : 256, 32);
  if (size % 32 !== 0) throw new Error(`--size must be a multiple of 32, got ${size}`);
  const steps = int('steps', quick ? 10 : 20);
  const t0s = list('t0', quick ? [0.3, 0.5, 0.7] : [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  const ddpm = list('ddpm', quick ? [] : [0.5]);
  const samplers: SamplerSpec[] = [{ sampler: 'ddim', steps }];
  if (ddpm.length) samplers.push({ sampler: 'ddpm', steps: int('ddpm-steps', 20, 0), t0s: ddpm });
  const scenes = int('scenes', quick ? 4 : 8, 2);
  const cfg: EvalConfig = {
    heldout: a.get('heldout') ?? 'models/eval/heldout',
    size,
    guides: scenes,
    refs: int('refs', quick ? 12 : 0, 0),
    t0s,
    samplers,
    seed: int('seed', 1, 0),
    batch: int('batch', size >= 256 ? 1 : scenes),
    blurSigma: size / 64,
    edits: true,
    editT0: 0.5,
    editSampler: { sampler: 'ddim', steps },
  };
  return {
    cfg,
    model: a.get('model') ?? 'models/default',
    out: a.get('out') ?? (quick ? 'eval/out' : 'models/default/eval'),
    threads: int('threads', 2),
    writeQuality: !quick && !flags.has('no-quality'),
    makeExamples,
    makeFlat,
    help: flags.has('help'),
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--compare')) return argv.includes('--help') ? (process.stdout.write(COMPARE_USAGE + '\n'), 0) : compareMain(argv);
  let p: Parsed;
  try {
    p = parseEvalArgs(argv);
  } catch (e) {
    process.stderr.write(`sdedit-eval: ${(e as Error).message}\n`);
    return 2;
  }
  if (p.help) {
    process.stdout.write(EVAL_USAGE + '\n');
    return 0;
  }
  try {
    if (p.makeExamples !== null) {
      const files = makeExamples(p.cfg.heldout, p.makeExamples);
      process.stderr.write(`sdedit-eval: wrote ${files.join(', ')}\n`);
      return 0;
    }
    if (p.makeFlat !== null) {
      const files = makeFlatGuides(p.makeFlat);
      process.stderr.write(`sdedit-eval: wrote ${files.join(', ')}\n`);
      return 0;
    }
    const loaded = await loadPackFromDir(p.model, { threads: p.threads });
    try {
      const log = (s: string) => process.stderr.write(s + '\n');
      const report = await evaluate(loaded, { ...p.cfg, log });
      const model = { name: loaded.pack.name, sha256: loaded.pack.files[0].sha256 };
      mkdirSync(p.out, { recursive: true });
      writeFileAtomic(path.join(p.out, 'results.json'), JSON.stringify(reportJson(report, p.cfg, model), null, 2) + '\n');
      // the side-by-side section (--compare) is kept
      const md = path.join(p.out, 'results.md');
      const kept = markedSection(readTextOr(md), 'compare');
      writeFileAtomic(md, kept === null ? reportMarkdown(report, p.cfg, model) : withMarkedSection(reportMarkdown(report, p.cfg, model), 'compare', kept.split('\n').slice(1, -1).join('\n')));
      pictureSheet(report, samplerLabel(p.cfg.samplers[0]), path.join(p.out, 'sheet.png'));
      if (report.edits.length) editsSheet(report, path.join(p.out, 'edits.png'));
      if (p.writeQuality) writeQuality(path.join(p.model, 'model.json'), qualityBlock(report, p.cfg, model));
      log(`sdedit-eval: wrote ${p.out}/{results.json,results.md,sheet.png,edits.png}${p.writeQuality ? ` and the quality block of ${p.model}/model.json` : ''} in ${(report.timing.total_ms / 1000).toFixed(0)} s`);
    } finally {
      await loaded.release().catch(() => undefined);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`sdedit-eval: ${(e as Error).message}\n`);
    return 1;
  }
}
