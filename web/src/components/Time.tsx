// <Time>: a time shown in the user's zone and language, with the UTC time
// on hover (title) and in the machine-readable dateTime attribute.
import { useSyncExternalStore } from "react";
import { fmtDate, fmtTime, fmtUTC, formatPrefs, subscribeFormatPrefs } from "../lib/format";

/** useFormatPrefs re-renders the caller when the language or time zone changes. */
export function useFormatPrefs() {
  return useSyncExternalStore(subscribeFormatPrefs, formatPrefs, formatPrefs);
}

export function Time({ iso, className, dateOnly }: { iso: string | null | undefined; className?: string; dateOnly?: boolean }) {
  const p = useFormatPrefs();
  if (!iso) return <span className={className}>—</span>;
  return (
    <time dateTime={iso} title={fmtUTC(iso)} className={className} data-tz={p.timeZone}>
      {dateOnly ? fmtDate(iso, p) : fmtTime(iso, p)}
    </time>
  );
}
