// The hard-coded string check (scripts/check-i18n.mjs) as part of npm test:
// unknown t() keys always fail; hard-coded strings fail in the areas that
// are converted (CONVERTED) and everywhere once I18N_STRICT=1.
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM script without types
import { check } from "../../scripts/check-i18n.mjs";

/** CONVERTED are the source paths (prefixes under web/) that must stay free of hard-coded strings. */
const CONVERTED = [
  "src/App.tsx",
  "src/components/",
  "src/auth/",
  "src/pages/Login.tsx",
  "src/pages/Mfa.tsx",
  "src/pages/AcceptInvite.tsx",
  "src/pages/Account.tsx",
  "src/pages/settings/",
  "src/pages/Alerts.tsx",
  "src/pages/AlertDetail.tsx",
  "src/pages/AssigneeSelect.tsx",
  "src/pages/incidents/",
];

interface Finding {
  at: string;
  what?: string;
  text?: string;
  key?: string;
}

describe("no hard-coded UI strings", () => {
  const res = check() as { hardcoded: Finding[]; unknownKeys: Finding[] };
  it("every t() key exists in English", () => {
    expect(res.unknownKeys).toEqual([]);
  });
  it("converted areas have no hard-coded strings", () => {
    const strict = process.env.I18N_STRICT === "1";
    const bad = res.hardcoded.filter((h) => strict || CONVERTED.some((p) => h.at.startsWith(p)));
    expect(bad.map((h) => `${h.at} ${h.what}: ${h.text}`)).toEqual([]);
  });
});
