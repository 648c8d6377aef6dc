// Downloading a pack: the catalogue's entries, a field for a Hugging Face repo or a pack
// folder's address, what was found (files, size, licence — a non-commercial one is accepted
// before the download), the download's progress (bytes, speed, time left) and Cancel.
import { useId, useState } from 'preact/hooks';
import { approxPackBytes, type PackLicense } from '../../model/latent/catalogue';
import type { PackPlan } from '../runtime/pack-plan';
import type { PackProgress } from '../runtime/url-pack';
import { formatBytes } from './format';
import { isNonCommercial } from './pack-folder';
import type { PackControl } from './use-pack';

export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  if (s < 60) return `${Math.max(1, Math.round(s))} s left`;
  if (s < 3600) return `${Math.round(s / 60)} min left`;
  return `${(s / 3600).toFixed(1)} h left`;
}

/** "12.3 MB of 2.58 GB · 4.1 MB/s · 9 min left" */
export function progressText(p: PackProgress | null, total: number): string {
  if (!p) return `0 B of ${formatBytes(total)} · starting…`;
  const speed = p.bytesPerSecond > 0 ? ` · ${formatBytes(Math.round(p.bytesPerSecond))}/s` : '';
  const left = formatDuration(p.secondsLeft);
  return `${formatBytes(p.loaded)} of ${formatBytes(p.total)}${speed}${left ? ` · ${left}` : ''}`;
}

function PlanLicense(props: { license: PackLicense | null; source: string; accepted: boolean; onAccept: () => void }) {
  const l = props.license;
  if (!l) return <p class="sd-small sd-muted" data-testid="pack-plan-license">Licence: not stated by the pack (no model.json): check {props.source} before commercial use.</p>;
  const nc = isNonCommercial(l);
  return (
    <p class="sd-small" data-testid="pack-plan-license">
      Licence: {l.url ? <a href={l.url} target="_blank" rel="noreferrer">{l.id}</a> : l.id}
      {nc ? ' — does not allow commercial use.' : '.'}
      {nc && !props.accepted && (
        <button type="button" class="sd-btn sd-btn-secondary sd-btn-small sd-link" data-testid="pack-plan-license-accept" onClick={props.onAccept}>
          I accept this licence
        </button>
      )}
      {nc && props.accepted && ' Accepted.'}
    </p>
  );
}

function Found(props: { control: PackControl; plan: PackPlan; busy: boolean }) {
  const { control, plan } = props;
  const accepted = control.prefs.accepted.includes(plan.name);
  const blocked = isNonCommercial(plan.license) && !accepted;
  return (
    <div data-testid="pack-plan">
      <p class="sd-small">
        <strong>{plan.name}</strong> · {plan.files.length + plan.inline.size} files · {formatBytes(plan.bytes)} · from {plan.source}
      </p>
      <PlanLicense license={plan.license} source={plan.source} accepted={accepted} onAccept={() => control.acceptLicense(plan.name)} />
      <div class="sd-run-buttons">
        <button type="button" class="sd-btn sd-btn-primary sd-btn-small" data-testid="pack-download" disabled={props.busy || blocked} title={blocked ? 'Accept the licence first' : undefined} onClick={() => void control.downloadFound()}>
          Download {formatBytes(plan.bytes)}
        </button>
        <button type="button" class="sd-btn sd-btn-secondary sd-btn-small" data-testid="pack-plan-dismiss" onClick={control.cancelDownload}>
          Not now
        </button>
      </div>
    </div>
  );
}

function Downloading(props: { control: PackControl; plan: PackPlan; progress: PackProgress | null }) {
  const { plan, progress } = props;
  const pct = progress && plan.bytes > 0 ? Math.min(100, (100 * progress.loaded) / plan.bytes) : 0;
  const text = progressText(progress, plan.bytes);
  return (
    <div class="sd-progress" data-testid="pack-download-progress" data-loaded={progress?.loaded ?? 0} data-total={plan.bytes}>
      <div class="sd-bar" role="progressbar" aria-label={`Downloading “${plan.name}”`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-valuetext={text}>
        <div class="sd-bar-fill" style={{ width: `${pct}%` }} />
      </div>
      <div class="sd-progress-line sd-small">
        <span data-testid="pack-download-text">{text}</span>
        {progress && (
          <span class="sd-muted">
            file {progress.index} of {progress.count}
          </span>
        )}
      </div>
      <button type="button" class="sd-btn sd-btn-secondary sd-btn-small" data-testid="pack-download-cancel" onClick={props.control.cancelDownload}>
        Cancel
      </button>
    </div>
  );
}

export function UrlPackPicker(props: { control: PackControl; busy: boolean }) {
  const { control } = props;
  const load = control.load;
  const ids = { list: useId(), input: useId() };
  const [typed, setTyped] = useState('');
  const working = load.status === 'finding' || load.status === 'downloading' || load.status === 'loading' || load.status === 'reading';
  const disabled = props.busy || working;
  return (
    <div data-testid="pack-url">
      <div class="sd-field">
        <span class="sd-small" id={ids.list}>
          Download a pack
        </span>
        <ul class="sd-catalogue" aria-labelledby={ids.list}>
          {control.catalogue.map((e) => (
            <li key={e.id}>
              <button type="button" class="sd-btn sd-btn-secondary sd-btn-small" data-testid={`catalogue-${e.id}`} disabled={disabled} title={e.note} onClick={() => void control.findPack(e)}>
                {e.title} · about {formatBytes(approxPackBytes(e))}
              </button>
            </li>
          ))}
        </ul>
      </div>
      {/* no <form>: a sandboxed plugin iframe without allow-forms never submits one */}
      <div class="sd-field">
        <label for={ids.input}>Hugging Face repo or pack address</label>
        <div class="sd-url-row">
          <input
            id={ids.input}
            type="text"
            data-testid="pack-url-input"
            placeholder="owner/name"
            value={typed}
            disabled={disabled}
            onInput={(e) => setTyped(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && typed.trim()) void control.findPack(typed);
            }}
          />
          <button type="button" class="sd-btn sd-btn-secondary sd-btn-small" data-testid="pack-url-find" disabled={disabled || !typed.trim()} onClick={() => void control.findPack(typed)}>
            Find
          </button>
        </div>
      </div>
      {load.status === 'finding' && (
        <p class="sd-small" role="status" data-testid="pack-finding">
          Looking up “{load.name}”…
        </p>
      )}
      {load.status === 'found' && <Found control={control} plan={load.plan} busy={props.busy} />}
      {load.status === 'downloading' && <Downloading control={control} plan={load.plan} progress={load.progress} />}
      {load.status === 'idle' && load.note && (
        <p class="sd-small" role="status" data-testid="pack-download-note">
          {load.note}
        </p>
      )}
      <p class="sd-small sd-muted" data-testid="pack-url-keep">
        {control.cacheKind ? `Downloaded once and kept in ${control.cacheKind}.` : 'Downloaded once per plugin session; pick a folder to keep it offline.'}
      </p>
    </div>
  );
}
