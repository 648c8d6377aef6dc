// The facts device-check.ts decides on, read from this browser: the WebGPU probe (src/model/web.ts)
// and navigator.deviceMemory. Why WebGPU is missing says so plainly, including a window that is
// not a secure context (WebGPU exists only in one; hosted mode gives the panel one).
import { probeWebGPU, type WebGpuProbe } from '../../model/web';
import type { DeviceFacts, GpuFacts } from './device-check';

interface NavigatorFacts {
  deviceMemory?: unknown;
}

/** GpuFacts from a probe; `secure` is the window's isSecureContext. */
export function gpuFacts(probe: WebGpuProbe, secure: boolean): GpuFacts {
  if (probe.available) {
    return { available: true, shaderF16: probe.shaderF16, limits: probe.limits ?? null, fallbackAdapter: probe.fallbackAdapter === true, description: probe.description ?? '' };
  }
  if (!secure && probe.reason.code === 'no-webgpu') {
    return { available: false, reason: 'this window is not a secure context, so it has no WebGPU (the plugin in hosted mode runs in one)' };
  }
  return { available: false, reason: probe.reason.code === 'no-webgpu' ? 'this Figma window has no WebGPU' : 'no graphics card is available to Figma (no WebGPU adapter)' };
}

/** navigator.deviceMemory when it is a positive number, else null. */
export function deviceMemoryGB(nav: NavigatorFacts | undefined): number | null {
  const v = nav?.deviceMemory;
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : null;
}

/** Ask this browser (one adapter request unless `probe` is given). */
export async function readDeviceFacts(probe?: WebGpuProbe): Promise<DeviceFacts> {
  const g = globalThis as { navigator?: NavigatorFacts; isSecureContext?: boolean };
  const p = probe ?? (await probeWebGPU());
  return { gpu: gpuFacts(p, g.isSecureContext !== false), deviceMemoryGB: deviceMemoryGB(g.navigator) };
}
