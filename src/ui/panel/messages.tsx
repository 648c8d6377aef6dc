// Errors (what happened + what to do), runtime notices, and short confirmations.
import type { UiError } from './errors';
import type { NoticeItem } from './store';

export function ErrorBox(props: { error: UiError | null; onDismiss?: () => void }) {
  const { error } = props;
  if (!error) return null;
  return (
    <div class="sd-error" data-testid="error" role="alert">
      <div>
        <strong>{error.message}</strong>
        {error.hint && <div>{error.hint}</div>}
      </div>
      {props.onDismiss && (
        <button type="button" class="sd-btn sd-btn-ghost sd-btn-small" aria-label="Dismiss error" onClick={props.onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}

export function Notices(props: { notices: NoticeItem[]; onDismiss: (id: number) => void }) {
  if (props.notices.length === 0) return null;
  return (
    <ul class="sd-notices" data-testid="notice" aria-live="polite">
      {props.notices.map((n) => (
        <li key={n.id} class={`sd-notice is-${n.level}`} data-level={n.level}>
          <span>{n.message}</span>
          <button type="button" class="sd-btn sd-btn-ghost sd-btn-small" aria-label="Dismiss notice" onClick={() => props.onDismiss(n.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

export function StatusLine(props: { text: string | null }) {
  return (
    <p class="sd-status sd-small" data-testid="status" role="status" aria-live="polite">
      {props.text ?? ''}
    </p>
  );
}
