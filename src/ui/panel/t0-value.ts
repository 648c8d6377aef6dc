// Pure helpers of the t0 control (no JSX, so node tests can import them).
import { clampT0, T0_MIN } from './settings';

export function formatT0(t: number): string {
  return Math.abs(t * 100 - Math.round(t * 100)) > 1e-6 ? t.toFixed(3) : t.toFixed(2);
}

/** Arrow keys with shift move by 0.1; returns the new value, or null for other keys. */
export function shiftStep(key: string, shift: boolean, value: number): number | null {
  if (!shift) return null;
  return arrowStep(key, 0.1, value);
}

/** Up/right increase and down/left decrease by `step`, within the slider's range (T0_MIN to 1);
 *  null for other keys. */
export function arrowStep(key: string, step: number, value: number): number | null {
  const dir = key === 'ArrowUp' || key === 'ArrowRight' ? 1 : key === 'ArrowDown' || key === 'ArrowLeft' ? -1 : 0;
  if (dir === 0) return null;
  return Math.max(T0_MIN, clampT0(Math.round((value + dir * step) * 100) / 100));
}
