// Flat-colour "hand-painted" guides for the v1 / v2 comparison (compare.ts): blocked-in scenes of
// flat colour regions with sharp (anti-aliased) edges, as a designer roughs out a landscape:
// sky, hills, water, trees, sun, snow peaks, a sea line, a moon. Drawn in unit coordinates, so
// the same scene renders at any size; committed at FLAT_GUIDE_SIZE² in models/eval/flat-guides/
// (`npm run eval -- --make-flat-guides [DIR]`), which is what the comparison reads.
import { writeChw } from './png';
import { type Pt, coverage, hex, paint, polygonCoverage, to8bit } from './guides';

export const FLAT_GUIDE_SIZE = 256;
export const FLAT_GUIDES_DIR = 'models/eval/flat-guides';

const disk = (size: number, cx: number, cy: number, rx: number, ry = rx): Float32Array => coverage(size, (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1);
const rect = (x0: number, y0: number, x1: number, y1: number): Pt[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];
/** A conifer: a triangle with its base centred at (cx, base), height h. */
const conifer = (cx: number, base: number, h: number): Pt[] => [
  [cx, base - h],
  [cx + 0.3 * h, base],
  [cx - 0.3 * h, base],
];

type Layer = { poly: Pt[] } | { disk: [number, number, number, number?] };
interface FlatScene {
  name: string;
  /** what it shows */
  shows: string;
  layers: [Layer, string][];
}

export const FLAT_SCENES: readonly FlatScene[] = [
  {
    name: 'lake-sun',
    shows: 'sky, sun, green hills, a lake, a shore with three conifers',
    layers: [
      [{ poly: rect(0, 0, 1, 1) }, '#8fc1e8'],
      [{ disk: [0.72, 0.2, 0.07] }, '#ffe27a'],
      [{ poly: [[0, 0.5], [0.15, 0.4], [0.35, 0.46], [0.55, 0.36], [0.8, 0.44], [1, 0.4], [1, 0.62], [0, 0.62]] }, '#6f9a5a'],
      [{ poly: rect(0, 0.62, 1, 0.85) }, '#3f78a8'],
      [{ poly: [[0, 0.82], [0.5, 0.8], [1, 0.83], [1, 1], [0, 1]] }, '#4d7a3a'],
      [{ poly: conifer(0.18, 0.9, 0.22) }, '#24472b'],
      [{ poly: conifer(0.3, 0.92, 0.17) }, '#24472b'],
      [{ poly: conifer(0.82, 0.9, 0.2) }, '#24472b'],
    ],
  },
  {
    name: 'snow-peaks',
    shows: 'sky, grey peaks with snow caps, a green meadow',
    layers: [
      [{ poly: rect(0, 0, 1, 1) }, '#7fb0e0'],
      [{ poly: [[0, 0.62], [0.18, 0.38], [0.3, 0.5], [0.48, 0.2], [0.62, 0.42], [0.78, 0.3], [1, 0.55], [1, 0.78], [0, 0.78]] }, '#6d6a70'],
      [{ poly: [[0.48, 0.2], [0.41, 0.31], [0.45, 0.29], [0.49, 0.33], [0.52, 0.28], [0.55, 0.31]] }, '#f2f4f7'],
      [{ poly: [[0.18, 0.38], [0.13, 0.44], [0.17, 0.43], [0.21, 0.45], [0.23, 0.43]] }, '#f2f4f7'],
      [{ poly: [[0.78, 0.3], [0.73, 0.36], [0.77, 0.35], [0.8, 0.37], [0.84, 0.35]] }, '#f2f4f7'],
      [{ poly: [[0, 0.72], [0.4, 0.68], [1, 0.74], [1, 1], [0, 1]] }, '#5f8f45'],
    ],
  },
  {
    name: 'sea-moon',
    shows: 'night sky, a full moon, a straight sea line, the moon reflected on the sea',
    layers: [
      [{ poly: rect(0, 0, 1, 1) }, '#1d2a4a'],
      [{ disk: [0.3, 0.25, 0.065] }, '#f0ecd2'],
      [{ poly: rect(0, 0.56, 1, 1) }, '#0f1d33'],
      [{ poly: [[0.28, 0.56], [0.32, 0.56], [0.36, 0.95], [0.24, 0.95]] }, '#5d6886'],
    ],
  },
  {
    name: 'sunset-sea',
    shows: 'orange sky in two bands, a low sun on the sea line, the sea, a sand beach',
    layers: [
      [{ poly: rect(0, 0, 1, 0.56) }, '#e9955a'],
      [{ poly: rect(0, 0.36, 1, 0.56) }, '#f5c688'],
      [{ disk: [0.55, 0.52, 0.08] }, '#fff0b0'],
      [{ poly: rect(0, 0.56, 1, 0.9) }, '#2f4f6f'],
      [{ poly: [[0, 0.86], [0.6, 0.84], [1, 0.88], [1, 1], [0, 1]] }, '#c9b48a'],
    ],
  },
  {
    name: 'forest-river',
    shows: 'sky, far hills, a dark forest edge of conifers, a river winding through a meadow',
    layers: [
      [{ poly: rect(0, 0, 1, 1) }, '#a9cdea'],
      [{ poly: [[0, 0.45], [0.3, 0.36], [0.6, 0.42], [1, 0.34], [1, 0.6], [0, 0.6]] }, '#8aa9a0'],
      [{ poly: rect(0, 0.52, 1, 1) }, '#6f9c4f'],
      ...[0.05, 0.14, 0.23, 0.33, 0.44, 0.56, 0.67, 0.78, 0.9].map((x, i): [Layer, string] => [{ poly: conifer(x, 0.6, 0.16 + 0.04 * (i % 2)) }, '#2e5232']),
      [{ poly: rect(0, 0.58, 1, 0.62) }, '#2e5232'],
      [{ poly: [[0.46, 0.62], [0.54, 0.62], [0.5, 0.75], [0.7, 0.88], [0.78, 1], [0.5, 1], [0.38, 0.86], [0.4, 0.74]] }, '#4a86b8'],
    ],
  },
  {
    name: 'island',
    shows: 'sky with two white clouds, a sun, the sea, a green island with a rocky shore',
    layers: [
      [{ poly: rect(0, 0, 1, 1) }, '#9cc8ee'],
      [{ disk: [0.82, 0.16, 0.06] }, '#ffe9a0'],
      [{ disk: [0.25, 0.18, 0.12, 0.045] }, '#f4f6f8'],
      [{ disk: [0.55, 0.3, 0.09, 0.035] }, '#f4f6f8'],
      [{ poly: rect(0, 0.58, 1, 1) }, '#2d6d9c'],
      [{ poly: [[0.2, 0.62], [0.32, 0.5], [0.45, 0.44], [0.58, 0.48], [0.72, 0.62]] }, '#4f7d3c'],
      [{ poly: [[0.18, 0.62], [0.74, 0.62], [0.7, 0.65], [0.22, 0.65]] }, '#7b7265'],
    ],
  },
];

/** One flat scene as 3×size×size in [−1, 1] (8-bit values, as its PNG holds them). */
export function flatGuide(scene: FlatScene, size: number): Float32Array {
  const img = new Float32Array(3 * size * size);
  for (const [layer, colour] of scene.layers) {
    const a = 'poly' in layer ? polygonCoverage(size, layer.poly) : disk(size, ...layer.disk);
    paint(img, size, a, hex(colour));
  }
  return to8bit(img, true);
}

/** Write every flat scene as DIR/flat-<name>.png at `size`²; returns the files. */
export function makeFlatGuides(dir: string, size = FLAT_GUIDE_SIZE): string[] {
  return FLAT_SCENES.map((s, i) => {
    const file = `${dir}/flat-${i}-${s.name}.png`;
    writeChw(file, flatGuide(s, size), size, size);
    return file;
  });
}
