// Latent-pack edit time on onnxruntime-node: whole edit (text encoder, VAE encoder, UNet steps,
// VAE decoder, sessions created one at a time) and the UNet per step, at a working size, from
// `sdedit --json` runs of the bundled CLI (one child process per run, so nothing competes).
//
//   node bench/latent-pack.mjs [--model DIR] [--size 512] [--steps 4] [--t0 1] [--runs 5] [--threads 2]
//
// DIR defaults to the tiny ortweb-fp32 pack (test/fixtures/latent-packs): its networks are a
// few operators, so what it measures is the engine's and the pipeline's own cost around them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { buildCli } from '../src/cli/build-cli.mjs';
import { fmtMs, stats } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const model = opt('--model', join(root, 'test', 'fixtures', 'latent-packs', 'ortweb-fp32'));
const size = Number(opt('--size', '512'));
const steps = opt('--steps', '4');
const t0 = opt('--t0', '1');
const runs = Number(opt('--runs', '5'));
const threads = opt('--threads', '2');

const out = join(root, 'bench', 'out', 'latent');
mkdirSync(out, { recursive: true });
const guide = join(out, `guide-${size}.png`);
const png = new PNG({ width: size, height: size });
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) png.data.set([(x * 3) % 256, (y * 5) % 256, ((x ^ y) * 7) % 256, 255], 4 * (y * size + x));
}
writeFileSync(guide, PNG.sync.write(png));

await buildCli();
const cli = join(root, 'bin', 'sdedit.js');
const total = [];
const sdedit = [];
const perStep = [];
let last = null;
for (let r = 0; r < runs + 1; r++) {
  const args = [cli, '--model', model, '--guide', guide, '--prompt', 'a photo of a cat', '--size', String(size), '--steps', steps, '--t0', t0, '--threads', threads, '--seed', String(r + 1), '--json', '--out', join(out, 'result.png')];
  const rep = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }));
  last = rep;
  if (r === 0) continue; // warm-up (file cache)
  total.push(rep.timings.total_ms);
  sdedit.push(rep.timings.sdedit_ms);
  perStep.push(rep.timings.unet_ms / rep.network_calls);
}
const med = (a) => stats(a).median;
console.log(`latent pack ${model} at ${size}² (latents ${last.pack.latent_size.join('×')}), ${last.scheduler.class}, timesteps ${last.timesteps.join(' ')}, ${threads} threads, ${runs} runs`);
console.log(`  whole edit (process, load, encode, steps, decode, PNG)  ${fmtMs(stats(total))} ms`);
console.log(`  pipeline (sessions, text, VAE, UNet steps, decode)      ${fmtMs(stats(sdedit))} ms`);
console.log(`  UNet per step                                            ${fmtMs(stats(perStep))} ms`);
console.log(JSON.stringify({ bench: 'latent-pack', model, size, steps: last.timesteps.length, total_ms: med(total), pipeline_ms: med(sdedit), unet_step_ms: med(perStep) }));
