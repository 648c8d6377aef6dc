// Progress of a run on stderr: a bar redrawn at every step on a terminal; elsewhere (a pipe, a log
// file, a CI job) one line every PROGRESS_INTERVAL_MS, so that a long run is never silent and a
// short one prints nothing.
import type { StepInfo } from '../core';

export const PROGRESS_INTERVAL_MS = 5000;

export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** the batch about to run (0-based) of `count`; the total steps are the same in each */
  batch(index: number, count: number): void;
  step(info: StepInfo): void;
  done(): void;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function progressReporter(sink: ProgressSink, now: () => number): Progress {
  const start = now();
  let batchIndex = 0;
  let batchCount = 1;
  const batchLabel = (): string => (batchCount > 1 ? ` (batch ${batchIndex + 1}/${batchCount})` : '');
  const batch = (index: number, count: number): void => {
    batchIndex = index;
    batchCount = count;
  };

  if (!sink.isTTY) {
    let lastLine = start;
    return {
      batch,
      step(info) {
        const t = now();
        if (t - lastLine < PROGRESS_INTERVAL_MS) return;
        lastLine = t;
        const done = batchIndex * info.total + info.step;
        const all = batchCount * info.total;
        const left = ((t - start) / done) * (all - done);
        sink.write(`sdedit: step ${info.step}/${info.total}${batchLabel()}, ${duration(t - start)} so far, about ${duration(left)} left\n`);
      },
      done: () => undefined,
    };
  }

  let last = start;
  let avg = 0;
  let shown = false;
  return {
    batch,
    step(info) {
      const t = now();
      const ms = t - last;
      last = t;
      avg = info.step === 1 ? ms : avg + (ms - avg) / Math.min(info.step, 10);
      const width = 30;
      const fill = Math.round((width * info.step) / info.total);
      const rep = info.repeat > 0 ? ` (repeat ${info.repeat + 1})` : '';
      sink.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] step ${info.step}/${info.total}  ${avg.toFixed(0)} ms/step${rep}${batchLabel()}  `);
      shown = true;
    },
    done() {
      if (shown) sink.write('\n');
    },
  };
}
