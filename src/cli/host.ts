// What the `sdedit` command uses of the machine: its streams, where outputs are written, the
// memory it may take and a clock. Both commands (pixel and latent packs) take one, so tests can
// inject a failing file system or a small machine.
import { availableMemoryBytes } from './memory';
import { type OutputFs, nodeOutputFs } from './outputs';

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** What the command uses of the machine besides stdout/stderr. */
export interface CliHost {
  /** where outputs are written */
  fs: OutputFs;
  /** bytes of memory the run may take */
  availableMemory(): number;
  /** milliseconds, for timings and progress */
  now(): number;
}

export const nodeHost: CliHost = { fs: nodeOutputFs, availableMemory: availableMemoryBytes, now: () => performance.now() };

/** Share of the available memory a run may plan to use (the rest is for everything else). */
export const MEMORY_HEADROOM = 0.9;
