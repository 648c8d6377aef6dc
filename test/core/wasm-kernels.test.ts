// The WebAssembly kernels (src/core/wasm/kernels.wat) against the formulas they replaced: every
// value bit for bit, across the wrappers' 65 536-value windows and at the float32 values where
// rounding and clipping differ (±0, NaN, ±∞, tiny and huge numbers); the draws against hashes of
// the JavaScript generator they replaced; and the committed module against kernels.wat's compile.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gaussian, gaussianRanges } from '../../src/core/rng';
import { blendKept, blendKeptFrom, copyClipped, firstNonFinite, keptPixels, multistepUpdate, noisedKeptRuns, noiseTo } from '../../src/core/kernels';
import { Arena, rangeWindows, WINDOW } from '../../src/core/wasm/instance';
import { KERNELS_WASM_BASE64 } from '../../src/core/wasm/kernels-module';
import { compileKernels, KERNELS_WAT } from '../../src/core/wasm/compile.mjs';

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const hash = (a: Float32Array): string => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

/** n values: mostly normals of scale `scale`, with float32's awkward values sprinkled in. */
function values(n: number, seed: number, scale = 1): Float32Array {
  const a = gaussian(seed, 1, new Float32Array(n));
  const odd = [0, -0, NaN, Infinity, -Infinity, 1, -1, 1.0000001, -0.99999994, 1e-45, -3e38, 3e38, 2.5];
  for (let i = 0; i < n; i++) a[i] = i % 97 < odd.length ? odd[i % 97] : a[i] * scale;
  return a;
}

function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const a = bits(actual);
  const e = bits(expected);
  let first = -1;
  for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== e[i]) first = i;
  expect(first === -1 ? 'all equal' : `first difference at ${first}: ${actual[first]} vs ${expected[first]}`).toBe('all equal');
}

describe('the committed WebAssembly module', () => {
  it('is the compile of kernels.wat (run `npm run wasm` after editing it)', async () => {
    const text = await compileKernels(readFileSync(KERNELS_WAT, 'utf8'));
    expect(text).toContain(KERNELS_WASM_BASE64);
  });
});

describe('rangeWindows', () => {
  it('clips the pairs to each window and skips windows without any', () => {
    const seen: number[][] = [];
    rangeWindows(Int32Array.from([3, 5, WINDOW - 2, WINDOW + 4, 3 * WINDOW + 1, 3 * WINDOW + 2]), 4 * WINDOW, (pairs, count) => {
      seen.push([...pairs.subarray(0, 2 * count)]);
    });
    expect(seen).toEqual([
      [3, 5, WINDOW - 2, WINDOW],
      [WINDOW, WINDOW + 4],
      [3 * WINDOW + 1, 3 * WINDOW + 2],
    ]);
    const whole: number[][] = [];
    rangeWindows(null, WINDOW + 1, (pairs, count) => {
      whole.push([...pairs.subarray(0, 2 * count)]);
    });
    expect(whole).toEqual([
      [0, WINDOW],
      [WINDOW, WINDOW + 1],
    ]);
  });
});

describe('Gaussian draws in WebAssembly', () => {
  // sha256 prefixes of the JavaScript generator the module replaced (src/core/rng.ts at 237bae9)
  it('give the bytes of the JavaScript generator they replaced, over several windows', () => {
    const a = new Float32Array(200003);
    gaussian(7, 11, a, 0);
    expect(hash(a)).toBe('ae3c83d5b7d00588');
    const b = new Float32Array(200010).fill(0.25);
    gaussian(-3, 5, b, 7, 200003 - 4);
    expect(hash(b)).toBe('fdd0bf1211bd1a96');
    const c = new Float32Array(300000).fill(-2);
    gaussianRanges(123456789012, 99, c, 10, Int32Array.from([5, 1000, 1020, 1030, 65530, 65546, 65600, 131072, 131073, 131075, 196000, 299990]));
    expect(hash(c)).toBe('7329034c8fd67550');
  });

  it('draw only the ranges, each value the whole draw gives it, across window edges', () => {
    const n = 3 * WINDOW + 77;
    const whole = gaussian(42, 3, new Float32Array(n));
    const ranges = Int32Array.from([0, 1, WINDOW - 5, WINDOW + 5, 2 * WINDOW - 1, 2 * WINDOW + 2000, n - 10, n]);
    const part = new Float32Array(n).fill(7);
    gaussianRanges(42, 3, part, 0, ranges);
    const expected = new Float32Array(n).fill(7);
    for (let r = 0; r < ranges.length; r += 2) expected.set(whole.subarray(ranges[r], ranges[r + 1]), ranges[r]);
    expectSameBits(part, expected);
  });
});

describe('the sampler kernels in WebAssembly', () => {
  const n = 2 * WINDOW + 3 * 1000 + 1; // three windows, the last one short
  const x0 = values(n, 11);
  const eps = values(n, 12, 3);
  const d1 = values(n, 13);
  const z = values(n, 14);
  const c = { sample: 0.912345678, x0: 0.0871234, x0Prev: -0.0213, noise: 0.1234567, sigma: 0.7071, invAlpha: 1.41421356237 };

  it('multistepUpdate: the DPM-Solver++(2M) update, with and without the previous x̂0 and the noise, over ranges', () => {
    const ranges = Int32Array.from([0, 17, 300, WINDOW + 9, 2 * WINDOW + 5, n]);
    for (const withPrev of [false, true]) {
      for (const withNoise of [false, true]) {
        const x = x0.slice();
        const d0 = new Float32Array(n).fill(0.5);
        multistepUpdate(x, eps, d0, withPrev ? d1 : null, c, withNoise ? z : null, ranges);
        const ex = x0.slice();
        const ed0 = new Float32Array(n).fill(0.5);
        for (let r = 0; r < ranges.length; r += 2) {
          for (let k = ranges[r]; k < ranges[r + 1]; k++) {
            ed0[k] = (ex[k] - c.sigma * eps[k]) * c.invAlpha;
            let v = c.sample * ex[k] + c.x0 * ed0[k];
            if (withPrev) v += c.x0Prev * d1[k];
            ex[k] = withNoise ? Math.fround(v) + c.noise * z[k] : v;
          }
        }
        expectSameBits(x, ex);
        expectSameBits(d0, ed0);
      }
    }
  });

  it('multistepUpdate without ranges updates every value', () => {
    const x = x0.slice();
    const d0 = new Float32Array(n);
    multistepUpdate(x, eps, d0, d1, c, z);
    const ex = x0.slice();
    const ed0 = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      ed0[k] = (ex[k] - c.sigma * eps[k]) * c.invAlpha;
      ex[k] = Math.fround(c.sample * ex[k] + c.x0 * ed0[k] + c.x0Prev * d1[k]) + c.noise * z[k];
    }
    expectSameBits(x, ex);
    expectSameBits(d0, ed0);
  });

  it('noiseTo: x ← signal·g + noise·z', () => {
    const x = new Float32Array(n);
    noiseTo(x, x0, z, 0.3123, 0.95);
    const ex = new Float32Array(n);
    for (let k = 0; k < n; k++) ex[k] = 0.3123 * x0[k] + 0.95 * z[k];
    expectSameBits(x, ex);
  });

  it('noisedKeptRuns: the guide at a level on the kept pixels of every plane, the rest left as it is', () => {
    const side = 300; // 90 000 pixels a plane: planes and runs cross the windows
    const mask = new Float32Array(side * side);
    for (let p = 0; p < mask.length; p++) mask[p] = (p % side > 100 && p % side < 200 && p > 20 * side) ? 1 : p % 7 === 0 ? 0.5 : 0;
    const kept = keptPixels(mask);
    const g = values(3 * mask.length, 21);
    const zz = values(3 * mask.length, 22);
    for (const noise of [0, 0.8]) {
      const dst = new Float32Array(3 * mask.length).fill(9);
      noisedKeptRuns(dst, g, zz, kept, 0.6, noise);
      const ed = new Float32Array(3 * mask.length).fill(9);
      for (let base = 0; base < ed.length; base += mask.length) {
        for (let p = 0; p < mask.length; p++) {
          if (mask[p] === 0) ed[base + p] = noise === 0 ? 0.6 * g[base + p] : 0.6 * g[base + p] + noise * zz[base + p];
        }
      }
      expectSameBits(dst, ed);
    }
  });

  it('copyClipped: clip to [−1, 1] on the bits, −0 and NaN kept, in place too', () => {
    const src = values(n, 31, 2);
    const dst = new Float32Array(n);
    copyClipped(dst, src);
    const ex = src.map((v) => (v > 1 ? 1 : v < -1 ? -1 : v));
    expectSameBits(dst, ex);
    expect(Object.is(dst[1], -0)).toBe(true);
    expect(Number.isNaN(dst[2])).toBe(true);
    copyClipped(src, src);
    expectSameBits(src, ex);
    expect(() => copyClipped(new Float32Array(3), new Float32Array(4))).toThrow(/4 values into 3/);
  });
});

describe('firstNonFinite in WebAssembly', () => {
  it('finds the first NaN or ±Inf in any window, group of four or tail, and −1 when there is none', () => {
    const n = 2 * WINDOW + 6;
    const v = gaussian(3, 3, new Float32Array(n));
    v[5] = 3e38; // huge but finite
    v[6] = -1e-45;
    expect(firstNonFinite(v)).toBe(-1);
    for (const at of [0, 3, WINDOW - 1, WINDOW, WINDOW + 2, 2 * WINDOW + 3, n - 1]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const w = v.slice();
        w[at] = bad;
        if (at + 9 < n) w[at + 9] = NaN; // a later one does not hide it
        expect(firstNonFinite(w)).toBe(at);
      }
    }
  });
});

describe('kernels on a run\'s arena (in place) give the bytes of the copying path', () => {
  const side = 260; // 67 600 pixels a plane: windows cross the planes
  const n = 3 * side * side;
  const mask = new Float32Array(side * side);
  for (let p = 0; p < mask.length; p++) mask[p] = p % side > 60 && p % side < 200 && p > 30 * side ? 1 : p % 11 === 0 ? 0.25 : 0;
  const kept = keptPixels(mask);
  const edited = Int32Array.from([0, 1000, 70000, 140000, 150000, n]);
  const c = { sample: 0.8, x0: 0.15, x0Prev: -0.03, noise: 0.2, sigma: 0.6, invAlpha: 1.25 };

  /** The arrays a step touches, in an arena (holding `inArena` of them) or in the heap. */
  function arrays(arena: Arena | null) {
    const make = (seed: number): Float32Array => {
      const a = arena ? arena.floats(n) : new Float32Array(n);
      a.set(values(n, seed));
      return a;
    };
    return { x: make(1), g: make(2), z0: make(3), d0: make(4), d1: make(5), z: make(6), ahead: make(7), x0: make(8) };
  }

  it('for every kernel of the default sampler, with the network output outside the arena', () => {
    const arena = new Arena(8 * n);
    const a = arrays(arena);
    const h = arrays(null);
    expect(a.x.buffer).toBe(arena.exports.memory.buffer);
    const eps = values(n, 9, 2); // as the network returns it: not in the arena
    for (const s of [a, h]) {
      gaussian(5, 6, s.z0);
      gaussianRanges(5, 7, s.z, 0, edited);
      noiseTo(s.x, s.g, s.z0, 0.4, 0.9);
      multistepUpdate(s.x, eps, s.d0, s.d1, c, s.z, edited);
      noisedKeptRuns(s.ahead, s.g, s.z0, kept, 0.7, 0.5);
      blendKeptFrom(s.x, s.ahead, s.g, s.z0, kept, 0.7, 0.5);
      blendKept(s.d1, s.g, s.z0, kept, 0.3, 0);
      copyClipped(s.x0, s.d0);
    }
    for (const key of ['x', 'z0', 'z', 'd0', 'd1', 'ahead', 'x0'] as const) expectSameBits(a[key], h[key]);
  });

  it('an arena past its budget hands out heap arrays, and kernels mixing them still work', () => {
    const arena = new Arena(n);
    const inside = arena.floats(n);
    const outside = arena.floats(n);
    expect(inside.buffer).toBe(arena.exports.memory.buffer);
    expect(outside.buffer).not.toBe(arena.exports.memory.buffer);
    expect(outside.every((v) => v === 0)).toBe(true);
    const src = values(n, 3, 2);
    inside.set(src);
    copyClipped(outside, inside);
    expectSameBits(outside, src.map((v) => (v > 1 ? 1 : v < -1 ? -1 : v)));
  });

  it('an arena the engine cannot give memory for (past WebAssembly\'s 4 GB) has room for none, and runs through copies', () => {
    const arena = new Arena(2 ** 31); // 8 GB of arrays
    const a = arena.floats(1000);
    expect(a.buffer).not.toBe(arena.exports.memory.buffer);
    const src = values(1000, 4, 2);
    copyClipped(a, src);
    expectSameBits(a, src.map((v) => (v > 1 ? 1 : v < -1 ? -1 : v)));
  });
});
