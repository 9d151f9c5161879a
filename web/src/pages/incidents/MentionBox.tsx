// A note editor with @mention completion of org members: typing "@ri"
// lists matching members; ↑/↓ choose, Enter or Tab inserts `<@user-id>`,
// Esc closes the list. The text area keeps the focus throughout
// (aria-activedescendant points at the highlighted member).
import { useTranslation } from "react-i18next";
import { useId, useMemo, useRef, useState } from "react";
import type { Assignee } from "../../api/types";
import { cx } from "../../lib/format";
import { insertMention, mentionQuery } from "./incidentFilters";
import { textarea } from "./parts";

export function MentionBox({
  value,
  onChange,
  members,
  label,
  placeholder,
  id,
}: {
  value: string;
  onChange: (v: string) => void;
  members: Assignee[];
  label: string;
  placeholder?: string;
  id?: string;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const mq = mentionQuery(value, caret);
  const matches = useMemo(() => {
    if (!mq) return [];
    const q = mq.query.toLowerCase();
    return members.filter((m) => m.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || m.name.toLowerCase().startsWith(q)).slice(0, 8);
  }, [mq, members]);
  const open = !!mq && !closed && matches.length > 0;
  const pick = (m: Assignee) => {
    if (!mq) return;
    const r = insertMention(value, mq.start, caret, m.user_id);
    onChange(r.text);
    setCaret(r.caret);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(r.caret, r.caret);
    });
  };
  return (
    <div className="relative">
      <textarea
        ref={ref}
        id={id}
        aria-label={label}
        aria-autocomplete="list"
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${active}` : undefined}
        className={cx(textarea, "h-20")}
        placeholder={placeholder}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setClosed(false);
          setActive(0);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if (!open) return;
          if (e.key === "ArrowDown") setActive((a) => (a + 1) % matches.length);
          else if (e.key === "ArrowUp") setActive((a) => (a - 1 + matches.length) % matches.length);
          else if (e.key === "Enter" || e.key === "Tab") pick(matches[Math.min(active, matches.length - 1)]!);
          else if (e.key === "Escape") setClosed(true);
          else return;
          e.preventDefault();
          e.stopPropagation();
        }}
      />
      {open && (
        <ul id={listId} role="listbox" aria-label={t("incidents:mentionBox.mentionAMember")} className="absolute z-20 mt-1 max-h-48 w-64 overflow-auto rounded border border-slate-200 bg-white py-1 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900" data-testid="mention-list">
          {matches.map((m, i) => (
            <li
              key={m.user_id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={cx("cursor-default px-2 py-1", i === active && "bg-sky-700 text-white")}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(m);
              }}
            >
              {m.name} <span className={cx("text-xs", i === active ? "text-sky-100" : "text-muted")}>{m.role}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="mt-0.5 text-[11px] text-muted">{t("incidents:mentionBox.typeAndANameTo")}</p>
    </div>
  );
}
