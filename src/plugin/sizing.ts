// The export of a node at its working size: pure arithmetic, no Figma. The working size itself
// is protocol's `workingSize` (one rule for the sandbox, the engine and the CLI); this adds the
// export constraint that makes Figma render the node at it.
import { workingSize, type WorkingSize } from '../protocol';

export interface ExportConstraint {
  type: 'WIDTH' | 'HEIGHT';
  value: number;
}

export type ExportSize = Extract<WorkingSize, { ok: false }> | (Extract<WorkingSize, { ok: true }> & { constraint: ExportConstraint });

/** Working size of a node of `nodeWidth × nodeHeight` Figma units, with the constraint on its
 *  longest side that exports it at that size. */
export function exportSize(nodeWidth: number, nodeHeight: number, size: number, multiple?: number): ExportSize {
  const s = workingSize(nodeWidth, nodeHeight, size, multiple);
  if (!s.ok) return s;
  const wide = s.width >= s.height;
  return { ...s, constraint: wide ? { type: 'WIDTH', value: s.width } : { type: 'HEIGHT', value: s.height } };
}
