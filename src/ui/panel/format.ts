// Small formatting helpers for the panel.
import type { SamplerChoice } from '../../protocol';
import type { Backend } from '../runtime/engine-api';

export function formatBytes(n: number): string {
  if (!(n >= 0)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** "1 step", "4 steps": a count with its noun in the right number. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function formatMs(ms: number): string {
  if (!(ms > 0)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

/** Short sampler names for the history line ("20 DDIM steps"). */
export function samplerShortLabel(s: SamplerChoice): string {
  return { 'dpmpp2m-sde': 'DPM++ SDE', dpmpp2m: 'DPM++', ddim: 'DDIM', ddpm: 'DDPM' }[s] ?? String(s).toUpperCase();
}

export function backendLabel(b: Backend | null): string {
  return b === 'webgpu' ? 'WebGPU' : b === 'wasm' ? 'WASM' : '…';
}

export function sourceLabel(source: string): string {
  if (source === 'embedded') return 'built in, works offline';
  try {
    return `from ${new URL(source).host}`;
  } catch {
    return source;
  }
}
