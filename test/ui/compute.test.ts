/** @jest-environment ./test/model/ort-node-env.js */
// The runtime's SDEditSession (src/ui/runtime/compute.ts) on the WASM path, with onnxruntime-node's
// CPU EP standing in for onnxruntime-web's WASM one: the same loop as core's sdedit on the same
// network, the network time from the denoiser's own timer, and a model returning NaN/Inf refused
// with a classified error that names the pack.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as OrtWeb from 'onnxruntime-web';
import { sdedit } from '../../src/core';
import { loadPackFromDir } from '../../src/model/node';
import { WebRuntimeError } from '../../src/model/web';
import { SDEditSession, type ComputeJob, type PackBytes } from '../../src/ui/runtime/compute';

const FIXTURES = path.join(__dirname, '../fixtures');

/** onnxruntime-node behind the part of onnxruntime-web's API that createWebSession uses. */
const ortAsWeb = {
  env: { wasm: {} },
  Tensor: ort.Tensor,
  InferenceSession: { create: (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 }) },
} as unknown as typeof OrtWeb;

function packBytes(dir: string): PackBytes {
  const files = new Map<string, Uint8Array>();
  for (const f of readdirSync(dir)) if (f.endsWith('.onnx')) files.set(f, new Uint8Array(readFileSync(path.join(dir, f))));
  return { name: path.basename(dir), manifestText: readFileSync(path.join(dir, 'model.json'), 'utf8'), files };
}

const H = 8;
const W = 12;
const job = (over: Partial<ComputeJob> = {}): ComputeJob => ({
  guide: Float32Array.from({ length: 3 * H * W }, (_, i) => Math.sin(i * 0.21)),
  channels: 3,
  height: H,
  width: W,
  mask: null,
  t0: 0.5,
  steps: 4,
  sampler: 'ddim',
  repeats: 1,
  seed: 9,
  variations: 1,
  previewEvery: 2,
  ...over,
});

it('runs the SDEdit loop on the session, as core does on the node session, and times the network', async () => {
  const session = await SDEditSession.load(ortAsWeb, packBytes(path.join(FIXTURES, 'tiny-model')), { preferWebGPU: false, wasmBinary: new Uint8Array(0), numThreads: 1 });
  const loaded = await loadPackFromDir(path.join(FIXTURES, 'tiny-model'), { threads: 1 });
  try {
    expect(session.backend).toBe('wasm');
    const steps: number[] = [];
    const out = await session.run(job(), (s) => steps.push(s.step), new AbortController().signal);
    expect(steps).toEqual([1, 2, 3, 4]);
    const ref = await sdedit(loaded.denoiser, job().guide, [3, H, W], loaded.schedule, { sampler: 'ddim', t0: 0.5, steps: 4, seed: 9, batch: 1 });
    expect(Buffer.from(out.out.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    expect(out.networkMs).toBeGreaterThan(0);
    expect(out.networkMs).toBeLessThanOrEqual(out.totalMs);
  } finally {
    await session.dispose();
    await loaded.release();
  }
});

it('a model that returns NaN/Inf fails with the invalid-output code and the pack name, not a grey image', async () => {
  const session = await SDEditSession.load(ortAsWeb, packBytes(path.join(FIXTURES, 'nan-model')), { preferWebGPU: false, wasmBinary: new Uint8Array(0), numThreads: 1 });
  try {
    const err = await session.run(job(), () => undefined, new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebRuntimeError);
    expect((err as WebRuntimeError).code).toBe('invalid-output');
    expect((err as Error).message).toMatch(/^the model "nan-test" returned NaN\/Inf values at t=0\.5/);
  } finally {
    await session.dispose();
  }
});
