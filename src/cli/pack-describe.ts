// `sdedit pack describe DIR [--write-sidecar] [--name N] [--license ID] [--json]`: what a diffusers
// ONNX folder holds as this engine understands it (kind, schedule, recommended settings, each
// part's I/O from its session, sizes, every file's bytes and sha256), and optionally the
// model.json sidecar that later loads verify.
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { PARTS } from '../model/latent/folder';
import { loadLatentPackFromDir, nodeRuntime, sha256File } from '../model/latent/node';
import type { Sidecar } from '../model/latent/sidecar';
import { clipTokenizer } from '../model/latent/tokenizer';
import { oneLine } from './command';
import { ArgError } from './flags';
import type { CliIO } from './host';
import { writeAll } from './outputs';

export const PACK_USAGE = `usage: sdedit pack describe DIR [--write-sidecar [--replace]] [--name NAME] [--license ID] [--json]

Print what the diffusers ONNX folder DIR holds: kind, schedule, recommended steps / t0 (diffusers'
strength) / guidance, each part's inputs and outputs, sizes, and every file's bytes and sha256.
--write-sidecar also writes DIR/model.json (hashes, licence, recommended settings), which
\`sdedit --model DIR\` then verifies on every load. An existing DIR/model.json is never written
over unless --replace is given.`;

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else if (e.isFile() && r !== 'model.json' && !e.name.startsWith('.')) out.push(r);
  }
  return out.sort();
}

const shape = (s: ReadonlyArray<number | string> | undefined): string => `[${(s ?? []).join(', ')}]`;

export async function describePack(dir: string): Promise<Record<string, unknown>> {
  const info = await loadLatentPackFromDir(dir, true);
  const rt = nodeRuntime(dir, info, { threads: 1 });
  const io: Record<string, unknown> = {};
  for (const part of PARTS) {
    const s = await rt.open(part);
    try {
      const m = (l: typeof s.inputMetadata) => l.map((v) => ({ name: v.name, type: v.type ?? 'non-tensor', shape: v.shape ?? [] }));
      io[part] = { inputs: m(s.inputMetadata), outputs: m(s.outputMetadata), external_data: info.files[part].data };
    } finally {
      await s.release();
    }
  }
  const tok = clipTokenizer(info.tokenizer);
  const files = [];
  for (const f of await listFiles(dir)) files.push({ name: f, bytes: (await stat(path.join(dir, f))).size, sha256: await sha256File(path.join(dir, f)) });
  const sc = info.betas;
  const multiple = info.vae.factor * info.unet.multiple;
  return {
    kind: 'latent',
    format: 'diffusers-onnx',
    pipeline: info.pipeline,
    scheduler: {
      class: sc.declaredClass,
      reproduced: info.scheduler !== null,
      ...(info.schedulerNote ? { note: info.schedulerNote } : {}),
      beta_schedule: sc.trainedBetas ? 'trained' : sc.betaSchedule,
      beta_start: sc.betaStart,
      beta_end: sc.betaEnd,
      num_train_timesteps: sc.numTrainTimesteps,
      timestep_spacing: sc.timestepSpacing,
      steps_offset: sc.stepsOffset,
      prediction_type: sc.predictionType,
    },
    recommended: { ...info.recommended, t0_means: "diffusers' img2img strength", cfg: !info.distilled && info.recommended.guidance > 1 },
    distilled: info.distilled,
    vae: info.vae,
    unet: { ...info.unet, size_multiple_px: multiple, native_px: info.unet.sampleSize ? info.unet.sampleSize * info.vae.factor : null },
    text: { hidden: info.textHidden, tokens: tok.maxLength, pad_id: tok.padId },
    io,
    sidecar: info.sidecar ? { name: info.sidecar.name, license: info.sidecar.license, verified: true } : null,
    files,
    bytes: files.reduce((a, f) => a + f.bytes, 0),
  };
}

function text(d: Record<string, unknown>): string {
  const sc = d.scheduler as Record<string, unknown>;
  const rec = d.recommended as Record<string, unknown>;
  const vae = d.vae as Record<string, unknown>;
  const unet = d.unet as Record<string, unknown>;
  const tx = d.text as Record<string, unknown>;
  const lines = [
    `kind       latent (${d.pipeline}, diffusers ONNX folder)`,
    `schedule   ${sc.class}${sc.reproduced ? '' : ' (not reproduced: use --sampler ddpm|ddim|dpmpp2m|dpmpp2m-sde)'}: ${sc.beta_schedule} β ${sc.beta_start}→${sc.beta_end}, ${sc.num_train_timesteps} steps, ${sc.timestep_spacing} spacing, steps_offset ${sc.steps_offset}, ${sc.prediction_type}`,
    `recommend  steps ${rec.steps}, t0 ${rec.t0} (diffusers' strength), guidance ${rec.guidance}${d.distilled ? ' (distilled: no CFG batch)' : ''}`,
    `vae        ${vae.className}, ×${vae.factor}, ${vae.latentChannels} latent channels, scaling_factor ${vae.scalingFactor}`,
    `sizes      multiples of ${unet.size_multiple_px} px${unet.native_px ? `, native ${unet.native_px} px` : ''}`,
    `text       hidden ${tx.hidden ?? '?'}, ${tx.tokens} tokens, pad id ${tx.pad_id}`,
    'I/O',
  ];
  type PortDesc = { name: string; type: string; shape: (number | string)[] };
  for (const [part, v] of Object.entries(d.io as Record<string, { inputs: PortDesc[]; outputs: PortDesc[]; external_data: string | null }>)) {
    const fmt = (l: PortDesc[]) => l.map((p) => `${p.name} ${p.type} ${shape(p.shape)}`).join(', ');
    lines.push(`  ${part.padEnd(13)} in: ${fmt(v.inputs)}`, `  ${''.padEnd(13)} out: ${fmt(v.outputs)}${v.external_data ? `  (external data ${v.external_data})` : ''}`);
  }
  lines.push(`files (${d.bytes} bytes)`);
  for (const f of d.files as { name: string; bytes: number; sha256: string }[]) lines.push(`  ${String(f.bytes).padStart(12)}  ${f.sha256}  ${f.name}`);
  if (d.sidecar) lines.push(`sidecar    model.json verified (${(d.sidecar as { name: string }).name})`);
  return lines.join('\n');
}

/** `sdedit pack …`. Exit code: 0 ok, 2 bad arguments, 1 failure. */
export async function packMain(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    if (argv[0] === '--help' || argv[0] === '-h' || argv.length === 0) {
      io.stdout.write(PACK_USAGE + '\n');
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] !== 'describe') throw new ArgError(`unknown pack command '${argv[0]}' (sdedit pack describe DIR)`);
    let dir: string | null = null;
    let write = false;
    let replace = false;
    let json = false;
    let name: string | null = null;
    let license: string | null = null;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--write-sidecar') write = true;
      else if (a === '--replace') replace = true;
      else if (a === '--json') json = true;
      else if (a === '--name' || a === '--license') {
        const v = argv[++i];
        if (!v || v.startsWith('--')) throw new ArgError(`${a} needs a value`);
        if (a === '--name') name = v;
        else license = v;
      } else if (!a.startsWith('--') && dir === null) dir = a;
      else throw new ArgError(`unexpected argument '${a}' (see sdedit pack --help)`);
    }
    if (!dir) throw new ArgError('sdedit pack describe needs the pack folder');
    const sidecarFile = path.join(dir, 'model.json');
    // a sidecar written by hand (a licence, a name) is the user's: refuse before any work
    if (write && !replace && existsSync(sidecarFile)) {
      throw new ArgError(`${sidecarFile} already exists; nothing was written (add --replace to write a new one over it)`);
    }
    const d = await describePack(dir);
    if (write) {
      const sidecar: Sidecar = {
        kind: 'latent',
        format: 'diffusers-onnx',
        name: name ?? path.basename(path.resolve(dir)),
        license: { id: license ?? 'unknown' },
        recommended: { steps: (d.recommended as { steps: number }).steps, t0: (d.recommended as { t0: number }).t0, guidance: (d.recommended as { guidance: number }).guidance },
        files: d.files as Sidecar['files'],
      };
      await writeAll([{ file: sidecarFile, bytes: new TextEncoder().encode(JSON.stringify(sidecar, null, 2) + '\n') }]);
      d.sidecar = { name: sidecar.name, license: sidecar.license, written: sidecarFile };
    }
    io.stdout.write((json ? JSON.stringify(d) : text(d)) + '\n');
    return 0;
  } catch (e) {
    io.stderr.write(`sdedit: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
    return e instanceof ArgError ? 2 : 1;
  }
}
