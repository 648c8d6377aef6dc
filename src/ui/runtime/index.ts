// The runtime's entry for the panel: `createEngine()` gives the Engine the panel drives.
import type { Engine } from './engine-api';
import { RuntimeEngine } from './engine';
import { trace } from './trace';

export type * from './engine-api';
export { EmptyMaskError, PREVIEW_SIZE, PREVIEW_MAX_STEPS } from './engine';

export function createEngine(): Engine {
  const engine = new RuntimeEngine();
  // Exposed for the end-to-end tests and devtools (run a job without the panel).
  (trace() as unknown as { engine: Engine }).engine = engine;
  return engine;
}
