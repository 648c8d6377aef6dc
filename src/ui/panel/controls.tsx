// Generation settings: steps, sampler, repeats K, seed and its mode, variations, working size,
// and the model in use (name, size, where it comes from, backend).
import { LIMITS, type SamplerChoice, type SeedMode, type Settings } from '../../protocol';
import type { Backend, ModelInfo } from '../runtime/engine-api';
import { NumberField, SelectField } from './fields';
import { backendLabel, countOf, formatBytes, sourceLabel } from './format';
import { WORKING_SIZES } from './settings';
import type { EngineState } from './store';

/** `label` fits the 160 px select at Figma's 360 px panel; `short` is for the collapsed summary. */
const SAMPLERS: readonly { value: SamplerChoice; label: string; short: string }[] = [
  { value: 'dpmpp2m-sde', label: 'Fast, varied', short: 'fast, varied' },
  { value: 'dpmpp2m', label: 'Fast, smooth', short: 'fast, smooth' },
  { value: 'ddim', label: 'Steady (DDIM)', short: 'DDIM' },
  { value: 'ddpm', label: 'Paper (DDPM, slow)', short: 'DDPM' },
];

const SAMPLER_TITLE =
  'How the noise is removed. Fast, varied: DPM-Solver++ SDE, close to the paper in few steps. ' +
  'Fast, smooth: DPM-Solver++ (deterministic). Steady: DDIM. Paper: DDPM, the original ancestral sampler; needs many steps.';

const SEED_MODES: readonly { value: SeedMode; label: string }[] = [
  { value: 'random', label: 'Random each time' },
  { value: 'fixed', label: 'Fixed' },
  { value: 'increment', label: 'Next after apply' },
];

const VARIATIONS = Array.from({ length: LIMITS.variations.max - LIMITS.variations.min + 1 }, (_, i) => LIMITS.variations.min + i).map((v) => ({
  value: v,
  label: v === 1 ? '1 image' : `${v} images`,
}));

export function SettingsControls(props: { settings: Settings; engine: EngineState; disabled: boolean; onChange: (patch: Partial<Settings>) => void }) {
  const { settings: s, engine, disabled } = props;
  const multiple = engine.model?.multiple ?? 1;
  const offered: number[] = WORKING_SIZES.includes(s.size as (typeof WORKING_SIZES)[number]) ? [...WORKING_SIZES] : [...WORKING_SIZES, s.size].sort((a, b) => a - b);
  const sizes = offered.map((v) => ({ value: v, label: `${v} px`, disabled: v % multiple !== 0 && v !== s.size }));
  // collapsed by default: at Figma's panel height the run's feedback comes first
  return (
    <details class="sd-card sd-advanced" data-testid="settings">
      <summary>
        <span class="sd-h2">Settings</span>
        <span class="sd-muted sd-small sd-ellipsis" data-testid="settings-summary">
          {countOf(s.steps, 'step')} · {SAMPLERS.find((o) => o.value === s.sampler)?.short ?? s.sampler} · {s.size} px
          {s.variations > 1 ? ` · ${s.variations} images` : ''}
        </span>
      </summary>
      <div class="sd-grid2">
        <NumberField
          label="Steps"
          title="More steps: cleaner result, slower"
          value={s.steps}
          min={LIMITS.steps.min}
          max={LIMITS.steps.max}
          testid="steps"
          accepts={`A whole number from ${LIMITS.steps.min} to ${LIMITS.steps.max}.`}
          disabled={disabled}
          onCommit={(v) => props.onChange({ steps: v })}
        />
        <SelectField
          label="Sampler"
          title={SAMPLER_TITLE}
          value={s.sampler}
          options={SAMPLERS}
          testid="sampler"
          disabled={disabled}
          onChange={(v) => props.onChange({ sampler: v })}
        />
        <NumberField
          label="Repeats"
          title="K in the paper: noise and denoise K times. More realistic, less faithful; each repeat costs a whole run."
          value={s.repeats}
          min={LIMITS.repeats.min}
          max={LIMITS.repeats.max}
          testid="repeats"
          accepts={`A whole number from ${LIMITS.repeats.min} to ${LIMITS.repeats.max}.`}
          disabled={disabled}
          onCommit={(v) => props.onChange({ repeats: v })}
        />
        <SelectField
          label="Variations"
          value={s.variations}
          options={VARIATIONS}
          testid="variations"
          disabled={disabled}
          onChange={(v) => props.onChange({ variations: v })}
        />
        <SelectField
          label="Seed"
          value={s.seedMode}
          options={SEED_MODES}
          testid="seed-mode"
          disabled={disabled}
          onChange={(v) => props.onChange({ seedMode: v })}
        />
        <NumberField
          label={s.seedMode === 'random' ? 'Seed (last used)' : 'Seed value'}
          title="The same seed and settings give the same image"
          value={s.seed}
          min={LIMITS.seed.min}
          max={LIMITS.seed.max}
          testid="seed"
          accepts={`A whole number from ${LIMITS.seed.min} to ${LIMITS.seed.max}.`}
          disabled={disabled}
          onCommit={(v) => props.onChange(s.seedMode === 'random' ? { seed: v, seedMode: 'fixed' } : { seed: v })}
        />
        <SelectField
          label="Working size"
          title="Longest side the model works at; the result is scaled back to the frame"
          value={s.size}
          options={sizes}
          testid="size"
          disabled={disabled}
          onChange={(v) => props.onChange({ size: v })}
        />
      </div>
      <ModelLine model={engine.model} backend={engine.backend} status={engine.status} />
    </details>
  );
}

function ModelLine(props: { model: ModelInfo | null; backend: Backend | null; status: EngineState['status'] }) {
  const { model } = props;
  return (
    <p class="sd-model sd-small" aria-live="polite">
      <span data-testid="model">
        {props.status === 'loading' && 'Loading model…'}
        {props.status === 'failed' && 'Model not loaded'}
        {props.status === 'ready' && model && (
          <>
            Model <strong>{model.name}</strong> · {formatBytes(model.bytes)} · {sourceLabel(model.source)}
          </>
        )}
      </span>
      {props.backend && ' · runs on '}
      <span data-testid="backend" data-backend={props.backend ?? ''}>
        {props.backend ? backendLabel(props.backend) : ''}
      </span>
    </p>
  );
}
