// The pack card (which model runs, what it is, what it needs) and, for a pack that uses text,
// the prompt card. A folder is read locally (File.arrayBuffer): nothing is uploaded; a URL pack is
// downloaded (pack-url.tsx).
import { useId } from 'preact/hooks';
import type { Backend, ModelInfo } from '../runtime/engine-api';
import { PANEL_MEMORY_BYTES } from '../runtime/memory-budget';
import { runsOnLabel } from '../runtime/device-check';
import { backendLabel, formatBytes } from './format';
import { isNonCommercial, type PickedFile } from './pack-folder';
import { UrlPackPicker } from './pack-url';
import type { PackControl } from './use-pack';

function LicenseLine(props: { model: ModelInfo; accepted: boolean; onAccept: () => void }) {
  const l = props.model.latent?.license ?? null;
  if (!l) return <p class="sd-small sd-muted" data-testid="pack-license">Licence: not stated by the pack (no model.json): check its source before commercial use.</p>;
  const nc = isNonCommercial(l);
  return (
    <p class="sd-small" data-testid="pack-license">
      Licence: {l.url ? <a href={l.url} target="_blank" rel="noreferrer">{l.id}</a> : l.id}
      {nc && ' — does not allow commercial use.'}
      {nc && !props.accepted && (
        <button type="button" class="sd-btn sd-btn-secondary sd-btn-small sd-link" data-testid="pack-license-accept" onClick={props.onAccept}>
          I accept this licence
        </button>
      )}
      {nc && props.accepted && ' Accepted.'}
    </p>
  );
}

export function PackCard(props: { control: PackControl; model: ModelInfo | null; backend: Backend | null; busy: boolean }) {
  const { control, model } = props;
  const inputId = useId();
  const latent = model?.latent;
  const load = control.load;
  const lastPack = control.prefs.pack;
  const lastEntry = control.catalogue.find((e) => e.id === lastPack);
  return (
    <section class="sd-card" data-testid="pack-card" aria-busy={load.status === 'reading' || load.status === 'loading' || load.status === 'finding' || load.status === 'downloading'}>
      <div class="sd-h2">Model</div>
      {model && (
        <p class="sd-small" data-testid="pack-info">
          <strong>{model.name}</strong> · {formatBytes(model.bytes)}
          {latent ? ` · ${model.source === 'folder' ? 'from a folder' : `from ${model.source}`} · runs on ${runsOnLabel(latent.backend, latent.precision)} · needs about ${formatBytes(latent.memoryBytes)} at ${latent.nativeSize} px` : ` · ${model.source === 'embedded' ? 'built in' : model.source} · ${backendLabel(props.backend)}`}
        </p>
      )}
      {latent && (latent.whyNotGpu || latent.deviceNotes.length > 0) && (
        <p class="sd-small sd-muted" data-testid="pack-device">
          {latent.whyNotGpu && `Not on WebGPU: ${latent.whyNotGpu}.`}
          {latent.deviceNotes.map((n) => ` Note: ${n}.`).join('')}
        </p>
      )}
      {latent && latent.memoryBytes > PANEL_MEMORY_BYTES && (
        <p class="sd-small sd-danger" role="alert" data-testid="pack-too-large">
          This pack needs about {formatBytes(latent.memoryBytes)}, more than the {formatBytes(PANEL_MEMORY_BYTES)} the panel can use: use a smaller pack, or the sdedit command on a computer with more memory.
        </p>
      )}
      {latent && model && <LicenseLine model={model} accepted={control.prefs.accepted.includes(model.name)} onAccept={() => control.acceptLicense(model.name)} />}
      {latent && (
        <p class="sd-small sd-muted" data-testid="pack-t0-note">
          t0 is this pack’s strength (diffusers img2img): the share of its {latent.scheduler} steps that run. It runs on this thread{latent.backend === 'wasm' ? ' (WASM)' : ''}: the panel may pause during each step.
        </p>
      )}
      <div class="sd-field">
        <label for={inputId}>Pack folder (diffusers ONNX; read on this computer, nothing is uploaded)</label>
        <input
          id={inputId}
          type="file"
          class="sd-file"
          data-testid="pack-folder-input"
          disabled={props.busy || load.status === 'downloading'}
          ref={(el) => {
            if (el) el.setAttribute('webkitdirectory', '');
          }}
          onChange={(e) => {
            const files = e.currentTarget.files;
            if (files && files.length > 0) void control.pickFolder(files as unknown as ArrayLike<PickedFile>);
            e.currentTarget.value = '';
          }}
        />
      </div>
      <UrlPackPicker control={control} busy={props.busy} />
      {latent && (
        <button type="button" class="sd-btn sd-btn-secondary sd-btn-small" data-testid="pack-use-default" disabled={props.busy} onClick={() => void control.useEmbedded()}>
          Use the built-in model
        </button>
      )}
      {!latent && lastPack !== 'default' && (
        <p class="sd-small sd-muted" data-testid="pack-last">
          Last time you used “{lastPack}”: pick its folder again or download it to use it (the panel cannot keep access to a folder between sessions).
          {lastEntry && load.status === 'idle' && (
            <button type="button" class="sd-btn sd-btn-secondary sd-btn-small sd-link" data-testid="pack-last-find" disabled={props.busy} onClick={() => void control.findPack(lastEntry)}>
              Find it in the catalogue
            </button>
          )}
        </p>
      )}
      {(load.status === 'reading' || load.status === 'loading') && (
        <p class="sd-small" role="status" data-testid="pack-loading">
          {load.status === 'reading' ? 'Reading the folder…' : `Loading “${load.name}”…`}
        </p>
      )}
      {load.status === 'failed' && (
        <p class="sd-small sd-danger" role="alert" data-testid="pack-error">
          {load.error.message} {load.error.hint}
        </p>
      )}
    </section>
  );
}

export function PromptCard(props: { control: PackControl; disabled: boolean }) {
  const { control } = props;
  const ids = { prompt: useId(), negative: useId(), guidance: useId(), list: useId() };
  const t = control.text;
  return (
    <section class="sd-card" data-testid="prompt-card">
      <div class="sd-field">
        <label for={ids.prompt}>Prompt</label>
        <input id={ids.prompt} type="text" list={ids.list} data-testid="prompt-input" value={t.prompt} disabled={props.disabled} onInput={(e) => control.setText({ prompt: e.currentTarget.value })} />
        <datalist id={ids.list} data-testid="prompt-history">
          {control.prefs.prompts.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
      </div>
      <div class="sd-field">
        <label for={ids.negative}>Negative prompt</label>
        <input id={ids.negative} type="text" data-testid="negative-input" value={t.negative} disabled={props.disabled} onInput={(e) => control.setText({ negative: e.currentTarget.value })} />
      </div>
      <div class="sd-field">
        <label for={ids.guidance}>Guidance (0 or 1 = off)</label>
        <input
          id={ids.guidance}
          type="number"
          min={0}
          max={30}
          step={0.5}
          data-testid="guidance-input"
          value={String(t.guidance)}
          disabled={props.disabled}
          onInput={(e) => {
            const v = Number(e.currentTarget.value);
            if (e.currentTarget.value.trim() !== '' && Number.isFinite(v) && v >= 0 && v <= 30) control.setText({ guidance: v });
          }}
        />
      </div>
    </section>
  );
}
