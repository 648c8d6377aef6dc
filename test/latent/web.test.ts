// Latent packs through onnxruntime-web (WASM) from bytes in memory, external data and float16
// included, against the same reference as on onnxruntime-node. Runs test/latent/web-harness.ts
// in a child Node process (jest's sandbox cannot load onnxruntime-web's WASM glue).
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PACKS_DIR } from './reference';

const IDS = ['dpmpp2m-cfg-n10-s0.6', 'euler-fp16-n4-s0.75', 'lcm-n4-s0.5-g7.5', 'euler-ancestral-taesd-n4-s0.75'];

test('reference cases on onnxruntime-web (wasm): external data, float16 I/O, LCM, TAESD', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sdedit-latent-web-'));
  try {
    const bundle = path.join(dir, 'harness.cjs');
    buildSync({ entryPoints: [path.join(__dirname, 'web-harness.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['onnxruntime-web'], logLevel: 'warning' });
    const out = execFileSync(process.execPath, [bundle, PACKS_DIR, ...IDS], {
      encoding: 'utf8',
      timeout: 120000,
      // the bundle lives in a temporary folder: resolve onnxruntime-web from the project
      env: { ...process.env, NODE_PATH: path.join(__dirname, '..', '..', 'node_modules') },
    });
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; timesteps: boolean; latent: number; image: number; tolerance: number });
    expect(rows.map((r) => r.id)).toEqual(IDS);
    for (const r of rows) {
      expect(r.timesteps).toBe(true);
      expect(r.latent).toBeLessThan(r.tolerance);
      expect(r.image).toBeLessThan(r.tolerance);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180000);
