// How much memory this process may still take: the kernel's MemAvailable (free memory plus what
// it can reclaim), lowered to the container's cgroup limit when one is set, since that limit is
// what the OOM killer enforces there.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

function readNumber(file: string, pattern?: RegExp): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const raw = pattern ? pattern.exec(text)?.[1] : text.trim();
  const v = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(v) ? v : null;
}

/** Bytes as the command's memory messages show them: "2.8 GB" (10⁹ bytes). */
export const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/** Bytes this process can still allocate before the system runs out (an estimate). */
export function availableMemoryBytes(): number {
  const meminfoKb = readNumber('/proc/meminfo', /^MemAvailable:\s+(\d+)\s+kB/m);
  let available = meminfoKb !== null ? meminfoKb * 1024 : os.freemem();
  const max = readNumber('/sys/fs/cgroup/memory.max'); // "max" (no limit) reads as null
  const current = readNumber('/sys/fs/cgroup/memory.current');
  if (max !== null && current !== null) available = Math.min(available, Math.max(0, max - current));
  return available;
}
