import { describe, expect, it } from "vitest";
import { recoveryCodesText } from "./Mfa";

describe("recoveryCodesText", () => {
  it("lists every code on its own line under a header naming the account", () => {
    const txt = recoveryCodesText(["aaaa-bbbb-cccc-dddd", "eeee-ffff-gggg-hhhh"], "a@example.com", new Date("2026-01-02T03:04:05Z"));
    const lines = txt.split("\n");
    expect(lines[0]).toBe("SecureNexus recovery codes for a@example.com");
    expect(lines[1]).toContain("2026-01-02T03:04:05.000Z");
    expect(lines).toContain("aaaa-bbbb-cccc-dddd");
    expect(lines).toContain("eeee-ffff-gggg-hhhh");
  });
});
