// The store's rules for the run queue and the lasting history (see store.ts for the rest).
import { HISTORY_LIMITS, type JobInput, type Settings, type StoredRun } from '../../protocol';
import { sanitizeSettings } from './settings';
import type { State } from './store';

/** A Generate asked for while another run was going: it starts when the runs before it end. */
export interface QueueItem {
  id: number;
  jobs: JobInput[];
  settings: Settings;
  seed: number;
}

export type QueueAction =
  | { type: 'queue-add'; jobs: JobInput[]; settings: Settings; seed: number }
  | { type: 'queue-remove'; id: number }
  | { type: 'history-loaded'; runs: StoredRun[] }
  | { type: 'run-stored'; run: StoredRun }
  | { type: 'use-stored'; id: string };

function queueAhead(state: State): string {
  const n = state.queue.length + (state.run.status === 'idle' ? 0 : 1);
  return n === 1 ? 'the current run' : `the ${n} runs ahead of it`;
}

export function queueReducer(state: State, action: QueueAction): State {
  switch (action.type) {
    case 'queue-add': {
      const item: QueueItem = { id: state.nextId, jobs: action.jobs, settings: action.settings, seed: action.seed };
      return { ...state, queue: [...state.queue, item], nextId: state.nextId + 1, status: `Queued: starts after ${queueAhead(state)}.` };
    }

    case 'queue-remove':
      return { ...state, queue: state.queue.filter((q) => q.id !== action.id) };

    case 'history-loaded': {
      // runs finished before the stored history arrived stay in front of it
      const mine = state.saved.filter((r) => state.savedThisSession.includes(r.id));
      const ids = new Set(mine.map((r) => r.id));
      const saved = [...mine, ...action.runs.filter((r) => !ids.has(r.id))].slice(0, HISTORY_LIMITS.runs);
      return { ...state, saved, savedLoaded: true };
    }

    case 'run-stored': {
      const saved = [action.run, ...state.saved.filter((r) => r.id !== action.run.id)].slice(0, HISTORY_LIMITS.runs);
      return { ...state, saved, savedThisSession: [...state.savedThisSession, action.run.id].slice(-HISTORY_LIMITS.runs) };
    }

    case 'use-stored': {
      const p = state.saved.find((r) => r.id === action.id)?.params[0];
      if (!p) return state;
      const settings = sanitizeSettings(
        { ...state.settings, t0: p.t0, steps: p.steps, sampler: p.sampler, repeats: p.repeats, seed: p.seed, size: p.size, model: p.model, seedMode: 'fixed' },
        state.settings,
      );
      return { ...state, settings, status: `Settings of that earlier run loaded (seed ${p.seed}).` };
    }
  }
}
