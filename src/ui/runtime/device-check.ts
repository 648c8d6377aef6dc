// Where a latent pack runs, decided before any of its sessions is created, from what the browser
// tells about this device and what the pack's graphs say about its weights (pack-weights.ts):
// WebGPU (at the pack's own precision) when an adapter exists, has shader-f16 for a float16 pack
// and can hold the pack's largest tensor in one buffer; else WASM. Refused, with why and what
// would make it run, when the pack cannot load on either: onnxruntime-web copies each graph into
// its WebAssembly heap to create the session, on WebGPU as on WASM (wasm-core-impl.ts,
// copyFromExternalBuffer), so the largest part plus ONNX Runtime's margin must fit the panel's
// heap budget whatever the backend; and the computer's memory must hold the pack. Memory is
// checked as far as the browser tells: navigator.deviceMemory is the computer's RAM rounded down
// to a power of two and capped at 8, so it can only rule a pack out when the pack needs at least
// twice the reported figure. A GPU's own memory is not exposed to pages at all: a pack that passes
// these checks can still fail to allocate there, and then falls back to WASM (latent-session.ts).
import type { PackWeights } from '../../model/latent/pack-weights';
import { LATENT_MEMORY_MARGIN_BYTES } from '../../model/latent/memory';
import type { GpuBufferLimits } from '../../model/web';
import { PANEL_MEMORY_BYTES } from './memory-budget';

/** What the browser says about the GPU: an adapter and its facts, or why there is none (in words). */
export type GpuFacts =
  | { available: true; shaderF16: boolean; limits: GpuBufferLimits | null; fallbackAdapter: boolean; description: string }
  | { available: false; reason: string };

export interface DeviceFacts {
  gpu: GpuFacts;
  /** navigator.deviceMemory in GB (0.25 … 8), null where the browser does not say */
  deviceMemoryGB: number | null;
}

export type DeviceDecision =
  | { run: 'webgpu' | 'wasm'; precision: 'fp16' | 'fp32'; /** why not WebGPU (WASM only) */ whyNotGpu: string | null; notes: string[] }
  | { run: 'refuse'; message: string };

const GB = 1e9;
const GIB = 2 ** 30;
const gb = (bytes: number): string => `${(bytes / GB).toFixed(bytes < GB ? 2 : 1)} GB`;
const mb = (bytes: number): string => (bytes >= GB ? gb(bytes) : `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`);

/** The command that runs a pack outside the panel, for messages. */
export const CLI_HINT = 'the sdedit command (sdedit --model FOLDER --guide in.png --prompt "…" --out out.png) on a computer with enough memory';

/** "WebGPU fp16", "WASM fp32": where a pack runs, as the pack info says it. */
export function runsOnLabel(backend: 'webgpu' | 'wasm', precision: 'fp16' | 'fp32'): string {
  return `${backend === 'webgpu' ? 'WebGPU' : 'WASM'} ${precision}`;
}

/** Why WebGPU cannot take the pack, or null when it can. */
function gpuRefusal(gpu: GpuFacts, w: PackWeights): { why: string; fix: string } | null {
  if (!gpu.available) return { why: gpu.reason, fix: 'a computer whose Figma has WebGPU (a graphics card)' };
  if (w.usesFloat16 && !gpu.shaderF16) {
    return { why: `this graphics card has no shader-f16 (float16 shaders), which this ${w.precision} pack's float16 tensors need on WebGPU`, fix: 'a graphics card with shader-f16, or a float32 copy of the pack' };
  }
  if (gpu.limits) {
    const bind = Math.min(gpu.limits.maxBufferSize, gpu.limits.maxStorageBufferBindingSize);
    const t = w.largestTensor;
    if (t.bytes > bind) {
      return {
        why: `its largest tensor (${t.name || 'unnamed'} in ${t.part}, ${mb(t.bytes)}) is larger than one buffer this graphics card can bind (${mb(bind)})`,
        fix: 'a graphics card with larger buffer limits',
      };
    }
  }
  return null;
}

/** Bytes of the computer's memory a load needs at least: the pack's files (already read into the
 *  panel), its largest part once more (copied into ONNX Runtime's heap while its session is
 *  created) and ONNX Runtime's own working margin. */
export function systemBytesNeeded(w: PackWeights): number {
  return w.totalBytes + Math.max(...Object.values(w.partBytes)) + LATENT_MEMORY_MARGIN_BYTES;
}

/** Decide where the pack runs, or refuse it. Pure: every fact comes in through `facts`. */
export function decideLatentDevice(name: string, w: PackWeights, facts: DeviceFacts, wasmBudgetBytes = PANEL_MEMORY_BYTES): DeviceDecision {
  const notes: string[] = [];
  const need = systemBytesNeeded(w);
  const reported = facts.deviceMemoryGB;
  if (reported !== null && reported > 0 && reported < 8) {
    // rounded down to a power of two: the computer has less than twice the reported figure
    if (need >= 2 * reported * GIB) {
      return {
        run: 'refuse',
        message:
          `“${name}” cannot load here: it needs at least ${gb(need)} of memory and this computer reports about ${reported} GB. ` +
          `What would make it run: a smaller pack, a computer with more memory, or ${CLI_HINT}.`,
      };
    }
    if (need > reported * GIB) notes.push(`this computer reports about ${reported} GB of memory and the pack needs at least ${gb(need)}: it may run out of memory`);
  }
  const largestPart = Math.max(...Object.values(w.partBytes));
  const heap = largestPart + LATENT_MEMORY_MARGIN_BYTES;
  if (heap > wasmBudgetBytes) {
    return {
      run: 'refuse',
      message:
        `“${name}” cannot load here: its largest part (${gb(largestPart)}) goes through ONNX Runtime's WebAssembly memory while it loads, on WebGPU as on the CPU, and with ONNX Runtime's own needs that is about ${gb(heap)}, more than the ${gb(wasmBudgetBytes)} the panel can use. ` +
        `What would make it run: a smaller pack (an fp16 copy halves it), or ${CLI_HINT}.`,
    };
  }
  const gpu = gpuRefusal(facts.gpu, w);
  if (gpu) return { run: 'wasm', precision: w.precision, whyNotGpu: `${gpu.why} (${gpu.fix} would run it faster)`, notes };
  if (facts.gpu.available && facts.gpu.fallbackAdapter) notes.push('the WebGPU adapter is a software one (no graphics card): expect it to be slow');
  return { run: 'webgpu', precision: w.precision, whyNotGpu: null, notes };
}
