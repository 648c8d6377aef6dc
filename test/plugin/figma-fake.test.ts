// The fake itself follows the documented behaviour the sandbox relies on.
import { CLIENT_STORAGE_LIMIT, assertPostable, decodePng, installFigmaFake, makePng, uninstallFigmaFake, type FigmaFake } from './figma-fake';

let fake: FigmaFake;
beforeEach(() => {
  fake = installFigmaFake();
  fake.showUI('<html></html>');
});
afterEach(() => uninstallFigmaFake());

describe('figma fake', () => {
  it('postMessage carries plain data and Uint8Array only', () => {
    expect(() => fake.ui.postMessage({ type: 'x', png: new Uint8Array(3), list: [1, 'a', null, { d: new Date(0) }] })).not.toThrow();
    class ImageDataLike {
      data = new Uint8ClampedArray(4);
    }
    for (const bad of [new ArrayBuffer(4), new Float32Array(2), new Uint8ClampedArray(2), Buffer.from([1]), new ImageDataLike(), () => 1, new Map()]) {
      expect(() => fake.ui.postMessage({ type: 'x', payload: bad })).toThrow();
    }
    expect(() => assertPostable({ nested: [{ deep: new DataView(new ArrayBuffer(1)) }] })).toThrow(/nested\[0\]\.deep/);
  });

  it('createImage accepts PNG (and JPEG/GIF) up to 4096 per side, nothing else', () => {
    const image = fake.createImage(makePng(16, 8));
    expect(fake.getImageByHash(image.hash)).toBe(image);
    expect(image.width).toBe(16);
    expect(() => fake.createImage(new Uint8Array([1, 2, 3]))).toThrow(/unsupported/);
    expect(() => fake.createImage(makePng(4097, 1))).toThrow(/too large/);
    expect(() => fake.createImage(new Uint8Array([0xff, 0xd8, 0xff, 0xdb]))).not.toThrow();
  });

  it('clientStorage holds 5 MB in all and rejects beyond', async () => {
    await fake.clientStorage.setAsync('a', 'x'.repeat(CLIENT_STORAGE_LIMIT - 10));
    await expect(fake.clientStorage.setAsync('b', 'yyyyyyyyyyyy')).rejects.toThrow(/quota/);
    await fake.clientStorage.setAsync('a', 'small');
    await fake.clientStorage.setAsync('b', new Uint8Array(1024));
    expect(fake.clientStorage.total()).toBe('a'.length + '"small"'.length + 'b'.length + 1024);
    expect(await fake.clientStorage.getAsync('missing')).toBeUndefined();
  });

  it('exportAsync renders a PNG of the constrained size and records visibility', async () => {
    const frame = fake.add('FRAME', { width: 200, height: 100 });
    const hidden = fake.add('RECTANGLE', { width: 10, height: 10, visible: false }, frame);
    const png = await (frame as unknown as { exportAsync(s: unknown): Promise<Uint8Array> }).exportAsync({ format: 'PNG', constraint: { type: 'HEIGHT', value: 50 } });
    expect(decodePng(png)).toMatchObject({ width: 100, height: 50 });
    expect(fake.exports[0].visible.get(hidden.id)).toBe(false);
  });

  it('dynamic-page: getNodeById throws, getNodeByIdAsync works and forgets removed nodes', async () => {
    const rect = fake.add('RECTANGLE');
    expect(() => fake.getNodeById()).toThrow(/dynamic-page/);
    expect(await fake.getNodeByIdAsync(rect.id)).toBe(rect);
    rect.remove();
    expect(await fake.getNodeByIdAsync(rect.id)).toBeNull();
  });

  it('a group that loses its last child deletes itself', () => {
    const frame = fake.add('FRAME');
    const a = fake.add('RECTANGLE', { x: 10, y: 20, width: 5, height: 5 }, frame);
    const g = fake.group([a], frame);
    expect(a.absoluteBoundingBox).toMatchObject({ x: 10, y: 20 });
    frame.appendChild(a);
    expect(g.removed).toBe(true);
  });
});
