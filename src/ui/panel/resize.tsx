// The corner grip that resizes the plugin window. Figma's iframe cannot resize itself: the size
// goes to the sandbox as 'resize' while dragging, and once more with `persist` when the drag ends
// (the sandbox remembers that one in clientStorage). Arrow keys resize by 20 px for keyboard users.
import { useRef } from 'preact/hooks';
import type { UiToPlugin } from '../../protocol';

const KEY_STEP = 20;

type ResizeMessage = Extract<UiToPlugin, { type: 'resize' }>;

export function ResizeHandle(props: { onResize: (message: ResizeMessage) => void }) {
  const drag = useRef<{ x: number; y: number; width: number; height: number; last: ResizeMessage | null } | null>(null);

  const sizeAt = (e: PointerEvent): ResizeMessage | null => {
    const d = drag.current;
    if (!d) return null;
    return { type: 'resize', width: Math.round(d.width + e.clientX - d.x), height: Math.round(d.height + e.clientY - d.y) };
  };

  return (
    <button
      type="button"
      class="sd-resize"
      data-testid="resize-handle"
      aria-label="Resize the panel (arrow keys)"
      title="Drag to resize"
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture?.(e.pointerId);
        drag.current = { x: e.clientX, y: e.clientY, width: window.innerWidth, height: window.innerHeight, last: null };
      }}
      onPointerMove={(e) => {
        const m = sizeAt(e);
        if (!m || !drag.current) return;
        drag.current.last = m;
        props.onResize(m);
      }}
      onPointerUp={(e) => {
        const m = sizeAt(e) ?? drag.current?.last;
        drag.current = null;
        if (m) props.onResize({ ...m, persist: true });
      }}
      onPointerCancel={() => {
        drag.current = null;
      }}
      onKeyDown={(e) => {
        const dx = e.key === 'ArrowRight' ? KEY_STEP : e.key === 'ArrowLeft' ? -KEY_STEP : 0;
        const dy = e.key === 'ArrowDown' ? KEY_STEP : e.key === 'ArrowUp' ? -KEY_STEP : 0;
        if (dx === 0 && dy === 0) return;
        e.preventDefault();
        props.onResize({ type: 'resize', width: window.innerWidth + dx, height: window.innerHeight + dy, persist: true });
      }}
    >
      <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
        <path d="M9 1L1 9M9 5L5 9" stroke="currentColor" stroke-width="1.2" fill="none" />
      </svg>
    </button>
  );
}
