// The shipped catalogue: every entry is complete, and the manifest allows exactly the hosts its
// downloads reach (the Hub and the storage hosts its resolve/ links redirect to), no wildcard.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, HUB_DOWNLOAD_HOSTS, approxPackBytes } from '../../src/model/latent/catalogue';
import { isPackFile } from '../../src/model/latent/pack-files';
import { hubResolveUrl } from '../../src/ui/runtime/pack-source';
import { isNonCommercial } from '../../src/ui/panel/pack-folder';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'manifest.json'), 'utf8')) as {
  networkAccess: { allowedDomains: string[]; reasoning: string; devAllowedDomains: string[] };
};
const allowed = manifest.networkAccess.allowedDomains;

test('every entry names its repo, its files, a licence and recommended settings', () => {
  expect(CATALOGUE.length).toBeGreaterThanOrEqual(2);
  expect(new Set(CATALOGUE.map((e) => e.id)).size).toBe(CATALOGUE.length);
  for (const e of CATALOGUE) {
    expect(e.hub.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
    for (const part of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder']) expect(e.files.map((f) => f.path)).toContain(`${part}/model.onnx`);
    expect(e.files.map((f) => f.path)).toContain('model_index.json');
    for (const f of e.files) expect(isPackFile(f.path)).toBe(true);
    expect(approxPackBytes(e)).toBeGreaterThan(100e6);
    expect(e.license.url).toMatch(/^https:\/\//);
    expect(typeof e.license.commercial).toBe('boolean');
    expect(e.recommended.steps).toBeGreaterThanOrEqual(1);
    expect(e.recommended.t0).toBeGreaterThan(0);
  }
  // SD-Turbo's mirror is non-commercial: the panel asks for acceptance before its download
  expect(isNonCommercial(CATALOGUE.find((e) => e.id === 'sd-turbo')!.license)).toBe(true);
});

test('the manifest allows every host a catalogue download reaches, and nothing else', () => {
  const hosts = new Set<string>(HUB_DOWNLOAD_HOSTS);
  for (const e of CATALOGUE) for (const f of e.files) hosts.add(new URL(hubResolveUrl(e.hub.repo, e.hub.revision, f.path)).host);
  const listed = allowed.map((d) => new URL(d).host);
  for (const h of hosts) expect(listed).toContain(h);
  expect([...listed].sort()).toEqual([...hosts].sort());
  for (const d of allowed) expect(d).toMatch(/^https:\/\/[a-z0-9.-]+$/);
  expect(allowed.some((d) => d.includes('*'))).toBe(false);
  expect(manifest.networkAccess.reasoning.length).toBeGreaterThan(40);
  expect(manifest.networkAccess.devAllowedDomains).toEqual(['http://localhost:*']);
});
