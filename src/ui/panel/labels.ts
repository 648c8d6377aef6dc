// What the panel calls the selection: the job mode's label and detail, and which of the
// sandbox's problems are shown as problems.
import type { JobMode, Problem } from '../../protocol';
import type { SelectionState } from './store';

export const NOTHING_SELECTED_HINT =
  'Select a frame to re-imagine it, or select layers inside a frame to blend them in.';

export function selectionMode(sel: SelectionState): JobMode | null {
  return sel.jobs.length > 0 ? sel.jobs[0].mode : null;
}

export const MODE_LABEL: Record<JobMode, string> = {
  synthesis: 'Re-imagine frame',
  'mask-edit': 'Edit masked area',
  composite: 'Blend layers in',
};

export const MODE_DETAIL: Record<JobMode, string> = {
  synthesis: 'The whole frame is redrawn as a realistic image.',
  'mask-edit': 'Only the parts under layers named “Mask” change.',
  composite: 'The selected layers are blended into their frame.',
};

/** Problems worth showing: "nothing selected" is shown as guidance, not as a problem. */
export function visibleProblems(sel: SelectionState): Problem[] {
  return sel.problems.filter((p) => p.code !== 'nothing-selected');
}
