// A URL pack before its download: what the user typed (a Hugging Face repo "owner/name", its
// https://huggingface.co/… address, or the address of a pack folder on any static host that has a
// model.json), and the plan it resolves to (pack-source.ts): the files to fetch with their sizes
// and sha256s, the licence and the recommended settings. No network and no Hub library here, so
// the panel loads this module up front and pack-source.ts only when a pack is looked up.
import type { PackLicense } from '../../model/latent/catalogue';

export interface PlannedFile {
  /** path inside the pack ('unet/model.onnx') */
  path: string;
  url: string;
  bytes?: number;
  /** lowercase hex; absent for a Hub file kept in git (not LFS): then only its size is checked */
  sha256?: string;
}

/** A pack ready to download: what the panel shows before the download, and what is fetched. */
export interface PackPlan {
  name: string;
  /** for the panel: "huggingface.co/owner/name" or the folder's address */
  source: string;
  license: PackLicense | null;
  recommended: Partial<{ steps: number; t0: number; guidance: number }>;
  files: PlannedFile[];
  /** the sum of the sizes (every planned file has one) */
  bytes: number;
  /** files already here (the folder's model.json, read to make the plan) */
  inline: ReadonlyMap<string, Uint8Array>;
}

export type PackInput = { kind: 'hub'; repo: string; revision: string } | { kind: 'url'; base: string };

export type PackSourceErrorCode = 'input' | 'not-found' | 'not-a-pack' | 'unreachable';

export class PackSourceError extends Error {
  override name = 'PackSourceError';
  constructor(
    readonly code: PackSourceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const HUB_HOSTS = ['huggingface.co', 'hf.co', 'www.huggingface.co'];
const INPUT_HINT = 'Type a Hugging Face repo (owner/name), its https://huggingface.co/… address, or the https address of a pack folder that has a model.json.';

/** What the user typed, as a Hub repo or a pack folder's address. Throws PackSourceError. */
export function parsePackInput(text: string): PackInput {
  const t = text.trim();
  if (REPO.test(t)) return { kind: 'hub', repo: t, revision: 'main' };
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw new PackSourceError('input', `“${t}” is not a repo or an address. ${INPUT_HINT}`);
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) throw new PackSourceError('input', `${url.protocol} addresses are not supported. ${INPUT_HINT}`);
  if (HUB_HOSTS.includes(url.hostname)) {
    // /owner/name, /owner/name/tree/<rev>[/…], /owner/name/resolve/<rev>/…, /owner/name/blob/<rev>/…
    const [owner, name, kind, rev] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (!owner || !name || owner === 'datasets' || owner === 'spaces') throw new PackSourceError('input', `${t} is not a model repo on the Hub. ${INPUT_HINT}`);
    const revision = rev && ['tree', 'resolve', 'blob'].includes(kind ?? '') ? rev : 'main';
    return { kind: 'hub', repo: `${owner}/${name}`, revision };
  }
  const base = url.href.endsWith('/') ? url.href : url.href.replace(/\/model\.json$/, '/').replace(/([^/])$/, '$1/');
  return { kind: 'url', base };
}

/** A plan; its size counts the files already here. */
export function makePlan(name: string, source: string, license: PackLicense | null, recommended: PackPlan['recommended'], files: PlannedFile[], inline: Map<string, Uint8Array>): PackPlan {
  return { name, source, license, recommended, files, inline, bytes: files.reduce((n, f) => n + (f.bytes ?? 0), 0) + [...inline.values()].reduce((n, b) => n + b.byteLength, 0) };
}

/**
 * The model.json the loader adds to a downloaded pack that has none, so the engine knows its
 * name, licence and recommended settings as the catalogue gives them. It lists the files whose
 * sha256 the Hub gave (all of a pack's LFS files); null without a licence or such files.
 */
export function sidecarFor(p: PackPlan): Uint8Array | null {
  if (p.inline.has('model.json') || !p.license) return null;
  const files = p.files.filter((f) => f.sha256 && f.bytes !== undefined).map((f) => ({ name: f.path, bytes: f.bytes, sha256: f.sha256 }));
  if (files.length === 0) return null;
  const s = { kind: 'latent', format: 'diffusers-onnx', name: p.name, license: p.license, recommended: p.recommended, files };
  return new TextEncoder().encode(JSON.stringify(s, null, 2));
}
