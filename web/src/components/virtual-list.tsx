/**
 * A list that renders only the rows in view (plus a few either side), so 10,000 rows scroll as
 * smoothly as 10. Rows have one fixed height; the scroll area is as tall as all of them.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

/** Props of the list. */
export interface VirtualListProps {
  /** Number of rows. */
  count: number;
  /** Height of every row (px). */
  rowHeight: number;
  /** Draws row `i`. */
  render: (i: number) => ComponentChildren;
  /** Told which rows are in view (to load them). */
  onRange?: (from: number, to: number) => void;
  /** Rows drawn beyond the view on each side. */
  overscan?: number;
  /** Resets the scroll position when it changes (a new filter). */
  resetKey?: string;
}

/** The list. */
export function VirtualList({ count, rowHeight, render, onRange, overscan = 6, resetKey }: VirtualListProps) {
  const outer = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useLayoutEffect(() => {
    const el = outer.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      setView({ top: el.scrollTop, height: el.clientHeight });
    };
    const onScroll = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    el.addEventListener("scroll", onScroll, { passive: true });
    const ro = new ResizeObserver(onScroll);
    ro.observe(el);
    return () => {
      el.removeEventListener("scroll", onScroll);
      ro.disconnect();
      cancelAnimationFrame(frame);
    };
  }, []);
  useEffect(() => {
    if (outer.current) outer.current.scrollTop = 0;
  }, [resetKey]);
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  useEffect(() => onRange?.(first, last), [first, last, count, onRange]);
  const items = [];
  for (let i = first; i < last; i++) {
    items.push(
      <div key={i} class="vrow" role="listitem" style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}>
        {render(i)}
      </div>,
    );
  }
  return (
    <div ref={outer} class="vlist" role="list" aria-rowcount={count}>
      <div class="vlist-inner" style={{ height: `${count * rowHeight}px` }}>
        {items}
      </div>
    </div>
  );
}
