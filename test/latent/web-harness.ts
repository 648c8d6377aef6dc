// Run by test/latent/web.test.ts in a plain Node process (bundled with esbuild): jest's module
// sandbox cannot load onnxruntime-web's WASM glue (a dynamic import). Runs reference cases through
// onnxruntime-web (WASM) from bytes in memory and prints one JSON line per case with the largest
// differences to the reference.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { readLatentPack } from '../../src/model/latent/folder';
import { latentSDEdit } from '../../src/model/latent/pipeline';
import { filesReader, webLatentRuntime } from '../../src/model/latent/web';
import type { Arr, RefCase } from './reference';
import { maxDiff, referenceEditOptions } from './reference';

function packFiles(dir: string, rel = '', out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  for (const name of readdirSync(path.join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) packFiles(dir, r, out);
    else out.set(r, new Uint8Array(readFileSync(path.join(dir, r))));
  }
  return out;
}

async function main(): Promise<void> {
  const [packsDir, ...ids] = process.argv.slice(2);
  const ref = JSON.parse(readFileSync(path.join(packsDir, 'reference.json'), 'utf8')) as { cases: RefCase[]; guide_images: Record<string, Arr> };
  ortWeb.env.wasm.numThreads = 1;
  for (const id of ids) {
    const c = ref.cases.find((k) => k.id === id);
    if (!c) throw new Error(`no reference case ${id}`);
    const files = packFiles(path.join(packsDir, c.pack));
    const info = await readLatentPack(filesReader(files));
    const res = await latentSDEdit(webLatentRuntime(ortWeb, files, info, { backend: 'wasm' }), info, Float32Array.from(ref.guide_images[c.guide].data), 64, 64, referenceEditOptions(c));
    const same = res.timesteps.length === c.timesteps.length && res.timesteps.every((t, i) => t === c.timesteps[i]);
    process.stdout.write(JSON.stringify({ id, timesteps: same, latent: maxDiff(res.latents, c.final_latent.data), image: maxDiff(res.images, c.decoded_image.data), tolerance: c.tolerance }) + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
