// The tiny latent pack the URL-download e2e tests serve from localhost (ortweb-fp32: a diffusers
// ONNX folder small enough to download in a moment), with the model.json that lists its files'
// sizes and sha256s as `sdedit pack describe --write-sidecar` writes it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './harness';

export const TINY_PACK_DIR = join(ROOT, 'test', 'fixtures', 'latent-packs', 'ortweb-fp32');
/** the name the served model.json gives the pack (the panel shows it once the pack is loaded) */
export const TINY_PACK_NAME = 'tiny-url';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** The pack's files by their path inside the pack ('/'-separated), model.json not among them. */
export const TINY_PACK_FILES: ReadonlyMap<string, Buffer> = new Map(
  walk(TINY_PACK_DIR)
    .map((p) => [relative(TINY_PACK_DIR, p).split('\\').join('/'), readFileSync(p)] as const)
    .filter(([path]) => path !== 'model.json'),
);

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The pack's model.json; the file named `wrong` gets a bad sha256. */
export function tinyPackSidecar(wrong?: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      kind: 'latent',
      format: 'diffusers-onnx',
      name: TINY_PACK_NAME,
      license: { id: 'tiny-nc-test', url: 'https://example.org/licence', commercial: false },
      recommended: { steps: 2, t0: 0.5, guidance: 0 },
      files: [...TINY_PACK_FILES].map(([name, b]) => ({ name, bytes: b.length, sha256: name === wrong ? 'f'.repeat(64) : sha256Hex(b) })),
    }),
  );
}
