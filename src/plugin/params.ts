// Validation of everything that comes from outside the sandbox's own code: settings read from
// figma.clientStorage (may be old, partial or corrupted), settings and run parameters sent by
// the UI, and the plugin data stored on result nodes (may have been written by another version).
import { DEFAULT_SETTINGS, PLUGIN_DATA_PARAMS, PLUGIN_DATA_SOURCE, SAMPLER_CHOICES, isWithinLimit, type LimitName } from '../protocol';
import type { JobMode, RunParams, SeedMode, Settings } from '../protocol';

/** Plugin data key for the ids of the layers whose silhouettes made a composite mask (JSON array). */
export const PLUGIN_DATA_LAYERS = 'sdedit-layers';
/** clientStorage key of the settings. */
export const SETTINGS_KEY = 'sdedit-settings';

const SEED_MODES: readonly SeedMode[] = ['random', 'fixed', 'increment'];
const MODES: readonly JobMode[] = ['synthesis', 'mask-edit', 'composite'];
const MAX_MODEL_NAME = 200;
const MAX_ID = 200;

type Check<T> = (v: unknown) => v is T;

/** Numbers are checked against protocol's one table of limits. */
const within = (name: LimitName): Check<number> => (v): v is number => isWithinLimit(name, v);
const oneOf = <T extends string>(list: readonly T[]): Check<T> => (v): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);
const modelName: Check<string> = (v): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_MODEL_NAME;
const bool: Check<boolean> = (v): v is boolean => typeof v === 'boolean';

const SETTINGS_CHECKS: { [K in keyof Settings]: Check<Settings[K]> } = {
  t0: within('t0'),
  steps: within('steps'),
  sampler: oneOf(SAMPLER_CHOICES),
  repeats: within('repeats'),
  seedMode: oneOf(SEED_MODES),
  seed: within('seed'),
  size: within('size'),
  dilation: within('dilation'),
  feather: within('feather'),
  variations: within('variations'),
  model: modelName,
  livePreview: bool,
};

/**
 * Settings from anything: each field that is present and valid is kept, every other field falls
 * back to DEFAULT_SETTINGS; unknown fields are dropped. Never throws.
 */
export function validateSettings(value: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  const src = value as Record<string, unknown>;
  const target = out as unknown as Record<string, unknown>;
  for (const key of Object.keys(SETTINGS_CHECKS) as (keyof Settings)[]) {
    const v = src[key];
    if ((SETTINGS_CHECKS[key] as Check<unknown>)(v)) target[key] = v;
  }
  return out;
}

const PARAMS_CHECKS: { [K in keyof RunParams]: Check<RunParams[K]> } = {
  t0: within('t0'),
  steps: within('steps'),
  sampler: oneOf(SAMPLER_CHOICES),
  repeats: within('repeats'),
  seed: within('seed'),
  size: within('size'),
  model: modelName,
  mode: oneOf(MODES),
};

/** RunParams when every field is present and valid (extra fields dropped), else null. */
export function parseRunParams(value: unknown): RunParams | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(PARAMS_CHECKS) as (keyof RunParams)[]) {
    if (!(PARAMS_CHECKS[key] as Check<unknown>)(src[key])) return null;
    out[key] = src[key];
  }
  return out as unknown as RunParams;
}

/** What a result node says about how it was made. */
export interface ResultData {
  params: RunParams;
  sourceNodeId: string;
  /** composite results: the layers whose silhouettes were the mask */
  layerIds: string[];
}

const validId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID;

/** Plugin data entries (key → string) for a result node. */
export function encodeResultData(data: ResultData): Record<string, string> {
  return {
    [PLUGIN_DATA_PARAMS]: JSON.stringify(data.params),
    [PLUGIN_DATA_SOURCE]: data.sourceNodeId,
    [PLUGIN_DATA_LAYERS]: data.layerIds.length ? JSON.stringify(data.layerIds) : '',
  };
}

/** Reads a result's plugin data back; null when the node is not (or no longer) a valid result. */
export function decodeResultData(get: (key: string) => string): ResultData | null {
  let params: RunParams | null = null;
  try {
    const raw = get(PLUGIN_DATA_PARAMS);
    if (!raw) return null;
    params = parseRunParams(JSON.parse(raw));
  } catch {
    return null;
  }
  const sourceNodeId = get(PLUGIN_DATA_SOURCE);
  if (!params || !validId(sourceNodeId)) return null;
  let layerIds: string[] = [];
  try {
    const raw = get(PLUGIN_DATA_LAYERS);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed) && parsed.every(validId)) layerIds = parsed as string[];
  } catch {
    layerIds = [];
  }
  return { params, sourceNodeId, layerIds };
}
