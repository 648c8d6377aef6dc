// The optional model.json beside a diffusers folder: what `sdedit pack describe --write-sidecar`
// records (sizes and sha256 of every file, licence, recommended steps / t0 / guidance) and later
// loads verify. It is not the embedded pack's model.json (that one describes a pixel pack).
//
// {
//   "kind": "latent", "format": "diffusers-onnx", "name": "sd-turbo",
//   "license": { "id": "stabilityai-nc-community", "url": "https://…", "commercial": false },
//   "recommended": { "steps": 2, "t0": 0.5, "guidance": 0 },
//   "files": [{ "name": "unet/model.onnx", "bytes": 123, "sha256": "<64 hex>" }, …]
// }
import { type JsonObject, fieldMessage, isJsonObject } from '../json';

export interface SidecarFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface Sidecar {
  kind: 'latent';
  format: 'diffusers-onnx';
  name: string;
  license: { id: string; url?: string; commercial?: boolean };
  recommended: Partial<{ steps: number; t0: number; guidance: number }>;
  files: SidecarFile[];
}

export class SidecarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SidecarError';
  }
}

export function parseSidecar(v: unknown, file = 'model.json'): Sidecar {
  const fail = (field: string, want: string, got: unknown): never => {
    throw new SidecarError(fieldMessage(file, field, want, got));
  };
  if (!isJsonObject(v)) fail('(top level)', 'an object', v);
  const o = v as JsonObject;
  if (o.kind !== 'latent') fail('kind', '"latent" beside a diffusers folder', o.kind);
  if (typeof o.name !== 'string' || !o.name) fail('name', 'a non-empty string', o.name);
  const lic = typeof o.license === 'string' ? { id: o.license } : o.license;
  if (!isJsonObject(lic) || typeof lic.id !== 'string') fail('license', 'a string or { id, url, commercial }', o.license);
  const l = lic as JsonObject;
  const rec = o.recommended ?? {};
  if (!isJsonObject(rec)) fail('recommended', 'an object', rec);
  const r = rec as JsonObject;
  const recommended: Sidecar['recommended'] = {};
  for (const k of ['steps', 't0', 'guidance'] as const) {
    const x = r[k];
    if (x === undefined) continue;
    const ok = typeof x === 'number' && Number.isFinite(x) && (k === 'steps' ? Number.isInteger(x) && x >= 1 : k === 't0' ? x > 0 && x <= 1 : x >= 0);
    if (!ok) fail(`recommended.${k}`, k === 'steps' ? 'a positive integer' : k === 't0' ? 'in (0, 1]' : 'a number ≥ 0', x);
    recommended[k] = x as number;
  }
  if (!Array.isArray(o.files) || o.files.length === 0) fail('files', 'a non-empty array', o.files);
  const files = (o.files as unknown[]).map((f, i): SidecarFile => {
    if (!isJsonObject(f)) fail(`files[${i}]`, 'an object', f);
    const e = f as JsonObject;
    if (typeof e.name !== 'string' || e.name.includes('..') || e.name.startsWith('/')) fail(`files[${i}].name`, 'a path inside the pack', e.name);
    if (!(typeof e.bytes === 'number' && Number.isInteger(e.bytes) && e.bytes >= 0)) fail(`files[${i}].bytes`, 'a non-negative integer', e.bytes);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(e.sha256)) fail(`files[${i}].sha256`, '64 hex digits', e.sha256);
    return { name: e.name as string, bytes: e.bytes as number, sha256: (e.sha256 as string).toLowerCase() };
  });
  return {
    kind: 'latent',
    format: 'diffusers-onnx',
    name: o.name as string,
    license: { id: l.id as string, ...(typeof l.url === 'string' ? { url: l.url } : {}), ...(typeof l.commercial === 'boolean' ? { commercial: l.commercial } : {}) },
    recommended,
    files,
  };
}
