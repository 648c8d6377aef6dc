// URL packs: what the user types, the Hub's listing turned into the files to fetch (sizes and
// LFS sha256s), a pack folder's model.json, and the pack download (progress over the pack, the
// hash check, cancel leaving nothing, the cache read before and written only after success).
import { createHash } from 'node:crypto';
import { CATALOGUE } from '../../src/model/latent/catalogue';
import { parseSidecar } from '../../src/model/latent/sidecar';
import type { PackFileCache } from '../../src/ui/runtime/pack-cache';
import { parsePackInput, type PackPlan } from '../../src/ui/runtime/pack-plan';
import { resolveFolderUrl, resolveHubRepo } from '../../src/ui/runtime/pack-source';
import { downloadPack, type PackProgress } from '../../src/ui/runtime/url-pack';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed + 3) % 251);

/** A pack's files: two "LFS" graphs and git-stored configs. */
const PACK: Record<string, Uint8Array> = {
  'model_index.json': new TextEncoder().encode('{"_class_name":"StableDiffusionPipeline"}'),
  'scheduler/scheduler_config.json': new TextEncoder().encode('{}'),
  'tokenizer/vocab.json': new TextEncoder().encode('{}'),
  'tokenizer/merges.txt': new TextEncoder().encode('#'),
  'tokenizer/special_tokens_map.json': new TextEncoder().encode('{}'),
  'tokenizer/tokenizer_config.json': new TextEncoder().encode('{}'),
  'text_encoder/model.onnx': bytesOf(1200, 7),
  'unet/model.onnx': bytesOf(2500, 11),
  'vae_encoder/model.onnx': bytesOf(700, 13),
  'vae_decoder/model.onnx': bytesOf(900, 17),
};
const LFS = (p: string) => p.endsWith('.onnx');

/** The Hub's tree API and resolve/ URLs for one repo, as fetch answers them. */
function fakeHub(repo: string, files: Record<string, Uint8Array>, opts: { extra?: string[] } = {}) {
  const requests: string[] = [];
  const fetch = (async (input: string) => {
    const url = String(input);
    requests.push(url);
    if (url.startsWith(`https://huggingface.co/api/models/${repo}/tree/main`)) {
      expect(url).toContain('recursive=true');
      const tree = [
        { type: 'directory', path: 'unet', oid: 'x', size: 0 },
        ...Object.entries(files).map(([path, b]) => ({ type: 'file', path, size: LFS(path) ? 134 : b.length, oid: 'git' + path, ...(LFS(path) ? { lfs: { oid: sha(b), size: b.length, pointerSize: 134 } } : {}) })),
        ...(opts.extra ?? []).map((path) => ({ type: 'file', path, size: 10, oid: 'g' })),
      ];
      return new Response(JSON.stringify(tree), { headers: { 'content-type': 'application/json' } });
    }
    const m = new RegExp(`^https://huggingface.co/${repo}/resolve/main/(.+)$`).exec(url);
    if (m && files[m[1]]) return new Response(files[m[1]] as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(files[m[1]].length) } });
    return new Response(JSON.stringify({ error: 'Repository not found' }), { status: 404, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

test('what the user types: owner/name, Hub addresses with a revision, a folder address', () => {
  expect(parsePackInput(' schmuell/sd-turbo-ort-web ')).toEqual({ kind: 'hub', repo: 'schmuell/sd-turbo-ort-web', revision: 'main' });
  expect(parsePackInput('https://huggingface.co/schmuell/sd-turbo-ort-web')).toEqual({ kind: 'hub', repo: 'schmuell/sd-turbo-ort-web', revision: 'main' });
  expect(parsePackInput('https://huggingface.co/a/b/tree/v2/unet')).toEqual({ kind: 'hub', repo: 'a/b', revision: 'v2' });
  expect(parsePackInput('https://hf.co/a/b/resolve/0123abc/unet/model.onnx')).toEqual({ kind: 'hub', repo: 'a/b', revision: '0123abc' });
  expect(parsePackInput('https://example.org/packs/turbo')).toEqual({ kind: 'url', base: 'https://example.org/packs/turbo/' });
  expect(parsePackInput('https://example.org/packs/turbo/model.json')).toEqual({ kind: 'url', base: 'https://example.org/packs/turbo/' });
  expect(parsePackInput('http://localhost:8123/p/')).toEqual({ kind: 'url', base: 'http://localhost:8123/p/' });
  expect(() => parsePackInput('http://example.org/p/')).toThrow('http: addresses are not supported');
  expect(() => parsePackInput('sd turbo')).toThrow('is not a repo or an address');
  expect(() => parsePackInput('https://huggingface.co/datasets/a/b')).toThrow('not a model repo');
});

test('a Hub repo: only the pack files, exact sizes, LFS sha256s, resolve/ URLs; the catalogue licence', async () => {
  const entry = CATALOGUE.find((e) => e.id === 'sd-turbo')!;
  const hub = fakeHub(entry.hub.repo, PACK, { extra: ['unet/diffusion_pytorch_model.safetensors', 'README.md', 'unet/config.json'] });
  const plan = await resolveHubRepo(entry.hub.repo, 'main', { fetch: hub.fetch, entry });
  expect(plan.name).toBe('sd-turbo');
  expect(plan.license).toEqual(entry.license);
  expect(plan.recommended).toEqual(entry.recommended);
  const paths = plan.files.map((f) => f.path);
  expect(paths).toContain('unet/config.json');
  expect(paths).not.toContain('README.md');
  expect(paths).not.toContain('unet/diffusion_pytorch_model.safetensors');
  const unet = plan.files.find((f) => f.path === 'unet/model.onnx')!;
  expect(unet).toEqual({ path: 'unet/model.onnx', url: 'https://huggingface.co/schmuell/sd-turbo-ort-web/resolve/main/unet/model.onnx', bytes: 2500, sha256: sha(PACK['unet/model.onnx']) });
  // a git-stored config has a blob id, not a sha256: checked by size only
  const index = plan.files.find((f) => f.path === 'model_index.json')!;
  expect(index.bytes).toBe(PACK['model_index.json'].length);
  expect(index.sha256).toBeUndefined();
  expect(plan.bytes).toBe(Object.values(PACK).reduce((n, b) => n + b.length, 0) + 10);
});

test('a Hub repo that is missing, lacks a VAE encoder, or lost a catalogue file says so before any download', async () => {
  await expect(resolveHubRepo('nobody/nothing', 'main', { fetch: fakeHub('other/x', PACK).fetch })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('nobody/nothing') });
  const noEncoder = { ...PACK };
  delete noEncoder['vae_encoder/model.onnx'];
  await expect(resolveHubRepo('a/b', 'main', { fetch: fakeHub('a/b', noEncoder).fetch })).rejects.toThrow('needs a VAE encoder');
  const entry = CATALOGUE.find((e) => e.id === 'sd-turbo')!;
  const noVocab = { ...PACK };
  delete noVocab['tokenizer/vocab.json'];
  const hub = fakeHub(entry.hub.repo, noVocab);
  await expect(resolveHubRepo(entry.hub.repo, 'main', { fetch: hub.fetch, entry })).rejects.toThrow('no longer has tokenizer/vocab.json');
  expect(hub.requests.every((u) => u.includes('/api/'))).toBe(true);
  const offline = (async () => {
    throw new TypeError('Failed to fetch');
  }) as unknown as typeof fetch;
  await expect(resolveHubRepo('a/b', 'main', { fetch: offline })).rejects.toMatchObject({ code: 'unreachable', message: expect.stringContaining('could not be reached') });
});

/** A static host serving files under a base URL. */
function staticHost(base: string, files: Record<string, Uint8Array>, opts: { delayAfter?: (path: string) => Promise<void> } = {}) {
  const requests: string[] = [];
  const fetch = (async (input: string) => {
    const url = String(input);
    requests.push(url);
    const path = url.startsWith(base) ? url.slice(base.length) : '';
    const b = files[path];
    if (!b) return new Response('no', { status: 404 });
    await opts.delayAfter?.(path);
    return new Response(b as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(b.length) } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

function sidecarOf(files: Record<string, Uint8Array>, wrong?: string): Uint8Array {
  const s = {
    kind: 'latent',
    format: 'diffusers-onnx',
    name: 'tiny',
    license: { id: 'cc-by-nc-4.0', commercial: false },
    recommended: { steps: 2, t0: 0.5, guidance: 0 },
    files: Object.entries(files).map(([name, b]) => ({ name, bytes: b.length, sha256: name === wrong ? '0'.repeat(64) : sha(b) })),
  };
  return new TextEncoder().encode(JSON.stringify(s));
}

const BASE = 'https://packs.example.org/tiny/';

test('a pack folder at an address: its model.json lists the files; the download checks each and reports over the pack', async () => {
  const host = staticHost(BASE, { ...PACK, 'model.json': sidecarOf(PACK) });
  const plan = await resolveFolderUrl(BASE, { fetch: host.fetch });
  expect(plan).toMatchObject({ name: 'tiny', source: BASE, license: { id: 'cc-by-nc-4.0', commercial: false } });
  expect(plan.files.length).toBe(Object.keys(PACK).length);
  let t = 0;
  const seen: PackProgress[] = [];
  const got = await downloadPack(plan, { fetch: host.fetch, now: () => (t += 10), onProgress: (p) => seen.push(p) });
  for (const [p, b] of Object.entries(PACK)) expect(Buffer.from(got.files.get(p)!).equals(Buffer.from(b))).toBe(true);
  expect(got.files.has('model.json')).toBe(true);
  expect(seen.at(-1)).toMatchObject({ loaded: plan.bytes, total: plan.bytes, index: plan.files.length, count: plan.files.length, secondsLeft: 0 });
  expect(seen.every((p, i) => i === 0 || p.loaded >= seen[i - 1].loaded)).toBe(true);
  expect(seen.some((p) => p.bytesPerSecond > 0 && p.secondsLeft !== null && p.secondsLeft > 0)).toBe(true);
  // model.json was read once, to make the plan
  expect(host.requests.filter((u) => u.endsWith('model.json')).length).toBe(1);
});

test('a wrong sha256 rejects the pack, naming the file; a missing model.json is a plain 404', async () => {
  const host = staticHost(BASE, { ...PACK, 'model.json': sidecarOf(PACK, 'unet/model.onnx') });
  const plan = await resolveFolderUrl(BASE, { fetch: host.fetch });
  await expect(downloadPack(plan, { fetch: host.fetch })).rejects.toMatchObject({ code: 'sha256', message: expect.stringContaining('unet/model.onnx') });
  await expect(resolveFolderUrl(BASE, { fetch: staticHost(BASE, PACK).fetch })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('needs a model.json') });
});

/** An in-memory PackFileCache that records its calls. */
function memoryCache(initial: Record<string, Uint8Array> = {}): PackFileCache & { puts: string[]; gets: string[] } {
  const m = new Map(Object.entries(initial));
  const c = {
    kind: 'memory',
    puts: [] as string[],
    gets: [] as string[],
    async get(h: string) {
      c.gets.push(h);
      return m.get(h);
    },
    async put(h: string, b: Uint8Array) {
      c.puts.push(h);
      m.set(h, b);
    },
  };
  return c;
}

test('cancel mid-pack rejects with an AbortError and writes nothing to the cache', async () => {
  const ctrl = new AbortController();
  const host = staticHost(BASE, { ...PACK, 'model.json': sidecarOf(PACK) });
  const plan = await resolveFolderUrl(BASE, { fetch: host.fetch });
  const cache = memoryCache();
  const p = downloadPack(plan, { fetch: host.fetch, cache, signal: ctrl.signal, onProgress: (pr) => pr.index === 3 && ctrl.abort() });
  await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  expect(cache.puts).toEqual([]);
  expect(host.requests.length).toBeLessThan(plan.files.length + 1);
});

test('the cache: a kept file is not downloaded; new checked files are kept after the whole pack is in', async () => {
  const entry = CATALOGUE.find((e) => e.id === 'sd-turbo')!;
  const hub = fakeHub(entry.hub.repo, PACK);
  const plan: PackPlan = await resolveHubRepo(entry.hub.repo, 'main', { fetch: hub.fetch, entry });
  const unetSha = sha(PACK['unet/model.onnx']);
  const cache = memoryCache({ [unetSha]: PACK['unet/model.onnx'] });
  const got = await downloadPack(plan, { fetch: hub.fetch, cache });
  expect(got.fromCache).toBe(1);
  expect(hub.requests.some((u) => u.endsWith('unet/model.onnx'))).toBe(false);
  expect(cache.puts.sort()).toEqual(['text_encoder/model.onnx', 'vae_encoder/model.onnx', 'vae_decoder/model.onnx'].map((p) => sha(PACK[p])).sort());
  // the catalogue's licence and settings reach the engine as the pack's model.json
  const sidecar = parseSidecar(JSON.parse(new TextDecoder().decode(got.files.get('model.json'))));
  expect(sidecar).toMatchObject({ name: 'sd-turbo', license: entry.license, recommended: entry.recommended });
  expect(sidecar.files.map((f) => f.name).sort()).toEqual(Object.keys(PACK).filter((p) => p.endsWith('.onnx')).sort());
});
