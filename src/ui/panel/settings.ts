// The panel's settings rules: untrusted settings (storage, patches) clamped into protocol's one
// table of LIMITS, the t0 box's parsing, the working sizes offered, and the seed of a run.
import {
  DEFAULT_MULTIPLE,
  DEFAULT_SETTINGS,
  LIMITS,
  SAMPLER_CHOICES,
  clampToLimit,
  isWithinLimit,
  roundWorkingSize,
  type LimitName,
  type SamplerChoice,
  type SeedMode,
  type Settings,
} from '../../protocol';

/** Working sizes offered in the panel; stored settings may hold another size within
 *  LIMITS.size (e.g. set by a script or test), which is then offered too. */
export const WORKING_SIZES = [128, 256, 384, 512] as const;
/** The paper's recommended t0 range for stroke-based editing. */
export const RECOMMENDED_T0: readonly [number, number] = [0.3, 0.6];
/** The left end of the t0 slider; smaller values (down to the resolution) can be typed. */
export const T0_MIN = 0.01;
/** The t0 control's resolution: t0 is kept in thousandths. */
const T0_PER_UNIT = 1000;

const SEED_MODES: readonly SeedMode[] = ['random', 'fixed', 'increment'];

/** Round t0 to the control's resolution, within LIMITS.t0 (0 excluded: at least one thousandth). */
export function clampT0(t: number): number {
  if (!Number.isFinite(t)) return DEFAULT_SETTINGS.t0;
  return Math.min(LIMITS.t0.max, Math.max(1 / T0_PER_UNIT, Math.round(t * T0_PER_UNIT) / T0_PER_UNIT));
}

/** A usable working size: protocol's rounding at the default multiple, within LIMITS.size (the
 *  sandbox then rounds it to the model's own multiple). */
export function validSize(v: number): number {
  return roundWorkingSize(v, DEFAULT_MULTIPLE);
}

/** Settings from storage or a patch are untrusted: every field is checked and clamped into
 *  LIMITS, and anything unusable falls back to `base`. */
export function sanitizeSettings(raw: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const pick = (name: LimitName & keyof Settings): number => clampToLimit(name, r[name]) ?? (base[name] as number);
  const t0 = clampToLimit('t0', r.t0);
  return {
    t0: t0 !== null ? clampT0(t0) : base.t0,
    steps: pick('steps'),
    sampler: SAMPLER_CHOICES.includes(r.sampler as SamplerChoice) ? (r.sampler as SamplerChoice) : base.sampler,
    repeats: pick('repeats'),
    seedMode: SEED_MODES.includes(r.seedMode as SeedMode) ? (r.seedMode as SeedMode) : base.seedMode,
    seed: pick('seed'),
    size: typeof r.size === 'number' && Number.isFinite(r.size) && r.size > 0 ? validSize(r.size) : base.size,
    dilation: pick('dilation'),
    feather: pick('feather'),
    variations: pick('variations'),
    model: typeof r.model === 'string' && r.model.trim() !== '' ? r.model : base.model,
    livePreview: typeof r.livePreview === 'boolean' ? r.livePreview : base.livePreview,
  };
}

/** Parse what was typed into the t0 box: a number in (0, 1] ("0.45", ".45", "0,45"), else null. */
export function parseT0(text: string): number | null {
  const s = text.trim().replace(',', '.');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const v = Number(s);
  if (!isWithinLimit('t0', v)) return null;
  return clampT0(v);
}

/** The seed of the next Generate. Random mode draws one; the others use the stored seed. */
export function seedForRun(settings: Settings, random: () => number): number {
  if (settings.seedMode === 'random') return Math.floor(random() * LIMITS.seed.max);
  return settings.seed;
}
