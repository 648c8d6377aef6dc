// LatentSession.load decides where a pack runs from the device facts (device-check.ts) before any
// session exists, opens the VAE encoder there, and falls back to WASM when WebGPU cannot start the
// pack. The "ONNX Runtime" here runs every session on onnxruntime-node's CPU and records which
// execution provider each was asked for; a WebGPU failure is injected there.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import type { BytesOrt } from '../../src/model/latent/web';
import type { DeviceFacts, GpuFacts } from '../../src/ui/runtime/device-check';
import { EngineError } from '../../src/ui/runtime/engine-api';
import { LatentSession } from '../../src/ui/runtime/latent-session';

const PACKS = join(__dirname, '..', 'fixtures', 'latent-packs');

function files(pack: string, rel = '', out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  const dir = join(PACKS, pack);
  for (const e of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${e}` : e;
    if (statSync(join(dir, r)).isDirectory()) files(pack, r, out);
    else out.set(r, new Uint8Array(readFileSync(join(dir, r))));
  }
  return out;
}

function recordingOrt(webgpuFailure: Error | null = null): { ort: BytesOrt; asked: string[] } {
  const asked: string[] = [];
  const ort: BytesOrt = {
    Tensor: ortNode.Tensor,
    InferenceSession: {
      async create(model, opts) {
        asked.push(opts.executionProviders[0]);
        if (opts.executionProviders[0] === 'webgpu' && webgpuFailure) throw webgpuFailure;
        return ortNode.InferenceSession.create(model, { executionProviders: ['cpu'] });
      },
    },
  };
  return { ort, asked };
}

const gpu: GpuFacts = { available: true, shaderF16: false, limits: { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }, fallbackAdapter: true, description: 'google swiftshader' };
const device = (g: GpuFacts, deviceMemoryGB: number | null = 8): DeviceFacts => ({ gpu: g, deviceMemoryGB });

test('an fp32 pack on an adapter: WebGPU fp32, the VAE encoder opened there, the software-adapter note kept', async () => {
  const { ort, asked } = recordingOrt();
  const s = await LatentSession.load(ort, 'ortweb-fp32', files('ortweb-fp32'), { device: device(gpu) });
  expect(asked).toEqual(['webgpu']);
  expect(s.backend).toBe('webgpu');
  expect(s.info.latent).toMatchObject({ backend: 'webgpu', precision: 'fp32', whyNotGpu: null, largestTensorBytes: 16000 });
  expect(s.info.latent.deviceNotes).toEqual([expect.stringMatching(/software/)]);
});

test('a float16 pack on an adapter without shader-f16: WASM, and the pack info says why', async () => {
  const { ort, asked } = recordingOrt();
  const s = await LatentSession.load(ort, 'webnn-fp16', files('webnn-fp16'), { device: device(gpu) });
  expect(asked).toEqual(['wasm']);
  expect(s.info.latent).toMatchObject({ backend: 'wasm', precision: 'fp16', whyNotGpu: expect.stringMatching(/no shader-f16/) });
  // with shader-f16 the same pack goes to WebGPU fp16
  const { ort: ort2 } = recordingOrt();
  const s2 = await LatentSession.load(ort2, 'webnn-fp16', files('webnn-fp16'), { device: device({ ...gpu, shaderF16: true }) });
  expect(s2.info.latent).toMatchObject({ backend: 'webgpu', precision: 'fp16' });
});

test('WebGPU that cannot create the session: the pack loads on WASM with the reason', async () => {
  const { ort, asked } = recordingOrt(new Error('failed to allocate a GPU buffer'));
  const s = await LatentSession.load(ort, 'ortweb-fp32', files('ortweb-fp32'), { device: device(gpu) });
  expect(asked).toEqual(['webgpu', 'wasm']);
  expect(s.info.latent.backend).toBe('wasm');
  expect(s.info.latent.whyNotGpu).toMatch(/^WebGPU could not start this pack \(Not enough memory/);
});

test('a broken graph is not retried on WASM', async () => {
  const { ort, asked } = recordingOrt(new Error('Failed to load model: protobuf parsing failed'));
  await expect(LatentSession.load(ort, 'ortweb-fp32', files('ortweb-fp32'), { device: device(gpu) })).rejects.toMatchObject({ code: 'invalid-model' });
  expect(asked).toEqual(['webgpu']);
});

test('a pack the device cannot hold is refused before any session is created', async () => {
  const { ort, asked } = recordingOrt();
  const err = await LatentSession.load(ort, 'ortweb-fp32', files('ortweb-fp32'), { device: device({ available: false, reason: 'this Figma window has no WebGPU' }, 0.25) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EngineError);
  expect(err).toMatchObject({ code: 'device-unfit', message: expect.stringMatching(/^“ortweb-fp32” cannot load here: it needs at least 0\.\d+ GB of memory and this computer reports about 0\.25 GB\. What would make it run: a smaller pack/) });
  expect(asked).toEqual([]);
});
