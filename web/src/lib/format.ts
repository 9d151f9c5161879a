// Display formatting: every date, time, duration and number shown in the UI
// goes through here, so it follows the user's language and time zone
// (docs/ui.md "Languages and time zones"). The preferences are module state
// set by the i18n layer (src/i18n) from the account and org settings; a
// change re-renders the app.

export interface FormatPrefs {
  /** UI language (BCP 47), e.g. "en" or "de". */
  language: string;
  /** IANA time zone times are shown in, e.g. "Europe/Berlin". */
  timeZone: string;
}

let prefs: FormatPrefs = { language: "en", timeZone: "UTC" };
const listeners = new Set<() => void>();
const cache = new Map<string, Intl.DateTimeFormat>();

/** setFormatPrefs changes the language and zone of every later format call. */
export function setFormatPrefs(p: FormatPrefs) {
  if (p.language === prefs.language && p.timeZone === prefs.timeZone) return;
  prefs = { language: p.language, timeZone: validZone(p.timeZone) ? p.timeZone : "UTC" };
  listeners.forEach((l) => l());
}

/** formatPrefs returns the current language and time zone. */
export function formatPrefs(): FormatPrefs {
  return prefs;
}

/** subscribeFormatPrefs calls fn after each change (for useSyncExternalStore). */
export function subscribeFormatPrefs(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** validZone reports whether the runtime knows the IANA zone name. */
export function validZone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function dtf(language: string, timeZone: string, extra: Intl.DateTimeFormatOptions = {}): Intl.DateTimeFormat {
  const key = `${language}|${timeZone}|${JSON.stringify(extra)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(language, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZone,
      ...extra,
    });
    cache.set(key, f);
  }
  return f;
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** wallParts returns the wall-clock fields of d in timeZone. */
interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallParts(d: Date, timeZone: string): Wall {
  const out: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of dtf("en-US", timeZone).formatToParts(d)) if (p.type in out) out[p.type as keyof Wall] = Number(p.value);
  if (out.hour === 24) out.hour = 0;
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** isoWall formats d as "2026-11-27 09:31:05" in timeZone. */
function isoWall(d: Date, timeZone: string): string {
  const p = wallParts(d, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/**
 * fmtTime formats an RFC 3339 time in the user's zone and language:
 * "2026-11-27 10:31:05" in English (the SOC's ISO convention), the
 * language's own numeric form otherwise ("27.11.2026, 10:31:05"). Use the
 * <Time> component where the UTC time should show on hover.
 */
export function fmtTime(iso: string | null | undefined, p: FormatPrefs = prefs): string {
  const d = parse(iso);
  if (!d) return iso ? iso : "—";
  if (p.language === "en") return isoWall(d, p.timeZone);
  return dtf(p.language, p.timeZone).format(d);
}

/** fmtUTC formats a time as "2026-11-27 09:31:05 UTC" (tooltips, exports). */
export function fmtUTC(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "";
  return `${d.toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** fmtDate formats the calendar date of a time in the user's zone. */
export function fmtDate(iso: string | null | undefined, p: FormatPrefs = prefs): string {
  const d = parse(iso);
  if (!d) return iso ? iso : "—";
  if (p.language === "en") return isoWall(d, p.timeZone).slice(0, 10);
  return new Intl.DateTimeFormat(p.language, { year: "numeric", month: "2-digit", day: "2-digit", timeZone: p.timeZone }).format(d);
}

/** zoneLabel is the short name of the user's zone at time iso (e.g. "CET", "UTC", "GMT+1"). */
export function zoneLabel(iso?: string, p: FormatPrefs = prefs): string {
  const d = parse(iso) ?? new Date();
  const part = dtf(p.language, p.timeZone, { timeZoneName: "short" })
    .formatToParts(d)
    .find((x) => x.type === "timeZoneName");
  return part?.value ?? p.timeZone;
}

/** fmtNumber formats a count in the user's language ("12,345" / "12.345"). */
export function fmtNumber(n: number | null | undefined, opts?: Intl.NumberFormatOptions): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  return new Intl.NumberFormat(prefs.language, opts).format(n);
}

/** fmtPercent formats a 0..1 share as a percentage in the user's language. */
export function fmtPercent(share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || Number.isNaN(share)) return "—";
  return new Intl.NumberFormat(prefs.language, { style: "percent", maximumFractionDigits: digits }).format(share);
}

/** Relative age: "42s", "5m", "3h", "12d" (unit symbols, narrow Intl units in other languages). */
export function fmtAge(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  const [v, unit, sym] =
    s < 60 ? [s, "second", "s"] : s < 3600 ? [Math.floor(s / 60), "minute", "m"] : s < 86400 ? [Math.floor(s / 3600), "hour", "h"] : [Math.floor(s / 86400), "day", "d"];
  if (prefs.language === "en") return `${v}${sym}`;
  return new Intl.NumberFormat(prefs.language, { style: "unit", unit, unitDisplay: "narrow" }).format(v);
}

/** zoneOffsetMs is the offset of timeZone from UTC at instant t (ms, east positive). */
function zoneOffsetMs(t: number, timeZone: string): number {
  const p = wallParts(new Date(t), timeZone);
  const asUTC = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUTC - Math.floor(t / 1000) * 1000;
}

/**
 * localToISO converts a datetime-local input value, read as wall time in
 * the user's zone, to RFC 3339 UTC (undefined when empty or invalid).
 */
export function localToISO(v: string, timeZone = prefs.timeZone): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return undefined;
  const n = m.slice(1).map((x) => Number(x ?? 0));
  const wall = Date.UTC(n[0]!, n[1]! - 1, n[2]!, n[3]!, n[4]!, n[5]!);
  // Two passes settle the offset around DST changes.
  let t = wall - zoneOffsetMs(wall, timeZone);
  t = wall - zoneOffsetMs(t, timeZone);
  return new Date(t).toISOString();
}

/** isoToLocal is the datetime-local input value ("2026-11-27T10:31") of a time in the user's zone. */
export function isoToLocal(iso: string | null | undefined, timeZone = prefs.timeZone): string {
  const d = parse(iso);
  if (!d) return "";
  return isoWall(d, timeZone).replace(" ", "T").slice(0, 16);
}

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}
