// Generate and Cancel, the progress bar with step counts, time per step and the current x̂0
// preview of the run.
import type { Ref } from 'preact';
import { backendLabel, formatMs } from './format';
import { PngImage } from './png';
import type { EngineState, RunState } from './store';

export function RunControls(props: {
  run: RunState;
  engine: EngineState;
  canGenerate: boolean;
  /** why Generate is disabled, in words */
  blockedReason: string | null;
  onGenerate: () => void;
  /** during a run: put another Generate in the queue */
  onEnqueue: () => void;
  onCancel: () => void;
  /** the app moves focus between these two as a run starts and ends */
  generateRef?: Ref<HTMLButtonElement>;
  cancelRef?: Ref<HTMLButtonElement>;
}) {
  const { run, engine } = props;
  const active = run.status !== 'idle';
  const pct = run.total > 0 ? Math.round((100 * run.step) / run.total) : 0;
  return (
    <section class="sd-run" aria-label="Generate">
      <div class="sd-run-buttons">
        <button
          type="button"
          class="sd-btn sd-btn-primary"
          data-testid="generate"
          ref={props.generateRef}
          disabled={!props.canGenerate || active}
          aria-describedby={props.blockedReason ? 'sd-generate-why' : undefined}
          onClick={props.onGenerate}
          title="Generate (Ctrl+Enter)"
        >
          {active ? 'Generating…' : 'Generate'}
        </button>
        {active && props.canGenerate && (
          <button
            type="button"
            class="sd-btn sd-btn-secondary"
            data-testid="enqueue"
            onClick={props.onEnqueue}
            title="Run the current selection and settings after this run (Ctrl+Enter)"
          >
            Queue
          </button>
        )}
        <button
          type="button"
          class="sd-btn sd-btn-secondary"
          data-testid="cancel"
          ref={props.cancelRef}
          // while cancelling it keeps focus (aria-disabled) instead of dropping it to the page
          disabled={!active}
          aria-disabled={run.status === 'cancelling' || undefined}
          onClick={() => {
            if (run.status === 'running') props.onCancel();
          }}
          title="Cancel (Escape)"
        >
          {run.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      {props.blockedReason && !active && (
        <p class="sd-small sd-muted" id="sd-generate-why">
          {props.blockedReason}
        </p>
      )}
      {active && (
        <div class="sd-progress" data-testid="progress" data-step={run.step} data-total={run.total}>
          <div
            class="sd-bar"
            role="progressbar"
            data-testid="progressbar"
            aria-label={run.jobCount > 1 ? `Generating frame ${run.jobIndex + 1} of ${run.jobCount}` : 'Generating'}
            aria-valuemin={0}
            aria-valuemax={Math.max(1, run.total)}
            aria-valuenow={run.step}
            aria-valuetext={run.total > 0 ? `Step ${run.step} of ${run.total}` : 'Starting'}
          >
            <div class="sd-bar-fill" style={{ width: `${pct}%` }} />
          </div>
          <div class="sd-progress-line sd-small">
            <span>
              {run.jobCount > 1 ? `Frame ${run.jobIndex + 1} of ${run.jobCount} · ` : ''}
              {run.total > 0 ? `Step ${run.step} of ${run.total}` : 'Starting…'}
            </span>
            <span data-testid="ms-per-step">{run.msPerStep > 0 ? `${formatMs(run.msPerStep)} / step` : ''}</span>
            <span>{backendLabel(engine.backend)}</span>
          </div>
          {run.previewPng && (
            <PngImage png={run.previewPng} alt={`Work in progress at step ${run.step}`} testid="preview-img" class="sd-run-preview" />
          )}
        </div>
      )}
    </section>
  );
}
