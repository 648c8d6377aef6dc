// What the panel shows with nothing usable selected: the three ways to use it, each a few words
// and a tiny diagram (frame = grey box, mask = dashed area, selected layer = blue outline).
import type { JobMode } from '../../protocol';
import { MODE_LABEL } from './labels';

const WAYS: readonly { mode: JobMode; select: string; result: string }[] = [
  { mode: 'synthesis', select: 'Select a frame', result: 'it is redrawn as a realistic image.' },
  { mode: 'mask-edit', select: 'Add layers named “Mask” to the frame', result: 'only the parts under them change.' },
  { mode: 'composite', select: 'Select layers inside a frame', result: 'they are blended into it.' },
];

function Diagram(props: { mode: JobMode }) {
  return (
    <svg class="sd-way-icon" width="32" height="24" viewBox="0 0 32 24" aria-hidden="true">
      <rect x="1" y="1" width="30" height="22" rx="2" class="sd-way-frame" />
      {props.mode === 'synthesis' && <path d="M5 17c4-6 7-6 10-2s6 2 12-7" class="sd-way-stroke" />}
      {props.mode === 'mask-edit' && (
        <>
          <path d="M5 17c4-6 7-6 10-2s6 2 12-7" class="sd-way-stroke" />
          <rect x="16" y="4" width="12" height="10" class="sd-way-mask" />
        </>
      )}
      {props.mode === 'composite' && (
        <>
          <circle cx="11" cy="13" r="4" class="sd-way-stroke" />
          <rect x="17" y="6" width="9" height="9" class="sd-way-selected" />
        </>
      )}
    </svg>
  );
}

export function EmptyState() {
  return (
    <div class="sd-empty" data-testid="empty-guide">
      <p>Draw roughly in Figma, then:</p>
      <ul class="sd-ways">
        {WAYS.map((w) => (
          <li key={w.mode} class="sd-way" title={MODE_LABEL[w.mode]}>
            <Diagram mode={w.mode} />
            <span>
              <strong>{w.select}</strong>: {w.result}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
