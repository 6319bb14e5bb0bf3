/**
 * Fixed-height row virtualisation: only the rows in view (plus a small overscan) exist in the DOM, so a
 * 5,000-span trace renders ~40 rows, not 5,000.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ComponentChildren;
  /** Index to keep in view (keyboard selection). */
  scrollToIndex?: number;
  class?: string;
  testId?: string;
  onKeyDown?: (e: KeyboardEvent) => void;
  /** ARIA role of the container (tree, listbox, grid): it takes arrow keys. */
  role: 'tree' | 'listbox' | 'grid';
  label: string;
}

const OVERSCAN = 8;

export function VirtualList({
  count,
  rowHeight,
  renderRow,
  scrollToIndex,
  class: cls,
  testId,
  onKeyDown,
  role,
  label,
}: VirtualListProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || scrollToIndex === undefined || scrollToIndex < 0) return;
    const top = scrollToIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight)
      el.scrollTop = top + rowHeight - el.clientHeight;
  }, [scrollToIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} class="vrow" style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the role (tree/listbox/grid) comes from the caller
    <div
      ref={ref}
      class={`vlist ${cls ?? ''}`}
      data-testid={testId}
      role={role}
      title={label}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div class="vlist-inner" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
