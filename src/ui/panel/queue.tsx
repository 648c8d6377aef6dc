// The runs waiting behind the current one, in order, each with its own Cancel.
import { formatT0 } from './t0-value';
import type { QueueItem } from './store';

export function describeQueued(q: QueueItem): string {
  const name = q.jobs.length > 1 ? `${q.jobs[0]?.sourceName} and ${q.jobs.length - 1} more` : (q.jobs[0]?.sourceName ?? '');
  return `${name} · t0 ${formatT0(q.settings.t0)} · seed ${q.seed}`;
}

export function Queue(props: { queue: QueueItem[]; onCancel: (id: number) => void }) {
  if (props.queue.length === 0) return null;
  return (
    <section class="sd-queue" aria-label="Queue" data-testid="queue">
      <h2 class="sd-h2">Next up</h2>
      <ol>
        {props.queue.map((q, i) => (
          <li key={q.id} data-testid={`queue-item-${i}`}>
            <span class="sd-ellipsis">{describeQueued(q)}</span>
            <button
              type="button"
              class="sd-btn sd-btn-ghost sd-btn-small"
              data-testid={`queue-cancel-${i}`}
              aria-label={`Remove from the queue: ${describeQueued(q)}`}
              onClick={() => props.onCancel(q.id)}
            >
              Remove
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
