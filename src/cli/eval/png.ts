// PNG files ↔ C×H×W tensors in [−1, 1] for the evaluation (through ../png, the command line's
// one PNG reader and writer), and a small RGBA canvas for the picture sheets (blit images, fill
// rectangles, a 5×7 bitmap font for labels).
import { chwToRgba, rgbaToChw } from '../../core';
import { readPngFile, writePngFile } from '../png';

export interface ChwImage {
  chw: Float32Array;
  h: number;
  w: number;
}

/** A PNG as 3×H×W in [−1, 1] (transparent pixels over white, as the CLI reads guides). */
export function readChw(file: string): ChwImage {
  const { rgba, width, height } = readPngFile(file);
  return { chw: rgbaToChw(rgba, width, height), h: height, w: width };
}

/** 3×H×W (or 1×H×W) in [−1, 1] → PNG. */
export function writeChw(file: string, chw: Float32Array, w: number, h: number): void {
  writePngFile(file, chwToRgba(chw, w, h), w, h);
}

/** A mask [H×W] in [0, 1] → grey PNG (white = edit). */
export function writeMask(file: string, mask: Float32Array, w: number, h: number): void {
  const chw = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) chw[i] = 2 * mask[i] - 1;
  writeChw(file, chw, w, h);
}

// 5×7 glyphs, one row per string, '#' = ink. Only what the sheets' labels use.
const GLYPHS: Record<string, string[]> = {
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['####.', '....#', '....#', '.###.', '....#', '....#', '####.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  '=': ['.....', '.....', '#####', '.....', '#####', '.....', '.....'],
  '+': ['.....', '..#..', '..#..', '#####', '..#..', '..#..', '.....'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
  '/': ['.....', '....#', '...#.', '..#..', '.#...', '#....', '.....'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  a: ['.....', '.....', '.###.', '....#', '.####', '#...#', '.####'],
  b: ['#....', '#....', '####.', '#...#', '#...#', '#...#', '####.'],
  c: ['.....', '.....', '.###.', '#....', '#....', '#...#', '.###.'],
  d: ['....#', '....#', '.####', '#...#', '#...#', '#...#', '.####'],
  e: ['.....', '.....', '.###.', '#...#', '#####', '#....', '.###.'],
  f: ['..##.', '.#..#', '.#...', '###..', '.#...', '.#...', '.#...'],
  g: ['.....', '.####', '#...#', '#...#', '.####', '....#', '.###.'],
  h: ['#....', '#....', '#.##.', '##..#', '#...#', '#...#', '#...#'],
  i: ['..#..', '.....', '.##..', '..#..', '..#..', '..#..', '.###.'],
  k: ['#....', '#....', '#..#.', '#.#..', '##...', '#.#..', '#..#.'],
  l: ['.##..', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  m: ['.....', '.....', '##.#.', '#.#.#', '#.#.#', '#...#', '#...#'],
  n: ['.....', '.....', '#.##.', '##..#', '#...#', '#...#', '#...#'],
  o: ['.....', '.....', '.###.', '#...#', '#...#', '#...#', '.###.'],
  p: ['.....', '.....', '####.', '#...#', '####.', '#....', '#....'],
  r: ['.....', '.....', '#.##.', '##..#', '#....', '#....', '#....'],
  s: ['.....', '.....', '.####', '#....', '.###.', '....#', '####.'],
  t: ['.#...', '.#...', '###..', '.#...', '.#...', '.#..#', '..##.'],
  u: ['.....', '.....', '#...#', '#...#', '#...#', '#..##', '.##.#'],
  v: ['.....', '.....', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  w: ['.....', '.....', '#...#', '#...#', '#.#.#', '#.#.#', '.#.#.'],
  x: ['.....', '.....', '#...#', '.#.#.', '..#..', '.#.#.', '#...#'],
  y: ['.....', '.....', '#...#', '#...#', '.####', '....#', '.###.'],
};

/** An RGBA canvas for picture sheets. */
export class Canvas {
  readonly rgba: Uint8ClampedArray;
  constructor(
    readonly w: number,
    readonly h: number,
    bg: [number, number, number] = [255, 255, 255],
  ) {
    this.rgba = new Uint8ClampedArray(4 * w * h);
    this.fill(0, 0, w, h, bg);
  }

  fill(x0: number, y0: number, fw: number, fh: number, rgb: [number, number, number]): void {
    for (let y = Math.max(0, y0); y < Math.min(this.h, y0 + fh); y++) {
      for (let x = Math.max(0, x0); x < Math.min(this.w, x0 + fw); x++) {
        const k = 4 * (y * this.w + x);
        this.rgba[k] = rgb[0];
        this.rgba[k + 1] = rgb[1];
        this.rgba[k + 2] = rgb[2];
        this.rgba[k + 3] = 255;
      }
    }
  }

  /** Draw a 3×h×w (or 1×h×w) tensor in [−1, 1] with its top-left corner at (x0, y0). */
  blit(chw: Float32Array, w: number, h: number, x0: number, y0: number): void {
    const src = chwToRgba(chw, w, h);
    for (let y = 0; y < h; y++) {
      const ty = y0 + y;
      if (ty < 0 || ty >= this.h) continue;
      for (let x = 0; x < w; x++) {
        const tx = x0 + x;
        if (tx < 0 || tx >= this.w) continue;
        const s = 4 * (y * w + x);
        const d = 4 * (ty * this.w + tx);
        for (let c = 0; c < 4; c++) this.rgba[d + c] = src[s + c];
      }
    }
  }

  /** Text in the 5×7 font, `scale` pixels per font pixel; unknown characters are blank. */
  text(s: string, x0: number, y0: number, scale = 2, rgb: [number, number, number] = [0, 0, 0]): void {
    let x = x0;
    for (const ch of s) {
      const g = GLYPHS[ch] ?? GLYPHS[ch.toLowerCase()] ?? GLYPHS[' '];
      for (let r = 0; r < 7; r++) for (let c = 0; c < 5; c++) if (g[r][c] === '#') this.fill(x + c * scale, y0 + r * scale, scale, scale, rgb);
      x += 6 * scale;
    }
  }

  /** Width in pixels of `s` drawn by text() at `scale`. */
  static textWidth(s: string, scale = 2): number {
    return [...s].length * 6 * scale - scale;
  }

  save(file: string): void {
    writePngFile(file, this.rgba, this.w, this.h);
  }
}
