// A visual time axis (SVG) of timeline entries: one lane per category,
// zoom and pan by buttons or keys. Keyboard first: the axis is one tab
// stop; ←/→ move to the previous/next entry (the view follows), Home/End
// the first/last, + and − zoom around the current entry, 0 shows all,
// Shift+←/→ pan, Enter opens the entry in the list.
import { useTranslation } from "react-i18next";
import { useEffect, useMemo, useRef, useState } from "react";
import { Button } from "../../components/ui";
import { cx, fmtTime } from "../../lib/format";
import { extent, pan, reveal, tickLabel, ticks, zoom, type Span } from "./timeAxis";

export interface AxisItem {
  id: string;
  at: number;
  category: string;
  label: string;
}

const COLORS = ["#0ea5e9", "#f59e0b", "#10b981", "#a855f7", "#ef4444", "#64748b", "#ec4899", "#84cc16"];
export const categoryColor = (cats: string[], c: string) => COLORS[Math.max(0, cats.indexOf(c)) % COLORS.length]!;

function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(Math.max(200, el.clientWidth)));
    ro.observe(el);
    setW(Math.max(200, el.clientWidth));
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

export function TimeAxis({ items, selected, onSelect, onActivate }: { items: AxisItem[]; selected?: string; onSelect: (id: string) => void; onActivate?: (id: string) => void }) {
  const { t } = useTranslation();
  const sorted = useMemo(() => [...items].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id)), [items]);
  const cats = useMemo(() => [...new Set(sorted.map((i) => i.category))].sort(), [sorted]);
  const bounds = useMemo(() => extent(sorted.map((i) => i.at)), [sorted]);
  const [view, setView] = useState<Span | null>(null);
  const span = view && view.start >= bounds.start - 1 && view.end <= bounds.end + 1 ? view : bounds;
  const [box, width] = useWidth<HTMLDivElement>();
  const left = 84;
  const lane = 18;
  const height = cats.length * lane + 24;
  const x = (t: number) => left + ((t - span.start) / (span.end - span.start)) * (width - left - 8);
  const cur = sorted.findIndex((i) => i.id === selected);
  const at = cur >= 0 ? sorted[cur]!.at : (span.start + span.end) / 2;
  const zoomed = span.end - span.start < bounds.end - bounds.start - 1;
  const go = (i: number) => {
    const it = sorted[Math.min(sorted.length - 1, Math.max(0, i))];
    if (!it) return;
    onSelect(it.id);
    setView(reveal(span, it.at, bounds));
  };
  const sel = cur >= 0 ? sorted[cur] : undefined;

  function onKey(e: React.KeyboardEvent) {
    const k = e.key;
    if (k === "ArrowRight" && e.shiftKey) setView(pan(span, 0.25, bounds));
    else if (k === "ArrowLeft" && e.shiftKey) setView(pan(span, -0.25, bounds));
    else if (k === "ArrowRight") go(cur < 0 ? 0 : cur + 1);
    else if (k === "ArrowLeft") go(cur < 0 ? sorted.length - 1 : cur - 1);
    else if (k === "Home") go(0);
    else if (k === "End") go(sorted.length - 1);
    else if (k === "+" || k === "=") setView(zoom(span, 0.5, at, bounds));
    else if (k === "-" || k === "_") setView(zoom(span, 2, at, bounds));
    else if (k === "0") setView(null);
    else if (k === "Enter" && sel) onActivate?.(sel.id);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  return (
    <div className="space-y-1" data-testid="time-axis">
      <div className="flex flex-wrap items-center gap-1">
        <Button size="sm" variant="ghost" onClick={() => setView(zoom(span, 0.5, at, bounds))} aria-label={t("incidents:timeAxis.zoomIn")}>
          +
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setView(zoom(span, 2, at, bounds))} disabled={!zoomed} aria-label={t("incidents:timeAxis.zoomOut")}>
          −
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setView(null)} disabled={!zoomed}>
          {t("incidents:timeAxis.showAll")}
        </Button>
        <span className="text-[11px] text-muted">
          {fmtTime(new Date(span.start).toISOString())} – {fmtTime(new Date(span.end).toISOString())}
        </span>
      </div>
      <div
        ref={box}
        tabIndex={0}
        role="group"
        aria-roledescription={t("incidents:timeAxis.timeAxis")}
        aria-label={t("incidents:timeAxis.timeAxisLeftAndRight")}
        aria-describedby="time-axis-current"
        onKeyDown={onKey}
        className="rounded border border-slate-200 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 dark:border-slate-800"
      >
        <svg width={width} height={height} aria-hidden className="block select-none">
          {cats.map((c, i) => (
            <g key={c}>
              <line x1={left} x2={width - 8} y1={i * lane + lane / 2 + 4} y2={i * lane + lane / 2 + 4} className="stroke-slate-200 dark:stroke-slate-800" />
              <text x={4} y={i * lane + lane / 2 + 8} className="fill-slate-600 text-[10px] dark:fill-slate-400">
                {c.length > 13 ? `${c.slice(0, 12)}…` : c}
              </text>
            </g>
          ))}
          {ticks(span).map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={2} y2={height - 18} className="stroke-slate-200 dark:stroke-slate-800" strokeDasharray="2 3" />
              <text x={x(t)} y={height - 5} textAnchor="middle" className="fill-slate-600 text-[10px] dark:fill-slate-400">
                {tickLabel(t, span)}
              </text>
            </g>
          ))}
          {sorted.map((it) => {
            if (it.at < span.start || it.at > span.end) return null;
            const y = cats.indexOf(it.category) * lane + lane / 2 + 4;
            const on = it.id === selected;
            return (
              <circle
                key={it.id}
                cx={x(it.at)}
                cy={y}
                r={on ? 6 : 4}
                fill={categoryColor(cats, it.category)}
                className={cx("cursor-pointer", on && "stroke-slate-900 dark:stroke-white")}
                strokeWidth={on ? 2 : 0}
                onClick={() => onSelect(it.id)}
              >
                <title>{`${fmtTime(new Date(it.at).toISOString())} ${it.label}`}</title>
              </circle>
            );
          })}
        </svg>
      </div>
      <p id="time-axis-current" className="min-h-4 text-xs" aria-live="polite" data-testid="time-axis-current">
        {sel ? t("incidents:timeAxis.of", { value: cur + 1, sortedLength: sorted.length, value2: fmtTime(new Date(sel.at).toISOString()), selCategory: sel.category, selLabel: sel.label }) : t("incidents:timeAxis.entriesFocusTheAxisAnd", { sortedLength: sorted.length })}
      </p>
    </div>
  );
}
