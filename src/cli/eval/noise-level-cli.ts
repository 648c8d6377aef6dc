// The command that measures a pack's L(t) and writes it into its model.json (noise-level.ts):
//
//   node dist/noise-level.cjs [--model DIR] [--heldout DIR] [--first I] [--count N] [--size PX]
//                             [--seed S] [--threads N] [--z Z] [--dry-run]
//
// --z sets the band half-width stored as `z` (default: the measured BAND_QUANTILE value, which is
// stored as `z_q90` either way).
//
// Build: node -e "import('./src/cli/build-cli.mjs').then((m) => m.buildCli('src/cli/eval/noise-level-cli.ts', 'dist/noise-level.cjs'))"
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write';
import * as path from 'node:path';
import { loadPackFromDir } from '../../model/node';
import { CALIBRATION_TIMES, BAND_QUANTILE, calibrate, gradientsOf, imageErrors, sig4, withNoiseLevelTable } from './noise-level';
import { listScenes, loadScene } from './run';

/** Why a --z other than the measured one was stored (the default pack's table). */
const Z_CHOICE =
  'z = 3 rather than the measured z_q90: in models/default/eval/auto-t0.md (guides from held-out scenes 0-15, none used here) z_q90 sends 8- and 4-cell strokes to t0 0.8 and is beaten on both L2 and KID over the mix by z = 3, which is not dominated by any fixed t0 and has the best mix KID; chosen on that evaluation, so it is tuned on it';

interface Args {
  model: string;
  heldout: string;
  first: number;
  count: number;
  size: number;
  seed: number;
  threads: number;
  dryRun: boolean;
  z: number | null;
}

function parse(argv: readonly string[]): Args {
  const a: Args = { model: 'models/default', heldout: 'models/eval/heldout', first: 16, count: 16, size: 64, seed: 0, threads: 2, dryRun: false, z: null };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--dry-run') {
      a.dryRun = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${name} needs a value`);
    if (name === '--model') a.model = v;
    else if (name === '--heldout') a.heldout = v;
    else if (name === '--z') {
      a.z = Number(v);
      if (!(a.z > 0)) throw new Error(`--z must be a number > 0, got '${v}'`);
    }
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
      if (name === '--first') a.first = n;
      else if (name === '--count') a.count = n;
      else if (name === '--size') a.size = n;
      else if (name === '--seed') a.seed = n;
      else if (name === '--threads') a.threads = n;
      else throw new Error(`unknown option ${name}`);
    }
  }
  return a;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parse(argv);
  const loaded = await loadPackFromDir(args.model, { threads: args.threads });
  try {
    if (args.size % loaded.pack.multiple !== 0) throw new Error(`--size ${args.size} is not a multiple of the model's ${loaded.pack.multiple}`);
    const files = listScenes(args.heldout).slice(args.first, args.first + args.count);
    if (files.length < 3) throw new Error(`need at least 3 held-out scenes from index ${args.first} in ${args.heldout}`);
    const images = files.map((f) => loadScene(f, args.size));
    const start = performance.now();
    const errors = await imageErrors(loaded.denoiser, loaded.schedule, images, args.size, CALIBRATION_TIMES, args.seed);
    const cal = calibrate(errors, gradientsOf(images, args.size), CALIBRATION_TIMES);
    const secs = (performance.now() - start) / 1000;
    for (let k = 0; k < cal.t.length; k++) process.stdout.write(`t=${cal.t[k].toFixed(2)}  L=${cal.mse[k].toExponential(3)}  slope=${cal.slope[k].toFixed(3)}  s=${cal.logSd[k].toFixed(3)}\n`);
    process.stdout.write(`largest |log r|/s per image: ${cal.maxScore.map((r) => r.toFixed(2)).join(' ')}\n`);
    process.stdout.write(`z (q${BAND_QUANTILE}) = ${cal.z.toFixed(3)}; ${images.length} images at ${args.size}², ${secs.toFixed(1)} s\n`);
    const names = files.map((f) => path.basename(f));
    const table = {
      t: cal.t,
      mse: cal.mse.map(sig4),
      log_mse: cal.logMse.map(sig4),
      slope: cal.slope.map(sig4),
      log_gradient_mean: sig4(cal.logGradientMean),
      log_sd: cal.logSd.map(sig4),
      z: args.z ?? sig4(cal.z),
      z_q90: sig4(cal.z),
      ...(args.z !== null ? { z_choice: Z_CHOICE } : {}),
      size: args.size,
      data: `${names.length} held-out scenes ${names[0]} … ${names[names.length - 1]} (models/eval/heldout, never trained on) at ${args.size}², one noise draw each (seed ${args.seed} + i)`,
      rule: `expected log error of a real image with mean |gradient| g: log_mse + slope·(log g − log_gradient_mean); a guide matches level t when |log e − expected| ≤ z·log_sd; log_sd: std of the leave-one-out residuals; z: quantile ${BAND_QUANTILE} over the images of max over the suggestT0 grid of |residual|/log_sd (src/core/auto-t0.ts); mse: plain mean error, for reading`,
      command: `node dist/noise-level.cjs --model ${args.model} --heldout ${args.heldout} --first ${args.first} --count ${args.count} --size ${args.size} --seed ${args.seed}${args.z !== null ? ` --z ${args.z}` : ''}`,
    };
    if (!args.dryRun) {
      const file = path.join(args.model, 'model.json');
      const text = withNoiseLevelTable(readFileSync(file, 'utf8'), table);
      writeFileAtomic(file, text);
      process.stdout.write(`wrote noise_level_error to ${file}\n`);
    }
    return 0;
  } finally {
    await loaded.release();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`noise-level: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
