// The store's rules for applying results: pending applies, their answers from the sandbox, and
// the seed that moves on once an apply has landed (see store.ts for the rest).
import { LIMITS, type Placement, type Problem } from '../../protocol';
import { problemToError } from './errors';
import type { PendingApply, State } from './store';

export type ApplyAction =
  | { type: 'apply-requested'; entryId: number; index: number; placement: Placement }
  | { type: 'applied'; jobId: string; nodeName: string; placement: Placement; existing?: boolean }
  | { type: 'problem'; problem: Problem; jobId: string | null };
/** True while an Apply of this variation, placed this way, is waiting for the sandbox. */
export function isApplying(state: Pick<State, 'pendingApplies'>, entryId: number, index: number, placement: Placement): boolean {
  return state.pendingApplies.some((p) => p.entryId === entryId && p.index === index && p.placement === placement);
}

export function applyReducer(state: State, action: ApplyAction): State {
  switch (action.type) {
    case 'apply-requested': {
      const entry = state.history.find((h) => h.id === action.entryId);
      if (!entry || !entry.pngs[action.index]) return state;
      // a second press while the first is on its way places nothing more
      if (isApplying(state, action.entryId, action.index, action.placement)) return state;
      const pending: PendingApply = { entryId: entry.id, index: action.index, placement: action.placement, jobId: entry.job.jobId };
      return { ...state, pendingApplies: [...state.pendingApplies, pending], status: null };
    }

    case 'applied': {
      const i = state.pendingApplies.findIndex((p) => p.jobId === action.jobId);
      const pending = i >= 0 ? state.pendingApplies[i] : null;
      if (action.existing) {
        const pendingApplies = i >= 0 ? state.pendingApplies.filter((_, j) => j !== i) : state.pendingApplies;
        return { ...state, pendingApplies, status: `“${action.nodeName}” is already on the canvas.` };
      }
      // "increment after apply": only a result that landed moves past the seeds its run used
      const s = state.settings;
      const settings =
        pending && s.seedMode === 'increment' ? { ...s, seed: Math.min(LIMITS.seed.max, s.seed + Math.max(1, s.variations)) } : s;
      const pendingApplies = i >= 0 ? state.pendingApplies.filter((_, j) => j !== i) : state.pendingApplies;
      const history = pending
        ? state.history.map((h) =>
            h.id === pending.entryId
              ? { ...h, applied: [...h.applied, { index: pending.index, placement: action.placement, nodeName: action.nodeName }] }
              : h,
          )
        : state.history;
      const verb = action.placement === 'replace' ? 'Replaced with' : 'Added';
      return { ...state, settings, pendingApplies, history, status: `${verb} “${action.nodeName}”.` };
    }

    case 'problem': {
      // A problem with a job id is the failed apply of that job: it is no longer pending (the
      // sandbox answers one job's applies in order, so it is the oldest of that job's).
      const i = action.jobId === null ? -1 : state.pendingApplies.findIndex((p) => p.jobId === action.jobId);
      const pendingApplies = i >= 0 ? state.pendingApplies.filter((_, j) => j !== i) : state.pendingApplies;
      return { ...state, pendingApplies, error: problemToError(action.problem), status: null };
    }
  }
}
