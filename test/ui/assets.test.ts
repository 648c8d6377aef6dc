/**
 * @jest-environment jsdom
 */
// dist/web names its assets by URL (data-src) instead of inlining them: they are fetched from the
// page's own origin, checked against their byte count, and a missing file is said in words.
import { readAsset } from '../../src/ui/runtime/assets';

const realFetch = globalThis.fetch;
let served: Map<string, Uint8Array | number>;
let asked: string[];

beforeEach(() => {
  served = new Map();
  asked = [];
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = String(input);
    asked.push(url);
    const v = served.get(url);
    if (v === undefined) throw new TypeError('Failed to fetch');
    if (typeof v === 'number') return { ok: false, status: v, arrayBuffer: async () => new ArrayBuffer(0) } as Response;
    return { ok: true, status: 200, arrayBuffer: async () => v.slice().buffer } as Response;
  }) as typeof fetch;
  document.body.innerHTML = '<script type="application/octet-stream" id="a" data-src="assets/x.1234.onnx" data-bytes="3"></script>';
});

afterEach(() => {
  globalThis.fetch = realFetch;
  document.body.innerHTML = '';
});

test('an asset named by data-src is fetched relative to the page', async () => {
  served.set('http://localhost/assets/x.1234.onnx', new Uint8Array([7, 8, 9]));
  expect(await readAsset('a')).toEqual(new Uint8Array([7, 8, 9]));
  expect(asked).toEqual(['http://localhost/assets/x.1234.onnx']);
});

test('a file missing from the site, an unreachable site and a short file are refused in words', async () => {
  served.set('http://localhost/assets/x.1234.onnx', 404);
  await expect(readAsset('a')).rejects.toThrow('could not load its file http://localhost/assets/x.1234.onnx (404): upload all of dist/web');
  served.delete('http://localhost/assets/x.1234.onnx');
  await expect(readAsset('a')).rejects.toThrow('(Failed to fetch): the site may be offline');
  served.set('http://localhost/assets/x.1234.onnx', new Uint8Array([7, 8]));
  await expect(readAsset('a')).rejects.toThrow('is damaged (2 bytes, expected 3)');
});
