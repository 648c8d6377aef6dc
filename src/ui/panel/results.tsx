// Results gallery (the variations of the last run, as a grid) and the session history.
import type { Placement } from '../../protocol';
import { backendLabel, formatMs, samplerShortLabel } from './format';
import { PngImage } from './png';
import { formatT0 } from './t0-value';
import type { GalleryItem, HistoryEntry } from './store';

export function Results(props: {
  items: GalleryItem[];
  onApply: (entry: HistoryEntry, index: number, placement: Placement) => void;
  /** true while that Apply is on its way to the sandbox: its button waits */
  applying: (entryId: number, index: number, placement: Placement) => boolean;
}) {
  const { items } = props;
  if (items.length === 0) return null;
  const cols = items.length === 1 ? 1 : 2;
  return (
    <section class="sd-card" aria-label="Results" data-testid="results">
      <h2 class="sd-h2">Results</h2>
      <ul class={`sd-results sd-cols-${cols}`}>
        {items.map(({ entry, index }, i) => {
          const p = entry.params[index];
          const applied = entry.applied.filter((a) => a.index === index);
          const label = `Variation ${index + 1}, seed ${p?.seed ?? '?'}`;
          return (
            <li key={`${entry.id}-${index}`} class="sd-result">
              <PngImage png={entry.pngs[index]} alt={`${label} of ${entry.job.sourceName}`} testid={`result-img-${i}`} />
              <div class="sd-small sd-muted">
                seed {p?.seed}
                {applied.length > 0 && <span class="sd-applied"> · {applied[applied.length - 1].placement === 'replace' ? 'replaced' : 'added'}</span>}
              </div>
              <div class="sd-result-buttons">
                <button
                  type="button"
                  class="sd-btn sd-btn-primary sd-btn-small"
                  data-testid={`apply-${i}`}
                  aria-label={`Apply ${label} as a new layer beside ${entry.job.sourceName}`}
                  // aria-disabled keeps focus on the pressed button; a second press is ignored upstream
                  aria-disabled={props.applying(entry.id, index, 'new-node') || undefined}
                  onClick={() => props.onApply(entry, index, 'new-node')}
                >
                  {props.applying(entry.id, index, 'new-node') ? 'Applying…' : 'Apply'}
                </button>
                <button
                  type="button"
                  class="sd-btn sd-btn-secondary sd-btn-small"
                  data-testid={`replace-${i}`}
                  aria-label={`Replace ${entry.job.sourceName} with ${label}`}
                  aria-disabled={props.applying(entry.id, index, 'replace') || undefined}
                  onClick={() => props.onApply(entry, index, 'replace')}
                >
                  Replace
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function describeEntry(e: HistoryEntry): string {
  const p = e.params[0];
  const s = e.settings;
  const seeds = e.params.length > 1 ? `seeds ${p.seed}–${e.params[e.params.length - 1].seed}` : `seed ${p?.seed ?? s.seed}`;
  return [
    `t0 ${formatT0(p?.t0 ?? s.t0)}`,
    `${p?.steps ?? s.steps} ${samplerShortLabel(p?.sampler ?? s.sampler)} steps`,
    (p?.repeats ?? s.repeats) > 1 ? `${p?.repeats ?? s.repeats} repeats` : null,
    seeds,
    `${p?.size ?? s.size} px`,
    formatMs(e.totalMs),
    backendLabel(e.backend),
  ]
    .filter(Boolean)
    .join(' · ');
}

export function History(props: {
  history: HistoryEntry[];
  gallery: number[];
  busy: boolean;
  onShow: (id: number) => void;
  onRerun: (entry: HistoryEntry) => void;
}) {
  if (props.history.length === 0) return null;
  return (
    <section class="sd-card" aria-label="History" data-testid="history">
      <h2 class="sd-h2">This session</h2>
      <ol class="sd-history">
        {props.history.map((e, i) => {
          const current = props.gallery.includes(e.id);
          return (
            <li key={e.id} class={current ? 'is-current' : undefined} aria-current={current || undefined}>
              <PngImage png={e.pngs[0]} alt="" class="sd-history-thumb" />
              <div class="sd-history-text">
                <div class="sd-ellipsis">
                  {e.job.sourceName}
                  {e.pngs.length > 1 ? ` · ${e.pngs.length} images` : ''}
                  {e.applied.length > 0 ? ' · applied' : ''}
                </div>
                <div class="sd-small sd-muted">{describeEntry(e)}</div>
              </div>
              <div class="sd-history-buttons">
                <button
                  type="button"
                  class="sd-btn sd-btn-secondary sd-btn-small"
                  data-testid={`history-show-${i}`}
                  aria-label={`Show results of ${e.job.sourceName}, ${describeEntry(e)}`}
                  disabled={current}
                  onClick={() => props.onShow(e.id)}
                >
                  Show
                </button>
                <button
                  type="button"
                  class="sd-btn sd-btn-secondary sd-btn-small"
                  data-testid={`history-rerun-${i}`}
                  aria-label={`Run again with ${describeEntry(e)}`}
                  disabled={props.busy}
                  onClick={() => props.onRerun(e)}
                >
                  Re-run
                </button>
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
