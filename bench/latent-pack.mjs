// Latent-pack edit time on onnxruntime-node: whole edit (text encoder, VAE encoder, UNet steps,
// VAE decoder, sessions created one at a time) and the UNet per step, at a working size, from
// `sdedit --json` runs of the bundled CLI (one child process per run, so nothing competes).
//
//   node bench/latent-pack.mjs [--model DIR] [--size 512] [--steps 4] [--t0 1] [--runs 5] [--threads 2]
//   node bench/latent-pack.mjs --pack DIR [--size 512] [--steps 2] [--t0 1] [--runs 1] [--threads 2]
//                              [--warmup 1] [--calls 3]
//
// --model DIR defaults to the tiny ortweb-fp32 pack (test/fixtures/latent-packs): its networks are
// a few operators, so what it measures is the engine's and the pipeline's own cost around them.
//
// --pack DIR is for a pack with a real-sized UNet, such as the one `bench/sd-unet/sd_unet.py
// export` writes (SD-Turbo's architecture, random weights). Three child processes, one after the
// other, each under `/usr/bin/time -v` for its peak RSS: the UNet alone on onnxruntime-node
// (load, warm-up calls, timed calls; its output checked against PyTorch's on check.json's
// inputs), the same UNet on PyTorch CPU (bench/sd-unet/sd_unet.py bench, set_num_threads =
// --threads), and the whole CLI edit. Results also go to bench/out/sd-unet-bench.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { buildCli } from '../src/cli/build-cli.mjs';
import { fmtMs, stats } from './lib/stats.mjs';
import { benchArgs } from './lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const { opt } = benchArgs(argv);
const pack = opt('--pack', null);
const model = pack ?? opt('--model', join(root, 'test', 'fixtures', 'latent-packs', 'ortweb-fp32'));
const size = Number(opt('--size', '512'));
const steps = opt('--steps', pack ? '2' : '4');
const t0 = opt('--t0', '1');
const runs = Number(opt('--runs', pack ? '1' : '5'));
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
const editArgs = (seed) => [cli, '--model', model, '--guide', guide, '--prompt', 'a photo of a cat', '--size', String(size), '--steps', steps, '--t0', t0, '--threads', threads, '--seed', String(seed), '--json', '--out', join(out, 'result.png')];
const med = (a) => stats(a).median;

if (pack) await benchPack();
else benchTiny();

function benchTiny() {
  const total = [];
  const sdedit = [];
  const perStep = [];
  let last = null;
  for (let r = 0; r < runs + 1; r++) {
    const rep = JSON.parse(execFileSync(process.execPath, editArgs(r + 1), { encoding: 'utf8' }));
    last = rep;
    if (r === 0) continue; // warm-up (file cache)
    total.push(rep.timings.total_ms);
    sdedit.push(rep.timings.sdedit_ms);
    perStep.push(rep.timings.unet_ms / rep.network_calls);
  }
  console.log(`latent pack ${model} at ${size}² (latents ${last.pack.latent_size.join('×')}), ${last.scheduler.class}, timesteps ${last.timesteps.join(' ')}, ${threads} threads, ${runs} runs`);
  console.log(`  whole edit (process, load, encode, steps, decode, PNG)  ${fmtMs(stats(total))} ms`);
  console.log(`  pipeline (sessions, text, VAE, UNet steps, decode)      ${fmtMs(stats(sdedit))} ms`);
  console.log(`  UNet per step                                            ${fmtMs(stats(perStep))} ms`);
  console.log(JSON.stringify({ bench: 'latent-pack', model, size, steps: last.timesteps.length, total_ms: med(total), pipeline_ms: med(sdedit), unet_step_ms: med(perStep) }));
}

/** Run a command under `/usr/bin/time -v`: its last stdout line as JSON, peak RSS, wall time. */
function timed(label, cmd, args) {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.error(`[${new Date().toISOString()}] ${label}: ${cmd} ${args.join(' ')} (load ${load})`);
  const t = performance.now();
  const res = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const wallMs = performance.now() - t;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr ?? '');
  if (res.status !== 0 || !rss) throw new Error(`${label} failed (exit ${res.status}):\n${(res.stderr ?? '').slice(-3000)}`);
  const lines = res.stdout.trim().split('\n');
  return { ...JSON.parse(lines[lines.length - 1]), peak_rss_mb: Math.round(Number(rss[1]) / 1024), process_wall_ms: Math.round(wallMs), load_before: load };
}

async function benchPack() {
  const check = join(pack, 'check.json');
  if (!existsSync(check)) throw new Error(`${check} is missing: --pack expects a folder written by bench/sd-unet/sd_unet.py export`);
  const { config } = JSON.parse(readFileSync(check, 'utf8'));
  const latent = String(size / 8);
  const calls = opt('--calls', '3');
  const warmup = opt('--warmup', '1');
  const loop = ['--latent', latent, '--threads', threads, '--warmup', warmup, '--calls', calls];

  const ort = timed('onnxruntime-node UNet', process.execPath, [join('bench', 'sd-unet', 'ort-unet.mjs'), '--pack', pack, '--check', ...loop]);
  const torch = timed('PyTorch UNet', '/usr/bin/python3', [join('bench', 'sd-unet', 'sd_unet.py'), 'bench', '--config', config, ...loop]);
  const edits = [];
  for (let r = 0; r < runs; r++) edits.push(timed(`sdedit edit ${r + 1}/${runs}`, process.execPath, editArgs(r + 1)));

  const ortMs = med(ort.calls_ms);
  const torchMs = med(torch.calls_ms);
  const e = edits[edits.length - 1];
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`UNet of ${pack} (${config}, ${torch.params.toLocaleString('en')} parameters) at ${size}² (latents ${latent}²), batch 1, ${threads} threads`);
  console.log(`  onnxruntime-node CPU per call  ${s(ortMs)} median of ${ort.calls_ms.length} [${ort.calls_ms.map(s).join(', ')}], session load ${s(ort.load_ms)}, peak RSS ${ort.peak_rss_mb} MB (output vs PyTorch: max |Δ| ${ort.check.max_abs_diff.toExponential(2)} at ${ort.check.latent}²)`);
  console.log(`  PyTorch ${torch.torch} CPU per call   ${s(torchMs)} median of ${torch.calls_ms.length} [${torch.calls_ms.map(s).join(', ')}], build ${s(torch.build_ms)}, peak RSS ${torch.peak_rss_mb} MB`);
  console.log(`  ORT / PyTorch                  ${(ortMs / torchMs).toFixed(2)}`);
  console.log(`whole CLI edit (${e.scheduler.class}, --steps ${steps} --t0 ${t0}: timesteps ${e.timesteps.join(' ')}, ${e.network_calls} UNet calls), ${runs} run(s):`);
  for (const x of edits) {
    console.log(`  total ${s(x.timings.total_ms)} (pipeline ${s(x.timings.sdedit_ms)}, UNet ${s(x.timings.unet_ms)} = ${s(x.timings.unet_ms / x.network_calls)} per call), peak RSS ${x.peak_rss_mb} MB, memory estimate ${(x.memory_estimate_bytes / 2 ** 20).toFixed(0)} MB`);
  }
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version;
  const summary = {
    bench: 'latent-pack-real-unet', pack, config, params: torch.params, size, latent: Number(latent), threads: Number(threads), cpu, onnxruntime_node: ortVersion, date: new Date().toISOString(),
    ort: { per_call_ms: ortMs, calls_ms: ort.calls_ms, load_ms: ort.load_ms, peak_rss_mb: ort.peak_rss_mb, check: ort.check, load_before: ort.load_before },
    pytorch: { version: torch.torch, per_call_ms: torchMs, calls_ms: torch.calls_ms, build_ms: torch.build_ms, peak_rss_mb: torch.peak_rss_mb, load_before: torch.load_before },
    ort_over_pytorch: ortMs / torchMs,
    edits: edits.map((x) => ({ steps: Number(steps), t0: Number(t0), timesteps: x.timesteps, unet_calls: x.network_calls, total_ms: x.timings.total_ms, pipeline_ms: x.timings.sdedit_ms, unet_ms: x.timings.unet_ms, unet_per_call_ms: x.timings.unet_ms / x.network_calls, peak_rss_mb: x.peak_rss_mb, memory_estimate_bytes: x.memory_estimate_bytes, load_before: x.load_before })),
  };
  const file = join(root, 'bench', 'out', 'sd-unet-bench.json');
  writeFileSync(file + '.tmp', JSON.stringify(summary, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  console.log(JSON.stringify(summary));
}
