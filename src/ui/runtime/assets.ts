// Binary assets of the page, each described by a non-executed <script type="application/octet-stream">
// tag that build.mjs writes. In dist/ui.html (Figma's iframe) the tag holds the bytes as gzip+base64
// text, decoded with DecompressionStream: no fetches. In dist/web (hosted mode) the tag names a file
// beside the page (data-src), fetched from the page's own origin.

export const ASSET_IDS = {
  wasm: 'sdedit-ort-wasm',
  worker: 'sdedit-worker',
  packIndex: 'sdedit-pack-index',
} as const;

export interface EmbeddedPack {
  name: string;
  manifestText: string;
  /** file name (as model.json names it) → bytes */
  files: Map<string, Uint8Array>;
}

function tag(id: string): HTMLScriptElement {
  const el = document.getElementById(id);
  if (!el || !(el instanceof HTMLScriptElement)) {
    throw new Error(`This build of the plugin is incomplete: the embedded asset "${id}" is missing. Rebuild with npm run build.`);
  }
  return el;
}

export function hasAsset(id: string): boolean {
  return document.getElementById(id) !== null;
}

function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text.trim());
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function fetchAsset(id: string, src: string): Promise<Uint8Array> {
  const url = new URL(src, document.baseURI).href;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`The page could not load its file ${url} (${(e as Error).message}): the site may be offline.`);
  }
  if (!res.ok) throw new Error(`The page could not load its file ${url} (${res.status}): upload all of dist/web, not only index.html ("${id}").`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The decoded bytes of one asset. */
export async function readAsset(id: string): Promise<Uint8Array> {
  const el = tag(id);
  let bytes: Uint8Array;
  if (el.dataset.src) bytes = await fetchAsset(id, el.dataset.src);
  else {
    const packed = base64ToBytes(el.textContent ?? '');
    bytes = el.dataset.encoding === 'gzip+base64' ? await gunzip(packed) : packed;
  }
  const expected = Number(el.dataset.bytes);
  if (Number.isFinite(expected) && expected !== bytes.length) {
    throw new Error(`Embedded asset "${id}" is damaged (${bytes.length} bytes, expected ${expected}).`);
  }
  return bytes;
}

export async function readAssetText(id: string): Promise<string> {
  return new TextDecoder().decode(await readAsset(id));
}

interface PackIndex {
  name: string;
  manifest: string;
  files: { name: string; id: string; bytes: number }[];
}

/** The default model pack built into ui.html. */
export async function readEmbeddedPack(): Promise<EmbeddedPack> {
  const index = JSON.parse(tag(ASSET_IDS.packIndex).textContent ?? '{}') as PackIndex;
  const manifestText = await readAssetText(index.manifest);
  const files = new Map<string, Uint8Array>();
  for (const f of index.files) files.set(f.name, await readAsset(f.id));
  return { name: index.name, manifestText, files };
}
