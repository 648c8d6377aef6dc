// The panel's pack choice and prompt history in figma.clientStorage: what comes back (stored by
// any version, or sent by the panel) is checked field by field and trimmed to PACK_PREFS_LIMITS.
import { DEFAULT_PACK_PREFS, PACK_PREFS_LIMITS, type PackPrefs } from '../protocol';

/** clientStorage key of the pack preferences. */
export const PACK_PREFS_KEY = 'sdedit-pack-prefs';

const strings = (v: unknown, max: number, chars: number): string[] =>
  Array.isArray(v) ? [...new Set(v.filter((s): s is string => typeof s === 'string' && s.trim().length > 0 && s.length <= chars))].slice(0, max) : [];

/** PackPrefs from anything: invalid fields fall back to the defaults. Never throws. */
export function validatePackPrefs(value: unknown): PackPrefs {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ...DEFAULT_PACK_PREFS };
  const v = value as Record<string, unknown>;
  const pack = typeof v.pack === 'string' && v.pack.length > 0 && v.pack.length <= PACK_PREFS_LIMITS.nameChars ? v.pack : DEFAULT_PACK_PREFS.pack;
  return {
    pack,
    prompts: strings(v.prompts, PACK_PREFS_LIMITS.prompts, PACK_PREFS_LIMITS.promptChars),
    accepted: strings(v.accepted, PACK_PREFS_LIMITS.accepted, PACK_PREFS_LIMITS.nameChars),
  };
}
