// WebGPU in Node for the benchmarks: Dawn's Node binding (the `webgpu` dev dependency) as
// `navigator.gpu`, so that onnxruntime-web's WebGPU execution provider runs outside a browser.
// On the device machine Dawn finds the NVIDIA Vulkan driver; here (no GPU) point the Vulkan
// loader at the SwiftShader ICD that Debian's Chromium ships:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
// (Debian 12's lavapipe lacks features Dawn requires.)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Use SwiftShader when no Vulkan driver is named and no NVIDIA one is installed. */
export function defaultVulkanIcd() {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  const nvidia = ['/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json', '/usr/share/vulkan/icd.d/nvidia_icd.json', '/etc/vulkan/icd.d/nvidia_icd.json'];
  const found = nvidia.find((f) => existsSync(f));
  if (found) process.env.VK_DRIVER_FILES = found;
  else if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/**
 * Install `navigator.gpu` (and the WebGPU globals) from Dawn; returns the adapter's info and
 * features, or throws with the reason when Dawn finds no adapter.
 */
export async function installWebGPU() {
  defaultVulkanIcd();
  const { create, globals } = await import(join(ROOT, 'node_modules/webgpu/index.js'));
  Object.assign(globalThis, globals);
  // Dawn's writeBuffer rejects views of a SharedArrayBuffer ("Invalid argument"), and the ORT
  // wasm build keeps its heap in one: copy such views into a plain buffer first.
  const q = globals.GPUQueue.prototype;
  if (!q.__sharedCopy) {
    const writeBuffer = q.writeBuffer;
    q.writeBuffer = function (buffer, offset, data, dataOffset = 0, size) {
      if (typeof SharedArrayBuffer !== 'undefined' && data && data.buffer instanceof SharedArrayBuffer) {
        const el = data.BYTES_PER_ELEMENT || 1;
        const start = dataOffset * el;
        const len = size === undefined ? data.byteLength - start : size * el;
        const copy = new Uint8Array(data.buffer, data.byteOffset + start, len).slice();
        return writeBuffer.call(this, buffer, offset, copy, 0, len);
      }
      return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
    };
    q.__sharedCopy = true;
  }
  // Dawn on NVIDIA's Vulkan driver offered no shader-f16 on the H100 with default toggles; try
  // again with allow_unsafe_apis (recorded as `dawnFlags` so a figure says how it was obtained).
  let dawnFlags = [];
  let gpu = create(dawnFlags);
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Vulkan driver? set VK_ICD_FILENAMES)');
  if (!adapter.features.has('shader-f16') && process.env.DAWN_TRY_F16 !== '0') {
    const flags = ['enable-dawn-features=allow_unsafe_apis'];
    const g2 = create(flags);
    const a2 = await g2.requestAdapter({ powerPreference: 'high-performance' });
    if (a2?.features.has('shader-f16')) {
      gpu = g2;
      adapter = a2;
      dawnFlags = flags;
    }
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node', hardwareConcurrency: 1, language: 'en' }, configurable: true, writable: true });
  const info = adapter.info ?? {};
  return {
    gpu,
    rawAdapter: adapter,
    dawnFlags,
    adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
    features: [...adapter.features],
  };
}

/** onnxruntime-web's WebGPU build, set up to run from bytes (no fetches), one WASM thread. */
export async function loadOrtWebGPU() {
  const ort = await import(join(ROOT, 'node_modules/onnxruntime-web/dist/ort.webgpu.mjs'));
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = readFileSync(join(ROOT, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'));
  ort.env.logLevel = 'error';
  return ort;
}
