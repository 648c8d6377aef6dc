// When the panel gets an x̂0 preview during a run (src/ui/runtime/preview-steps.ts).
import { previewDue } from '../../src/ui/runtime/preview-steps';

const due = (total: number, every: number) => Array.from({ length: total }, (_, i) => i + 1).filter((s) => previewDue(s, total, every));

it('previews every `every` steps, never at the last step (the result comes right after)', () => {
  expect(due(10, 2)).toEqual([2, 4, 6, 8]); // the panel's default: 10 steps
  expect(due(9, 3)).toEqual([3, 6]);
  expect(due(7, 3)).toEqual([3, 6]);
  expect(due(4, 1)).toEqual([1, 2, 3]);
  expect(due(1, 1)).toEqual([]);
  expect(due(10, 0)).toEqual([]);
});
