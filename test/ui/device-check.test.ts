// Where a latent pack runs, one test per branch of the decision (device-check.ts), and the
// browser facts it is fed (device-facts.ts).
import { LATENT_MEMORY_MARGIN_BYTES } from '../../src/model/latent/memory';
import type { PackWeights } from '../../src/model/latent/pack-weights';
import { WebRuntimeError } from '../../src/model/web';
import { decideLatentDevice, runsOnLabel, systemBytesNeeded, type DeviceFacts, type GpuFacts } from '../../src/ui/runtime/device-check';
import { deviceMemoryGB, gpuFacts } from '../../src/ui/runtime/device-facts';
import { PANEL_MEMORY_BYTES } from '../../src/ui/runtime/memory-budget';

const MB = 1e6;
const GIB = 2 ** 30;

/** SD-Turbo-like numbers: unet 1.73 GB, text encoder 681 MB, token embedding 49408×1024. */
function pack(over: Partial<PackWeights> = {}): PackWeights {
  const partBytes = { unet: 1730 * MB, text_encoder: 681 * MB, vae_encoder: 68 * MB, vae_decoder: 99 * MB };
  return {
    partBytes,
    totalBytes: Object.values(partBytes).reduce((a, b) => a + b, 0),
    largestTensor: { part: 'text_encoder', name: 'token_embedding', bytes: 49408 * 1024 * 2 },
    precision: 'fp16',
    usesFloat16: true,
    ...over,
  };
}

const gpu = (over: Partial<Extract<GpuFacts, { available: true }>> = {}): GpuFacts => ({
  available: true,
  shaderF16: true,
  limits: { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB },
  fallbackAdapter: false,
  description: 'nvidia ampere',
  ...over,
});
const facts = (g: GpuFacts, deviceMemoryGB: number | null = 8): DeviceFacts => ({ gpu: g, deviceMemoryGB });

describe('decideLatentDevice', () => {
  it('WebGPU fp16: an adapter with shader-f16 and room for the largest tensor', () => {
    const d = decideLatentDevice('sd-turbo', pack(), facts(gpu()));
    expect(d).toEqual({ run: 'webgpu', precision: 'fp16', whyNotGpu: null, notes: [] });
  });

  it('WebGPU fp32: a float32 pack needs no shader-f16', () => {
    const d = decideLatentDevice('p', pack({ precision: 'fp32', usesFloat16: false, largestTensor: { part: 'text_encoder', name: 'emb', bytes: 100 * MB } }), facts(gpu({ shaderF16: false })));
    expect(d).toMatchObject({ run: 'webgpu', precision: 'fp32' });
  });

  it('a software adapter still runs WebGPU, with a note that it is slow', () => {
    const d = decideLatentDevice('p', pack(), facts(gpu({ fallbackAdapter: true })));
    expect(d).toMatchObject({ run: 'webgpu', notes: [expect.stringMatching(/software/)] });
  });

  it('WASM when there is no WebGPU, saying why', () => {
    const d = decideLatentDevice('p', pack(), facts({ available: false, reason: 'this Figma window has no WebGPU' }));
    expect(d).toEqual({ run: 'wasm', precision: 'fp16', whyNotGpu: 'this Figma window has no WebGPU (a computer whose Figma has WebGPU (a graphics card) would run it faster)', notes: [] });
  });

  it('WASM when an fp16 pack meets a GPU without shader-f16', () => {
    const d = decideLatentDevice('p', pack(), facts(gpu({ shaderF16: false })));
    expect(d.run).toBe('wasm');
    expect(d.run === 'wasm' && d.whyNotGpu).toMatch(/no shader-f16/);
  });

  it('WASM when the largest tensor exceeds maxStorageBufferBindingSize (or maxBufferSize)', () => {
    const small = gpu({ limits: { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 } });
    const t = { part: 'text_encoder' as const, name: 'token_embedding', bytes: 49408 * 1024 * 4 };
    const d = decideLatentDevice('p', pack({ precision: 'fp32', usesFloat16: false, largestTensor: t }), facts(small));
    expect(d.run).toBe('wasm');
    expect(d.run === 'wasm' && d.whyNotGpu).toBe(
      'its largest tensor (token_embedding in text_encoder, 202 MB) is larger than one buffer this graphics card can bind (134 MB) (a graphics card with larger buffer limits would run it faster)',
    );
    const byBuffer = gpu({ limits: { maxBufferSize: 100 * MB, maxStorageBufferBindingSize: 2 * GIB } });
    expect(decideLatentDevice('p', pack(), facts(byBuffer)).run).toBe('wasm');
    // exactly at the limit fits
    const exact = gpu({ limits: { maxBufferSize: t.bytes, maxStorageBufferBindingSize: t.bytes } });
    expect(decideLatentDevice('p', pack({ largestTensor: t }), facts(exact)).run).toBe('webgpu');
  });

  it('unknown adapter limits are not a reason to refuse WebGPU', () => {
    expect(decideLatentDevice('p', pack(), facts(gpu({ limits: null }))).run).toBe('webgpu');
  });

  it('refuses a pack whose largest part cannot go through ONNX Runtime’s heap, on WebGPU as on WASM, naming what would make it run', () => {
    const partBytes = { unet: 3460 * MB, text_encoder: 1360 * MB, vae_encoder: 136 * MB, vae_decoder: 198 * MB }; // fp32 SD-Turbo
    const w = pack({ partBytes, totalBytes: 5154 * MB, precision: 'fp32', usesFloat16: false });
    for (const g of [gpu(), { available: false as const, reason: 'no graphics card is available to Figma (no WebGPU adapter)' }]) {
      const d = decideLatentDevice('sd-turbo-fp32', w, facts(g, null));
      expect(d.run).toBe('refuse');
      const m = d.run === 'refuse' ? d.message : '';
      expect(m).toContain('“sd-turbo-fp32” cannot load here: its largest part (3.5 GB) goes through ONNX Runtime');
      expect(m).toContain('on WebGPU as on the CPU');
      expect(m).toContain('more than the 3.2 GB the panel can use');
      expect(m).toContain('What would make it run: a smaller pack (an fp16 copy halves it), or the sdedit command (sdedit --model FOLDER');
    }
    // its fp16 copy (1.73 GB unet) loads
    expect(decideLatentDevice('sd-turbo', pack(), facts(gpu(), null)).run).toBe('webgpu');
  });

  it('the WASM budget: the largest part plus ONNX Runtime’s margin, at the edge', () => {
    const edge = PANEL_MEMORY_BYTES - LATENT_MEMORY_MARGIN_BYTES;
    const parts = (u: number) => ({ unet: u, text_encoder: 1, vae_encoder: 1, vae_decoder: 1 });
    const none = facts({ available: false, reason: 'none' }, null);
    expect(decideLatentDevice('p', pack({ partBytes: parts(edge), totalBytes: edge + 3 }), none).run).toBe('wasm');
    expect(decideLatentDevice('p', pack({ partBytes: parts(edge + 1), totalBytes: edge + 4 }), none).run).toBe('refuse');
    expect(decideLatentDevice('p', pack({ partBytes: parts(edge + 1), totalBytes: edge + 4 }), facts(gpu(), null)).run).toBe('refuse');
  });

  it('navigator.deviceMemory refuses only a pack that needs at least twice the reported figure', () => {
    const w = pack(); // needs 2.58 GB of files + 1.73 GB + the margin ≈ 5.1 GB
    const need = systemBytesNeeded(w);
    expect(need).toBe(w.totalBytes + 1730 * MB + LATENT_MEMORY_MARGIN_BYTES);
    const two = decideLatentDevice('sd-turbo', w, facts(gpu(), 2));
    expect(two.run).toBe('refuse');
    expect(two.run === 'refuse' && two.message).toMatch(/needs at least 5\.\d GB of memory and this computer reports about 2 GB\. What would make it run: a smaller pack, a computer with more memory, or the sdedit command/);
    // 4 GB reported: the computer may have up to 8, so it runs, with a warning
    const four = decideLatentDevice('sd-turbo', w, facts(gpu(), 4));
    expect(four).toMatchObject({ run: 'webgpu', notes: [expect.stringMatching(/reports about 4 GB.*may run out of memory/)] });
    // 8 is the cap: "8 or more" says nothing against the pack
    expect(decideLatentDevice('sd-turbo', w, facts(gpu(), 8))).toMatchObject({ run: 'webgpu', notes: [] });
    expect(decideLatentDevice('sd-turbo', w, facts(gpu(), null))).toMatchObject({ run: 'webgpu', notes: [] });
  });

  it('labels where a pack runs', () => {
    expect(runsOnLabel('webgpu', 'fp16')).toBe('WebGPU fp16');
    expect(runsOnLabel('wasm', 'fp32')).toBe('WASM fp32');
  });
});

describe('device facts from the browser', () => {
  it('an adapter probe becomes GpuFacts with its limits', () => {
    const f = gpuFacts({ available: true, shaderF16: false, limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 2 }, fallbackAdapter: true, description: 'google swiftshader' }, true);
    expect(f).toEqual({ available: true, shaderF16: false, limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 2 }, fallbackAdapter: true, description: 'google swiftshader' });
    expect(gpuFacts({ available: true, shaderF16: true }, true)).toEqual({ available: true, shaderF16: true, limits: null, fallbackAdapter: false, description: '' });
  });
  it('no WebGPU: the reason in words, and a window that is not a secure context says so', () => {
    const none = { available: false as const, reason: new WebRuntimeError('no-webgpu', 'x') };
    expect(gpuFacts(none, true)).toEqual({ available: false, reason: 'this Figma window has no WebGPU' });
    expect(gpuFacts(none, false)).toMatchObject({ available: false, reason: expect.stringMatching(/not a secure context.*hosted mode/) });
    expect(gpuFacts({ available: false, reason: new WebRuntimeError('no-adapter', 'x') }, false)).toMatchObject({ reason: expect.stringMatching(/no WebGPU adapter/) });
  });
  it('navigator.deviceMemory only when it is a positive number', () => {
    expect(deviceMemoryGB({ deviceMemory: 4 })).toBe(4);
    expect(deviceMemoryGB({ deviceMemory: 0.25 })).toBe(0.25);
    expect(deviceMemoryGB({})).toBeNull();
    expect(deviceMemoryGB({ deviceMemory: '8' })).toBeNull();
    expect(deviceMemoryGB(undefined)).toBeNull();
  });
});
