// Every language has every key English has (and no stale extras), with the
// same interpolation variables and <tags>.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LANGUAGES } from "./index";

const dir = join(__dirname, "..", "locales");

function flatten(obj: Record<string, unknown>, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object") flatten(v as Record<string, unknown>, key, out);
    else out[key] = String(v);
  }
  return out;
}

function load(lang: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, lang)).filter((f) => f.endsWith(".json"))) {
    const ns = f.replace(/\.json$/, "");
    for (const [k, v] of Object.entries(flatten(JSON.parse(readFileSync(join(dir, lang, f), "utf8"))))) out[`${ns}:${k}`] = v;
  }
  return out;
}

const vars = (s: string) => [...s.matchAll(/\{\{\s*(\w+)/g), ...s.matchAll(/<(\w+)>/g)].map((m) => m[1]).sort();

describe("translations", () => {
  const en = load("en");
  it("English has strings", () => expect(Object.keys(en).length).toBeGreaterThan(50));
  for (const lang of LANGUAGES.filter((l) => l !== "en")) {
    const other = load(lang);
    it(`${lang} has every English key`, () => {
      expect(Object.keys(en).filter((k) => !(k in other))).toEqual([]);
    });
    it(`${lang} has no key English lacks`, () => {
      expect(Object.keys(other).filter((k) => !(k in en))).toEqual([]);
    });
    it(`${lang} keeps the placeholders and tags`, () => {
      const bad = Object.keys(en).filter((k) => k in other && vars(en[k]!).join() !== vars(other[k]!).join());
      expect(bad).toEqual([]);
    });
    it(`${lang} strings are not empty`, () => {
      expect(Object.keys(other).filter((k) => other[k]!.trim() === "" && en[k]!.trim() !== "")).toEqual([]);
    });
  }
});
