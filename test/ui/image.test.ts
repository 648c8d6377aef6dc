// The panel's PNG encoder (src/ui/runtime/image.ts encodePng): what goes to Figma as an image fill
// and what the panel shows while a run goes. Decoded here with pngjs (the CLI's PNG library), a
// separate implementation, so a wrong byte order, a lost alpha or a bad stride would show.
import { PNG } from 'pngjs';
import { encodePng } from '../../src/ui/runtime/image';

function pattern(width: number, height: number): Uint8ClampedArray {
  const d = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    d[4 * i] = (x * 37 + y * 11) & 255;
    d[4 * i + 1] = (x * y) & 255;
    d[4 * i + 2] = (255 - x * 3) & 255;
    d[4 * i + 3] = y % 5 === 0 ? 0 : 128 + (x & 127); // alpha, including fully transparent rows
  }
  return d;
}

describe('encodePng', () => {
  it.each(['result', 'preview'] as const)('round-trips every RGBA byte of a non-square image (%s)', (use) => {
    const width = 37;
    const height = 21;
    const data = pattern(width, height);
    const png = encodePng({ width, height, data }, use);
    const back = PNG.sync.read(Buffer.from(png));
    expect([back.width, back.height]).toEqual([width, height]);
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(data))).toBe(0);
  });

  it('refuses pixels that do not match the size instead of writing a broken PNG', () => {
    expect(() => encodePng({ width: 4, height: 4, data: new Uint8ClampedArray(4 * 4 * 3) })).toThrow(/48 bytes for 4×4 RGBA/);
  });
});
