// The lasting history in figma.clientStorage: what the panel sends is checked field by field and
// trimmed to HISTORY_LIMITS (newest first), so a bad message or a full store never costs the
// settings their room in the 5 MB.
import { HISTORY_LIMITS, type RunParams, type StoredRun } from '../protocol';
import { parseRunParams } from './params';

export const HISTORY_KEY = 'sdedit-history';

const MAX_TEXT = 200;

function text(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, MAX_TEXT) : null;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One stored run, or null when any field is not what StoredRun says. */
export function parseStoredRun(value: unknown): StoredRun | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const id = text(v.id);
  const sourceName = text(v.sourceName);
  const sourceNodeId = text(v.sourceNodeId);
  const backend = text(v.backend);
  const createdAt = finite(v.createdAt);
  const totalMs = finite(v.totalMs);
  if (id === null || sourceName === null || sourceNodeId === null || backend === null || createdAt === null || totalMs === null) return null;
  if (!Array.isArray(v.params) || v.params.length === 0 || v.params.length > 16) return null;
  const params = v.params.map(parseRunParams);
  if (params.some((p) => p === null)) return null;
  const thumb = v.thumbPng;
  const thumbPng = thumb instanceof Uint8Array && thumb.byteLength > 0 && thumb.byteLength <= HISTORY_LIMITS.thumbBytes ? new Uint8Array(thumb) : null;
  return { id, createdAt, sourceName, sourceNodeId, params: params as RunParams[], backend, totalMs, thumbPng };
}

/** Rough stored size of one run (JSON text plus thumbnail bytes). */
function storedBytes(run: StoredRun): number {
  return JSON.stringify({ ...run, thumbPng: null }).length + (run.thumbPng?.byteLength ?? 0);
}

/** The valid runs of `value`, newest first as given, without duplicates, within HISTORY_LIMITS. */
export function validateHistory(value: unknown): StoredRun[] {
  if (!Array.isArray(value)) return [];
  const out: StoredRun[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  for (const item of value) {
    if (out.length >= HISTORY_LIMITS.runs) break;
    const run = parseStoredRun(item);
    if (!run || seen.has(run.id)) continue;
    const size = storedBytes(run);
    if (bytes + size > HISTORY_LIMITS.totalBytes) break;
    bytes += size;
    seen.add(run.id);
    out.push(run);
  }
  return out;
}
