import { estimatePeakBytes } from '../../src/model/memory';
import { PANEL_MEMORY_BYTES, planPanelRun } from '../../src/ui/runtime/memory-budget';

const MODEL = 5_906_584; // the default pack's UNet

it('runs the default size and its variations as one batch', () => {
  expect(planPanelRun({ width: 256, height: 256, multiple: 8 }, 4, MODEL)).toEqual({ ok: true, batches: [4] });
});

it('splits variations that do not fit at once into batches that each fit', () => {
  const plan = planPanelRun({ width: 1024, height: 1024, multiple: 8 }, 4, MODEL);
  expect(plan.ok).toBe(true);
  if (!plan.ok) return;
  expect(plan.batches.length).toBeGreaterThan(1);
  expect(plan.batches.reduce((a, b) => a + b, 0)).toBe(4);
  for (const b of plan.batches) expect(estimatePeakBytes({ width: 1024, height: 1024, batch: b, modelBytes: MODEL })).toBeLessThanOrEqual(PANEL_MEMORY_BYTES);
});

it('refuses the largest allowed size at once, naming a working size that fits', () => {
  const plan = planPanelRun({ width: 4096, height: 4096, multiple: 8 }, 1, MODEL);
  expect(plan.ok).toBe(false);
  if (plan.ok) return;
  const side = Number(/working size of (\d+) px or less/.exec(plan.message)?.[1]);
  expect(side % 8).toBe(0);
  expect(estimatePeakBytes({ width: side, height: side, batch: 1, modelBytes: MODEL })).toBeLessThanOrEqual(PANEL_MEMORY_BYTES);
  expect(estimatePeakBytes({ width: side + 8, height: side + 8, batch: 1, modelBytes: MODEL })).toBeGreaterThan(PANEL_MEMORY_BYTES);
  expect(plan.message).toMatch(/^A 4096×4096 px run needs about \d+\.\d GB of memory for one image, more than the 3\.2 GB the panel can use\./);
});
