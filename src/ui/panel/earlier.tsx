// Runs of earlier sessions, from the lasting history: a thumbnail, how each was made, and a
// button that loads its settings (the full images are not kept; Generate makes them again).
import type { StoredRun } from '../../protocol';
import { backendLabel, formatMs, samplerShortLabel } from './format';
import { PngImage } from './png';
import { formatT0 } from './t0-value';

export function describeStored(r: StoredRun): string {
  const p = r.params[0];
  const last = r.params[r.params.length - 1];
  return [
    `t0 ${formatT0(p.t0)}`,
    `${p.steps} ${samplerShortLabel(p.sampler)} steps`,
    p.repeats > 1 ? `${p.repeats} repeats` : null,
    r.params.length > 1 ? `seeds ${p.seed}–${last.seed}` : `seed ${p.seed}`,
    `${p.size} px`,
    formatMs(r.totalMs),
    backendLabel(r.backend === 'webgpu' ? 'webgpu' : 'wasm'),
  ]
    .filter(Boolean)
    .join(' · ');
}

export function Earlier(props: { runs: StoredRun[]; onUse: (id: string) => void }) {
  if (props.runs.length === 0) return null;
  return (
    <section class="sd-card" aria-label="Earlier runs" data-testid="earlier">
      <h2 class="sd-h2">Earlier</h2>
      <ol class="sd-history">
        {props.runs.map((r, i) => (
          <li key={r.id}>
            {r.thumbPng ? <PngImage png={r.thumbPng} alt="" class="sd-history-thumb" /> : <div class="sd-history-thumb sd-thumb-empty" aria-hidden="true" />}
            <div class="sd-history-text">
              <div class="sd-ellipsis">
                {r.sourceName}
                {r.params.length > 1 ? ` · ${r.params.length} images` : ''}
              </div>
              <div class="sd-small sd-muted">{describeStored(r)}</div>
            </div>
            <button
              type="button"
              class="sd-btn sd-btn-secondary sd-btn-small"
              data-testid={`earlier-use-${i}`}
              aria-label={`Use the settings of ${r.sourceName}, ${describeStored(r)}`}
              onClick={() => props.onUse(r.id)}
            >
              Use settings
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
