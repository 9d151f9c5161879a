// UI strings and locale (docs/ui.md "Languages and time zones"). Strings
// live in src/locales/<language>/<namespace>.json, one namespace per area
// so parallel changes touch different files; every file is picked up by
// the glob below, so a new area needs no registration here.
import i18n, { type Resource } from "i18next";
import { initReactI18next } from "react-i18next";
import { setFormatPrefs, validZone } from "../lib/format";

/** LANGUAGES are the complete UI languages (the server accepts the same list). */
export const LANGUAGES = ["en", "de"] as const;
export type Language = (typeof LANGUAGES)[number];

/** LANGUAGE_NAMES are the autonyms shown in the language picker (the same in every language). */
export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", de: "Deutsch" };

const files = import.meta.glob<{ default: Record<string, unknown> }>("../locales/*/*.json", { eager: true });

/** resources are the bundled translations by language and namespace. */
export const resources: Resource = {};
for (const [path, mod] of Object.entries(files)) {
  const m = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (!m?.[1] || !m[2]) continue;
  (resources[m[1]] ??= {})[m[2]] = mod.default;
}
/** NAMESPACES are the string areas (common, auth, alerts, …). */
export const NAMESPACES = Object.keys(resources.en ?? {});

const LANG_KEY = "securenexus.language";

function storedLanguage(): Language {
  try {
    const v = localStorage.getItem(LANG_KEY);
    if (v && (LANGUAGES as readonly string[]).includes(v)) return v as Language;
  } catch {
    /* storage unavailable */
  }
  return "en";
}

void i18n.use(initReactI18next).init({
  resources,
  lng: typeof localStorage === "undefined" ? "en" : storedLanguage(),
  fallbackLng: "en",
  supportedLngs: [...LANGUAGES],
  ns: NAMESPACES,
  defaultNS: "common",
  fallbackNS: "common",
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  initAsync: false,
});

/** Locale is the language and time zone the UI shows. */
export interface Locale {
  language: Language;
  timeZone: string;
}

/** isLanguage narrows a server value to a supported language. */
export function isLanguage(v: string | undefined | null): v is Language {
  return !!v && (LANGUAGES as readonly string[]).includes(v);
}

/**
 * effectiveLocale picks the user's own preference, else the org default,
 * else English and UTC.
 */
export function effectiveLocale(
  user: { language?: string; timezone?: string } | undefined,
  org: { language?: string; timezone?: string } | null | undefined,
): Locale {
  const language = isLanguage(user?.language) ? user.language : isLanguage(org?.language) ? org.language : "en";
  const tz = [user?.timezone, org?.timezone].find((z): z is string => !!z && validZone(z));
  return { language, timeZone: tz ?? "UTC" };
}

/** localeKey identifies a locale (for remounting the app when it changes). */
export const localeKey = (l: Locale) => `${l.language}|${l.timeZone}`;

let current: Locale = { language: i18n.language as Language, timeZone: "UTC" };
setFormatPrefs({ language: current.language, timeZone: current.timeZone });
if (typeof document !== "undefined") document.documentElement.lang = current.language;

/** currentLocale is the locale last applied. */
export function currentLocale(): Locale {
  return current;
}

/** applyLocale switches strings, formats and <html lang>; the language is remembered for the sign-in page. */
export function applyLocale(l: Locale) {
  current = l;
  setFormatPrefs({ language: l.language, timeZone: l.timeZone });
  if (i18n.language !== l.language) void i18n.changeLanguage(l.language);
  if (typeof document !== "undefined") document.documentElement.lang = l.language;
  try {
    localStorage.setItem(LANG_KEY, l.language);
  } catch {
    /* not remembered */
  }
}

/** timeZones lists the IANA zones the runtime knows (UTC first). */
export function timeZones(): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}

export default i18n;
