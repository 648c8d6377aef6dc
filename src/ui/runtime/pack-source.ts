// Where a URL pack's files are: what the user typed (pack-plan.ts's PackInput) or a catalogue
// entry, resolved into the list of files to fetch with their sizes and sha256s. The Hub's file
// listing comes through @huggingface/hub (listFiles); a file's URL is the Hub's
// `resolve/<revision>/<path>` (the library has no pure builder for it: its fileDownloadInfo
// costs one extra request per file).
import { HUB_URL, HubApiError, listFiles } from '@huggingface/hub';
import { PARTS } from '../../model/latent/folder';
import type { CatalogueEntry } from '../../model/latent/catalogue';
import { isPackFile } from '../../model/latent/pack-files';
import { parseSidecar, SidecarError, type Sidecar } from '../../model/latent/sidecar';
import { DownloadError, downloadFile } from './download';
import { PackSourceError, makePlan, type PackInput, type PackPlan, type PlannedFile } from './pack-plan';

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
  return makePlan(sidecar.name, base, sidecar.license, sidecar.recommended, files, new Map([['model.json', bytes]]));
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
  return makePlan(name, where, entry?.license ?? sidecar?.license ?? null, { ...(entry?.recommended ?? {}), ...(sidecar?.recommended ?? {}) }, files, inline);
}

/** What the user typed, resolved. */
export function resolvePackInput(input: PackInput, opts: SourceOptions = {}): Promise<PackPlan> {
  return input.kind === 'hub' ? resolveHubRepo(input.repo, input.revision, opts) : resolveFolderUrl(input.base, opts);
}

