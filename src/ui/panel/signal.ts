// The share of the guide's signal kept at t0, shown beside the slider: t0 alone does not
// transfer across schedules, the signal kept does.
import { signalAt, veGeometric, vpLinear, type Schedule } from '../../core';

const cache = new Map<'vp' | 've', Schedule>();

function scheduleFor(sde: 'vp' | 've'): Schedule {
  let s = cache.get(sde);
  if (!s) {
    s = sde === 'vp' ? vpLinear() : veGeometric();
    cache.set(sde, s);
  }
  return s;
}

/** √ᾱ(t0) for VP, 1/σ(t0) for VE, clamped to [0, 1]. */
export function signalKept(t0: number, sde: 'vp' | 've' = 'vp'): number {
  const v = signalAt(scheduleFor(sde), t0);
  return Math.min(1, Math.max(0, v));
}

export function formatPercent(share: number): string {
  const p = share * 100;
  if (p >= 99.5) return '100%';
  if (p >= 10) return `${Math.round(p)}%`;
  if (p >= 0.1) return `${p.toFixed(1)}%`;
  return '<0.1%';
}

/** "keeps 71% of the guide's signal" */
export function describeSignalKept(t0: number, sde: 'vp' | 've' = 'vp'): string {
  return `keeps ${formatPercent(signalKept(t0, sde))} of the guide's signal`;
}

/** The precise term behind "signal kept", for the tooltip: "√ᾱ(t0) = 0.71 (VP SDE)". */
export function signalKeptTerm(t0: number, sde: 'vp' | 've' = 'vp'): string {
  const kept = signalKept(t0, sde);
  const v = kept.toFixed(kept >= 0.01 ? 2 : 4);
  return sde === 'vp'
    ? `√ᾱ(t0) = ${v}: the share of the guide left in the noised image (VP SDE). SDEdit's t0: the time the guide is noised to.`
    : `1/σ(t0) = ${v}: the guide's scale against the noise (VE SDE). SDEdit's t0: the time the guide is noised to.`;
}
