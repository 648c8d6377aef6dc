// The `sdedit` command: the engine (src/core) and a model pack (src/model, onnxruntime-node) on
// PNG files. bin/sdedit.js runs the bundle of this file (dist/cli.cjs, see build-cli.mjs).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { SamplerName, StepInfo } from '../core';
import { chwToRgba, maskFromRgba, networkCalls, padToMultiple, resizeChw, resizeMask, rgbaToChw, sdedit, signalAt } from '../core';
import { loadPackFromDir } from '../model/node';
import { autoT0, describeAutoT0 } from './auto-t0';
import { ArgError, USAGE, type CliOptions, outputPaths, parseArgs, workingSize } from './args';

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** A bad input file or setting found while running; printed as one line. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

interface Image {
  rgba: Uint8Array;
  width: number;
  height: number;
}

async function readPng(file: string, what: string): Promise<Image> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${what} not found: ${file}` : `cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw new CliError(`${what} ${file} is not a PNG file`);
  try {
    const png = PNG.sync.read(bytes);
    return { rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
  } catch (e) {
    throw new CliError(`${what} ${file} is not a readable PNG: ${(e as Error).message}`);
  }
}

async function writePng(file: string, rgba: Uint8ClampedArray, width: number, height: number): Promise<void> {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, PNG.sync.write(png));
}

const now = (): number => performance.now();
const round1 = (v: number): number => Math.round(v * 10) / 10;

function progressBar(io: CliIO): { step(info: StepInfo): void; done(): void } {
  if (!io.stderr.isTTY) return { step: () => undefined, done: () => undefined };
  let last = now();
  let avg = 0;
  let shown = false;
  return {
    step(info) {
      const t = now();
      const ms = t - last;
      last = t;
      avg = info.step === 1 ? ms : avg + (ms - avg) / Math.min(info.step, 10);
      const width = 30;
      const fill = Math.round((width * info.step) / info.total);
      const rep = info.repeat > 0 ? ` (repeat ${info.repeat + 1})` : '';
      io.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] step ${info.step}/${info.total}  ${avg.toFixed(0)} ms/step${rep}  `);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\n');
    },
  };
}

/** Run one edit. Returns the JSON report. */
export async function run(opts: CliOptions, io: CliIO): Promise<Record<string, unknown>> {
  const start = now();
  const guide = await readPng(opts.guide, 'guide');
  const maskImg = opts.mask ? await readPng(opts.mask, 'mask') : null;

  const loadStart = now();
  const loaded = await loadPackFromDir(opts.model, { threads: opts.threads });
  const loadMs = now() - loadStart;
  try {
    const { pack, schedule, denoiser } = loaded;
    const { width, height } = workingSize(guide.width, guide.height, opts.size, pack.multiple);
    const guideChw = resizeChw(rgbaToChw(guide.rgba, guide.width, guide.height), 3, guide.height, guide.width, height, width);
    const padded = padToMultiple(guideChw, 3, height, width, pack.multiple);
    let mask: Float32Array | null = null;
    let unpaddedMask: Float32Array | null = null;
    if (maskImg) {
      const m = resizeMask(maskFromRgba(maskImg.rgba, maskImg.width, maskImg.height), maskImg.height, maskImg.width, height, width);
      let any = false;
      for (let i = 0; i < m.length && !any; i++) any = m[i] > 0;
      if (!any) throw new CliError(`the mask selects nothing (${opts.mask} is black everywhere; white = edit)`);
      unpaddedMask = m;
      mask = padToMultiple(m, 1, height, width, pack.multiple).data;
    }

    const auto = opts.t0 === 'auto' ? await autoT0(loaded, guideChw, height, width, unpaddedMask) : null;
    if (auto) io.stderr.write(`sdedit: ${describeAutoT0(auto)}\n`);
    const t0 = auto ? auto.t0 : (opts.t0 as number);
    const sampler: SamplerName = opts.sampler ?? (schedule.type === 've' ? 've' : 'ddpm');
    const steps = opts.steps === 0 && sampler !== 'ddpm' ? Math.max(1, Math.round(t0 * 1000)) : opts.steps;
    const sdOpts = { sampler, t0, steps, eta: opts.eta, repeats: opts.repeats, seed: opts.seed, batch: opts.variations, ...(opts.grid ? { grid: opts.grid } : {}) };
    try {
      // checks the sampler against the schedule (every sampler's planner)
      networkCalls(schedule, sdOpts);
    } catch (e) {
      throw new CliError(`${(e as Error).message.replace(/^sdedit: /, '')} (model ${pack.name})`);
    }

    const bar = progressBar(io);
    const netBefore = loaded.networkMs();
    const runStart = now();
    const result = await sdedit(denoiser, padded.data, [3, padded.h, padded.w], schedule, {
      ...sdOpts,
      mask,
      onStep: (info) => bar.step(info),
    });
    bar.done();
    const runMs = now() - runStart;
    const networkMs = loaded.networkMs() - netBefore;

    const images = padded.crop(result, 3);
    const per = 3 * width * height;
    const outputs = outputPaths(opts.out, opts.variations);
    for (let b = 0; b < opts.variations; b++) {
      await writePng(outputs[b], chwToRgba(images.subarray(b * per, (b + 1) * per), width, height), width, height);
    }
    const totalMs = now() - start;
    return {
      params: {
        guide: opts.guide,
        mask: opts.mask,
        model: opts.model,
        t0,
        ...(auto ? { t0_auto: { source: auto.source, reason: auto.reason, network_evaluations: auto.evaluations } } : {}),
        signal_kept: signalAt(schedule, t0),
        sampler,
        steps,
        ...(opts.grid ? { grid: opts.grid } : {}),
        eta: opts.eta,
        repeats: opts.repeats,
        seed: opts.seed,
        size: opts.size,
        variations: opts.variations,
        threads: opts.threads,
      },
      t0,
      model: { name: pack.name, prediction: pack.prediction, sde: pack.sde.type, multiple: pack.multiple, bytes: loaded.modelBytes.length },
      guide_size: [guide.width, guide.height],
      width,
      height,
      padded: [padded.w, padded.h],
      network_calls: networkCalls(schedule, sdOpts),
      backend: 'onnxruntime-node cpu',
      timings: {
        total_ms: round1(totalMs),
        network_ms: round1(networkMs),
        other_ms: round1(totalMs - networkMs),
        load_ms: round1(loadMs),
        sdedit_ms: round1(runMs),
      },
      outputs,
    };
  } finally {
    await loaded.release().catch(() => undefined);
  }
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** The command. Returns the exit code: 0 ok, 2 bad arguments, 1 bad input or failure. */
export async function main(argv: readonly string[], io: CliIO = process): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    io.stderr.write(`sdedit: ${oneLine((e as Error).message)}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  try {
    const report = await run(parsed.options, io);
    if (parsed.options.json) io.stdout.write(JSON.stringify(report) + '\n');
    else {
      const t = report.timings as { total_ms: number; network_ms: number };
      io.stderr.write(`sdedit: wrote ${(report.outputs as string[]).join(', ')} (${report.width}×${report.height}, ${(t.total_ms / 1000).toFixed(1)} s, network ${(t.network_ms / 1000).toFixed(1)} s)\n`);
    }
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`sdedit: ${oneLine(msg)}\n`);
    return e instanceof ArgError ? 2 : 1;
  }
}
