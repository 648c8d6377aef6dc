// What is selected on the canvas: the mode, guide and mask thumbnails, the live preview, and
// the sandbox's problems in plain words. With nothing selected it says what to select.
import { LIMITS, type Settings } from '../../protocol';
import { EmptyState } from './empty';
import { NumberField } from './fields';
import { PngImage } from './png';
import { formatT0 } from './t0-value';
import { MODE_DETAIL, MODE_LABEL, NOTHING_SELECTED_HINT, selectionMode, visibleProblems } from './labels';
import type { PreviewState, SelectionState } from './store';

export function SelectionCard(props: {
  selection: SelectionState;
  preview: PreviewState;
  settings: Settings;
  onLivePreview: (on: boolean) => void;
  onSettings: (patch: Partial<Settings>) => void;
  onUseRerun: () => void;
  /** apply the shown preview as it is (offered when it was made at the working size) */
  onApplyPreview: () => void;
}) {
  const { selection, preview, settings } = props;
  const mode = selectionMode(selection);
  const job = selection.jobs[0];
  const problems = visibleProblems(selection);
  return (
    <section class="sd-card sd-selection" aria-label="Selection">
      <div class="sd-mode" data-testid="mode" data-mode={mode ?? 'none'} aria-live="polite">
        {mode ? (
          <>
            <strong>{MODE_LABEL[mode]}</strong>
            {job && (
              <span class="sd-muted sd-ellipsis">
                {' '}
                · {job.sourceName}
                {selection.jobs.length > 1 ? ` and ${selection.jobs.length - 1} more` : ''}
              </span>
            )}
            <div class="sd-muted sd-small">{MODE_DETAIL[mode]}</div>
          </>
        ) : (
          <>
            <span class="sd-visually-hidden">{NOTHING_SELECTED_HINT}</span>
            <EmptyState />
          </>
        )}
      </div>

      {job && (
        <div class="sd-thumbs">
          <figure class="sd-thumb">
            <PngImage png={job.guidePng} alt={`Guide: ${job.sourceName}`} testid="guide-thumb" />
            <figcaption>
              Guide {job.width}×{job.height}
            </figcaption>
          </figure>
          {job.maskPng && (
            <figure class="sd-thumb">
              <PngImage png={job.maskPng} alt="Mask: white is edited, black is kept" testid="mask-thumb" class="sd-mask" />
              <figcaption>Mask</figcaption>
            </figure>
          )}
          {settings.livePreview && (
            <figure class="sd-thumb" aria-busy={preview.status === 'running'}>
              {preview.png ? (
                <PngImage png={preview.png} alt={`Live preview at t0 ${formatT0(preview.t0 ?? settings.t0)}`} testid="live-preview-img" />
              ) : (
                <div class="sd-thumb-empty" aria-hidden="true" />
              )}
              <figcaption data-testid="preview-caption">
                {preview.status === 'running'
                  ? 'Previewing…'
                  : preview.status === 'stopped'
                    ? preview.png
                      ? `Stopped · showing t0 ${formatT0(preview.t0 ?? settings.t0)}`
                      : 'Preview stopped'
                    : preview.png
                      ? `Preview t0 ${formatT0(preview.t0 ?? settings.t0)}`
                      : 'Preview'}
              </figcaption>
              {preview.applicable && preview.status !== 'running' && (
                <button
                  type="button"
                  class="sd-btn"
                  data-testid="live-preview-apply"
                  title="This preview was made at the working size: add it to the canvas as it is"
                  onClick={props.onApplyPreview}
                >
                  Apply
                </button>
              )}
            </figure>
          )}
        </div>
      )}

      <label class="sd-check">
        <input
          type="checkbox"
          data-testid="live-preview-toggle"
          checked={settings.livePreview}
          onChange={(e) => props.onLivePreview(e.currentTarget.checked)}
        />
        <span title="A quick, low-quality run whenever you change t0, select another frame or draw inside the selected one">
          Live preview <span class="sd-muted">(follows t0 and your drawing)</span>
        </span>
      </label>
      <span data-testid="live-preview-count" data-count={preview.started} hidden>
        {preview.started}
      </span>

      {mode === 'composite' && (
        <div class="sd-grid2">
          <NumberField
            label="Grow edge (px)"
            title="How far the blended area reaches beyond the selected layers"
            value={settings.dilation}
            min={LIMITS.dilation.min}
            max={LIMITS.dilation.max}
            testid="dilation"
            accepts={`A whole number from ${LIMITS.dilation.min} to ${LIMITS.dilation.max}.`}
            onCommit={(v) => props.onSettings({ dilation: v })}
          />
          <NumberField
            label="Soft edge (px)"
            title="Width of the soft transition at the edge of the blended area"
            value={settings.feather}
            min={LIMITS.feather.min}
            max={LIMITS.feather.max}
            testid="feather"
            accepts={`A whole number from ${LIMITS.feather.min} to ${LIMITS.feather.max}.`}
            onCommit={(v) => props.onSettings({ feather: v })}
          />
        </div>
      )}

      {selection.rerun && (
        <div class="sd-rerun">
          <span>
            This layer was made here (t0 {formatT0(selection.rerun.params.t0)}, seed {selection.rerun.params.seed}).
          </span>
          <button type="button" class="sd-btn sd-btn-secondary" data-testid="use-rerun" onClick={props.onUseRerun}>
            Use its settings
          </button>
        </div>
      )}

      {problems.length > 0 && (
        <ul class="sd-problems" data-testid="problems" role="alert">
          {problems.map((p, i) => (
            <li key={`${p.code}-${i}`} data-testid={`problem-${p.code}`}>
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
