// Where a URL pack's files are: what the user typed (a Hugging Face repo "owner/name", its
// https://huggingface.co/… address, or the address of a pack folder on any static host that has a
// model.json) or a catalogue entry, resolved into the list of files to fetch with their sizes and
// sha256s. The Hub's file listing comes through @huggingface/hub (listFiles); a file's URL is the
// Hub's `resolve/<revision>/<path>` (the library has no pure builder for it: its
// fileDownloadInfo costs one extra request per file).
import { HUB_URL, HubApiError, listFiles } from '@huggingface/hub';
import { PARTS } from '../../model/latent/folder';
import { type CatalogueEntry, type PackLicense } from '../../model/latent/catalogue';
import { isPackFile } from '../../model/latent/pack-files';
import { parseSidecar, SidecarError, type Sidecar } from '../../model/latent/sidecar';
import { DownloadError, downloadFile } from './download';

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

/** The Hub's download URL of one file of a model repo. */
export function hubResolveUrl(repo: string, revision: string, path: string): string {
  return `${HUB_URL}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

interface SourceOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const utf8 = new TextDecoder();

function readSidecar(bytes: Uint8Array, where: string): Sidecar {
  try {
    return parseSidecar(JSON.parse(utf8.decode(bytes)), where);
  } catch (e) {
    if (e instanceof SidecarError) throw new PackSourceError('not-a-pack', e.message);
    throw new PackSourceError('not-a-pack', `${where} is not valid JSON (${(e as Error).message}).`);
  }
}

/** The parts' graphs and the index must be there before gigabytes are fetched. */
function checkLayout(paths: Set<string>, where: string): void {
  if (!paths.has('model_index.json')) throw new PackSourceError('not-a-pack', `${where} has no model_index.json: it is not a diffusers ONNX pack.`);
  for (const p of PARTS) {
    if (!paths.has(`${p}/model.onnx`)) {
      throw new PackSourceError('not-a-pack', `${where} has no ${p}/model.onnx${p === 'vae_encoder' ? ' (SDEdit encodes the guide: the pack needs a VAE encoder)' : ''}: it cannot run here.`);
    }
  }
}

function plan(name: string, source: string, license: PackLicense | null, recommended: PackPlan['recommended'], files: PlannedFile[], inline: Map<string, Uint8Array>): PackPlan {
  return { name, source, license, recommended, files, inline, bytes: files.reduce((n, f) => n + (f.bytes ?? 0), 0) + [...inline.values()].reduce((n, b) => n + b.byteLength, 0) };
}

/** A pack folder on a static host: its model.json lists the files with sizes and sha256s. */
export async function resolveFolderUrl(base: string, opts: SourceOptions = {}): Promise<PackPlan> {
  const where = `${base}model.json`;
  let bytes: Uint8Array;
  try {
    bytes = await downloadFile(where, { fetch: opts.fetch, signal: opts.signal });
  } catch (e) {
    if (e instanceof DownloadError && e.code === 'not-found') throw new PackSourceError('not-found', `${where} was not found (404): a pack folder at an address needs a model.json listing its files (sdedit pack describe --write-sidecar writes one).`);
    if (e instanceof DownloadError) throw new PackSourceError('unreachable', e.message);
    throw e;
  }
  const sidecar = readSidecar(bytes, where);
  const files = sidecar.files.filter((f) => isPackFile(f.name) && f.name !== 'model.json').map((f) => ({ path: f.name, url: new URL(f.name, base).href, bytes: f.bytes, sha256: f.sha256 }));
  checkLayout(new Set(files.map((f) => f.path)), where);
  return plan(sidecar.name, base, sidecar.license, sidecar.recommended, files, new Map([['model.json', bytes]]));
}

/** A model repo on the Hub (a catalogue entry's, or one the user typed). */
export async function resolveHubRepo(repo: string, revision: string, opts: SourceOptions & { entry?: CatalogueEntry } = {}): Promise<PackPlan> {
  const where = `huggingface.co/${repo}`;
  const listed: PlannedFile[] = [];
  try {
    for await (const f of listFiles({ repo, revision, recursive: true, fetch: opts.fetch })) {
      if (opts.signal?.aborted) break;
      if (f.type !== 'file' || !isPackFile(f.path)) continue;
      listed.push({ path: f.path, url: hubResolveUrl(repo, revision, f.path), bytes: f.lfs?.size ?? f.size, ...(f.lfs ? { sha256: f.lfs.oid.toLowerCase() } : {}) });
    }
  } catch (e) {
    if (e instanceof HubApiError) {
      if (e.statusCode === 404) throw new PackSourceError('not-found', `${where} (revision ${revision}) was not found on the Hub: check the name.`);
      if (e.statusCode === 401 || e.statusCode === 403) throw new PackSourceError('not-found', `${where} is private or gated: the panel can only download public repos (download it yourself and pick its folder).`);
      throw new PackSourceError('unreachable', `The Hub answered ${e.statusCode} for ${where}.`);
    }
    throw new PackSourceError('unreachable', `huggingface.co could not be reached (${(e as Error).message}): you may be offline, or the Hub is not allowed from the plugin.`);
  }
  if (opts.signal?.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
  const paths = new Set(listed.map((f) => f.path));
  for (const f of opts.entry?.files ?? []) {
    if (!paths.has(f.path)) throw new PackSourceError('not-a-pack', `${where} no longer has ${f.path}: the plugin's catalogue entry “${opts.entry?.id}” is out of date.`);
  }
  checkLayout(paths, where);
  const inline = new Map<string, Uint8Array>();
  let sidecar: Sidecar | null = null;
  const own = listed.find((f) => f.path === 'model.json');
  if (own) {
    // the pack's own sidecar: its licence shows before the download, its hashes check git files
    let bytes: Uint8Array;
    try {
      bytes = await downloadFile(own.url, { fetch: opts.fetch, signal: opts.signal, expected: { bytes: own.bytes, sha256: own.sha256 } });
    } catch (e) {
      throw e instanceof DownloadError ? new PackSourceError('unreachable', e.message) : e;
    }
    sidecar = readSidecar(bytes, `${where}/model.json`);
    inline.set('model.json', bytes);
  }
  const hashes = new Map(sidecar?.files.map((f) => [f.name, f.sha256]));
  const files = listed.filter((f) => f.path !== 'model.json').map((f) => (f.sha256 || !hashes.has(f.path) ? f : { ...f, sha256: hashes.get(f.path) }));
  const entry = opts.entry;
  const name = entry?.id ?? sidecar?.name ?? repo.slice(repo.indexOf('/') + 1);
  return plan(name, where, entry?.license ?? sidecar?.license ?? null, { ...(entry?.recommended ?? {}), ...(sidecar?.recommended ?? {}) }, files, inline);
}

/** What the user typed, resolved. */
export function resolvePackInput(input: PackInput, opts: SourceOptions = {}): Promise<PackPlan> {
  return input.kind === 'hub' ? resolveHubRepo(input.repo, input.revision, opts) : resolveFolderUrl(input.base, opts);
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
