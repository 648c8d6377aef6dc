// The t0 control: faithful ↔ realistic. A range slider and a typed number, arrow keys step by
// 0.01 and shift+arrow by 0.1, the signal kept at t0 beside it, and the paper's recommended
// range marked on the track. With `onAuto`, an "Auto" button asks for the t0 the model
// suggests for the selection (core's suggestT0); the suggestion is marked on the track and the
// slider stays free to drag.
import { useId, useState } from 'preact/hooks';
import { clampT0, parseT0, RECOMMENDED_T0, T0_MIN } from './settings';
import type { LatentSchedule } from '../runtime/engine-api';
import { describePackSignalKept, packSignalKeptTerm } from './pack-signal';
import { describeSignalKept, signalKeptTerm } from './signal';
import { arrowStep, formatT0, shiftStep } from './t0-value';

export { formatT0 } from './t0-value';

/** Where a value sits on the slider track, 0..1. */
function frac(v: number): number {
  return (v - T0_MIN) / (1 - T0_MIN);
}

export interface T0AutoProps {
  /** why Auto cannot be offered for the active pack: the button shows as unavailable with this tooltip */
  autoUnavailable?: string;
  /** ask for the suggested t0 (the panel then moves the slider to it) */
  onAuto?: () => void;
  /** the last suggestion for this selection, or null */
  autoT0?: number | null;
  /** a suggestion is being measured */
  autoBusy?: boolean;
}

/** A latent pack's schedule and step count: its signal kept comes from its own scheduler. */
export interface T0PackSignal {
  schedule: LatentSchedule;
  steps: number;
}

export function T0Control(props: { t0: number; sde: 'vp' | 've'; pack?: T0PackSignal | null; onChange: (t0: number) => void } & T0AutoProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  const pack = props.pack ?? null;
  const signal = pack ? describePackSignalKept(pack.schedule, props.t0, pack.steps) : describeSignalKept(props.t0, props.sde);
  const signalTerm = pack ? packSignalKeptTerm(pack.schedule, props.t0, pack.steps) : signalKeptTerm(props.t0, props.sde);
  const [lo, hi] = RECOMMENDED_T0;
  const inRange = props.t0 >= lo && props.t0 <= hi;
  const auto = props.autoT0 ?? null;
  const atAuto = auto !== null && Math.abs(props.t0 - auto) < 1e-9;

  const commitTyped = (text: string) => {
    const v = parseT0(text);
    setDraft(null);
    setInvalid(v === null);
    if (v !== null && v !== props.t0) props.onChange(v);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const v = shiftStep(e.key, e.shiftKey, props.t0);
    if (v !== null) {
      e.preventDefault();
      setDraft(null);
      setInvalid(false);
      if (v !== props.t0) props.onChange(v);
    }
  };

  return (
    <section class="sd-t0" aria-labelledby={`${id}-title`}>
      <div class="sd-t0-head">
        <label id={`${id}-title`} for={`${id}-range`} class="sd-t0-title" title="SDEdit's t0: how far the guide is noised before the model redraws it. Low keeps the guide, high makes it realistic.">
          Strength <span class="sd-muted">(t0)</span>
        </label>
        <input
          id={`${id}-num`}
          class="sd-t0-num"
          type="text"
          inputMode="decimal"
          aria-label="t0, a number above 0 and up to 1"
          data-testid="t0-input"
          value={draft ?? formatT0(props.t0)}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? `${id}-err` : `${id}-signal`}
          onInput={(e) => {
            const text = e.currentTarget.value;
            setDraft(text);
            setInvalid(false);
            const v = parseT0(text);
            if (v !== null && v !== props.t0) props.onChange(v);
          }}
          onChange={(e) => commitTyped(e.currentTarget.value)}
          onBlur={(e) => {
            if (draft !== null) commitTyped(e.currentTarget.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitTyped(e.currentTarget.value);
            else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
              e.preventDefault();
              const v = arrowStep(e.key, e.shiftKey ? 0.1 : 0.01, props.t0) ?? props.t0;
              setDraft(null);
              setInvalid(false);
              if (v !== props.t0) props.onChange(v);
            }
          }}
        />
        {props.autoUnavailable && (
          <button type="button" class="sd-t0-auto is-unavailable" data-testid="t0-auto" aria-disabled="true" title={props.autoUnavailable} aria-description={props.autoUnavailable}>
            Auto
          </button>
        )}
        {!props.autoUnavailable && props.onAuto && (
          <button
            type="button"
            class={atAuto ? 'sd-t0-auto is-on' : 'sd-t0-auto'}
            data-testid="t0-auto"
            aria-pressed={atAuto}
            disabled={props.autoBusy}
            title="Let the model choose how much noise this selection needs"
            onClick={() => props.onAuto?.()}
          >
            {props.autoBusy ? 'Auto…' : 'Auto'}
          </button>
        )}
      </div>
      <div class="sd-t0-track" style={{ '--lo': frac(lo), '--hi': frac(hi), ...(auto !== null ? { '--auto': frac(auto) } : {}) }}>
        <div class="sd-t0-band" aria-hidden="true" data-testid="t0-recommended" title={`Recommended ${lo}–${hi}`} />
        {auto !== null && <div class="sd-t0-automark" data-testid="t0-auto-mark" title={`Suggested t0 ${formatT0(auto)}`} aria-hidden="true" />}
        <input
          id={`${id}-range`}
          type="range"
          min={T0_MIN}
          max={1}
          step={0.01}
          value={props.t0}
          data-testid="t0-slider"
          aria-valuetext={`${formatT0(props.t0)}, ${signal}`}
          aria-describedby={`${id}-scale`}
          onInput={(e) => {
            const v = clampT0(Number(e.currentTarget.value));
            setDraft(null);
            setInvalid(false);
            if (v !== props.t0) props.onChange(v);
          }}
          onKeyDown={onKeyDown}
        />
      </div>
      <div class="sd-t0-scale" id={`${id}-scale`}>
        <span>faithful</span>
        <span class={inRange ? 'sd-t0-rec is-in' : 'sd-t0-rec'}>
          recommended {lo}–{hi}
        </span>
        <span>realistic</span>
      </div>
      {invalid && (
        <p class="sd-field-error" id={`${id}-err`} role="alert">
          Type a number above 0 and up to 1, e.g. 0.45.
        </p>
      )}
      <p class="sd-t0-signal" id={`${id}-signal`} data-testid="signal-kept" aria-live="polite" title={signalTerm}>
        t0 {formatT0(props.t0)} {signal}
        {atAuto ? ' · suggested for this selection' : ''}
      </p>
    </section>
  );
}
