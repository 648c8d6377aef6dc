/** @jest-environment ./test/model/ort-node-env.js */
// The shipped default pack, whichever it is (models/default/model.json says): it loads through
// src/model (sha256 verified), stays within the embedded pack's size limits, produces finite ε,
// and a small run of the paper's protocol (src/cli/eval) holds the numbers the full evaluation
// (`npm run eval`, models/default/eval/results.md) measured, with margin.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { PackError, unetFile, unetFp16File, verifyFile } from '../../src/model';
import { loadPackFromDir, nodeDigest, type LoadedPack } from '../../src/model/node';
import { evaluate, type EvalReport } from '../../src/cli/eval/run';

const PACK = path.join(__dirname, '../../models/default');
const HELDOUT = path.join(__dirname, '../../models/eval/heldout');
const HAVE_PACK = existsSync(path.join(PACK, 'model.json')) && existsSync(path.join(PACK, 'model.onnx'));

/** What the embedded default may weigh (issue 15): the fp32 UNet and its fp16 copy, in bytes. */
export const FP32_LIMIT = 16_000_000;
export const FP16_LIMIT = 8_000_000;

/**
 * Faithfulness bound at t0 = 0.5: L2 between the result and the stroke guide, both downsampled to
 * 32×32 (values in [−1, 1], 3072 numbers). The full evaluation (256², DDIM-20, 8 guides; the
 * pack's eval/results.md) measured 6.06 ± 0.6 for v1 (models/v1 once v2 ships); this 64² DDIM-10 run
 * measured about 9.5 for v1 (step-1367 export), where the noised-guide baseline is about 28. The
 * bound is 1.5× that 64² value: well above both, well below the noised baseline; a default pack
 * must be at least that faithful.
 */
export const L2_BOUND_T05 = 14;

if (!HAVE_PACK) {
  console.warn(`test/eval/quality.test.ts: SKIPPED — ${PACK} does not exist yet (train and export it: models/train/README.md)`);
}
const maybe = HAVE_PACK ? describe : describe.skip;

maybe('the shipped default pack (models/default)', () => {
  let loaded: LoadedPack;
  beforeAll(async () => {
    loaded = await loadPackFromDir(PACK, { threads: 2 });
  });
  afterAll(() => loaded?.release());

  it('loads through src/model with its sha256 verified, and predicts finite ε at 64² and 128²', async () => {
    const entry = unetFile(loaded.pack);
    const bytes = new Uint8Array(readFileSync(path.join(PACK, entry.name)));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    expect(bytes.length).toBe(entry.bytes);
    expect(bytes.length).toBeLessThanOrEqual(FP32_LIMIT);
    await expect(verifyFile(bytes, entry, nodeDigest)).resolves.toBeUndefined();
    const bad = bytes.slice();
    bad[bad.length >> 1] ^= 0xff;
    await expect(verifyFile(bad, entry, nodeDigest)).rejects.toBeInstanceOf(PackError);
    expect(loaded.pack.prediction).toBe('eps');
    expect(loaded.schedule.type).toBe('vp');
    for (const s of [64, 128]) {
      const n = 2;
      const x = Float32Array.from({ length: n * 3 * s * s }, (_, i) => Math.sin(i * 0.013) * 0.9);
      const eps = await loaded.denoiser.predict(x, [n, 3, s, s], new Float32Array([0.1, 0.7]));
      expect(eps.length).toBe(x.length);
      expect(eps.every(Number.isFinite)).toBe(true);
    }
  }, 60_000);

  it('ships an fp16 copy (role unet_fp16) with its sha256, about half the size, whose ε follows fp32 within 1% RMS', async () => {
    const entry = unetFp16File(loaded.pack);
    expect(entry).not.toBeNull();
    if (!entry) return;
    const bytes = new Uint8Array(readFileSync(path.join(PACK, entry.name)));
    expect(bytes.length).toBe(entry.bytes);
    await expect(verifyFile(bytes, entry, nodeDigest)).resolves.toBeUndefined();
    expect(bytes.length).toBeLessThan(0.6 * unetFile(loaded.pack).bytes);
    expect(bytes.length).toBeLessThanOrEqual(FP16_LIMIT);
    // onnxruntime-node has no fp16 convolution on x86 and runs it through inserted Casts: every
    // tensor between operators is rounded to fp16, arithmetic inside them is fp32. That checks the
    // graph (inputs, outputs, the fp32 islands) and the fp16 weights; the WebGPU f16 shaders'
    // own arithmetic is measured on a GPU (bench/RESULTS.md, fp16 row).
    const f16 = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
    try {
      const s = 64;
      const x = Float32Array.from({ length: 2 * 3 * s * s }, (_, i) => Math.sin(i * 0.013) * 0.9);
      const tIdx = new Float32Array([100, 700]);
      const feeds = { x: new ort.Tensor('float32', x, [2, 3, s, s]), t: new ort.Tensor('float32', tIdx, [2]) };
      const a = (await loaded.session.run(feeds)).eps.data as Float32Array;
      const out = await f16.run(feeds);
      const b = out.eps.data as Float32Array;
      expect(out.eps.type).toBe('float32');
      let d = 0;
      let r = 0;
      for (let i = 0; i < a.length; i++) {
        d += (a[i] - b[i]) ** 2;
        r += a[i] ** 2;
      }
      expect(Math.sqrt(d / r)).toBeLessThan(0.01);
    } finally {
      await f16.release();
    }
  }, 60_000);

  describe('a small run of the paper protocol: 8 stroke guides vs 24 other real scenes at 64², DDIM 10 steps, t0 = 0.5', () => {
    let report: EvalReport;
    beforeAll(async () => {
      report = await evaluate(loaded, {
        heldout: HELDOUT,
        size: 64,
        guides: 8,
        refs: 24,
        t0s: [0.5],
        samplers: [{ sampler: 'ddim', steps: 10 }],
        seed: 1,
        batch: 8,
        blurSigma: 1,
        edits: false,
        editT0: 0.5,
        editSampler: { sampler: 'ddim', steps: 10 },
      });
    }, 60_000);
    const row = (method: string) => report.rows.find((r) => r.method === method && (r.t0 === 0.5 || r.t0 === null)) as EvalReport['rows'][number];

    it('SDEdit is more realistic than the guide as-is (KID lower)', () => {
      expect(row('sdedit').kid).toBeLessThan(row('guide').kid);
    });

    it(`SDEdit stays within L2 ${L2_BOUND_T05} of the guide (32×32) and beats the noised guide on both metrics`, () => {
      const sd = row('sdedit');
      expect(sd.l2_mean).toBeLessThan(L2_BOUND_T05);
      expect(sd.l2_mean).toBeLessThan(row('noised').l2_mean);
      expect(sd.kid).toBeLessThan(row('noised').kid);
      expect(report.timing.network_calls).toBe(8 * 10);
    });
  });
});
