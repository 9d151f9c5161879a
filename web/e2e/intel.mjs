// Browser-test scenario of the threat-intel page (issue 12), called by
// run.mjs with the signed-in analyst's page: a STIX 2.1 bundle written
// here (an address taken from a stored demo alert, and a domain) is
// uploaded through the import form, the preview and the result counts are
// checked, the indicator is found with the search (by keyboard) and its
// detail lists the alert the retro-hunt matched; an allowlist entry is
// added and removed. It returns the indicator's path for the page sweep
// at 1280 and 768 px.
import { randomUUID } from "node:crypto";
import { join } from "node:path";

const SPECIAL = /^(0\.|127\.|169\.254\.|22[4-9]\.|2[3-5]\d\.|fe80:|ff|::1$)/i;
const RESOLVERS = new Set(["8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222", "208.67.220.220"]);

/** stixIndicator is one STIX 2.1 indicator object with an equality pattern. */
function stixIndicator(pattern, name) {
  return {
    type: "indicator",
    spec_version: "2.1",
    id: `indicator--${randomUUID()}`,
    created: "2026-12-01T00:00:00Z",
    modified: "2026-12-01T00:00:00Z",
    name,
    pattern,
    pattern_type: "stix",
    valid_from: "2026-12-01T00:00:00Z",
    confidence: 80,
    indicator_types: ["malicious-activity"],
    object_marking_refs: ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
  };
}

/**
 * intel runs the scenario. t: { page, base, outDir, a11y(page, name),
 * api(page, path), log(msg), setStep(name) }.
 */
export async function intel(t) {
  const { page, base, outDir, a11y, api, log, setStep } = t;

  setStep("intel-pick");
  const list = await api(page, "alerts?limit=200");
  if (list.status !== 200) throw new Error(`alert list: HTTP ${list.status}`);
  let ip = "";
  let alertId = "";
  for (const a of list.body?.items ?? []) {
    const e = (a.entities ?? []).find((x) => x.type === "ip" && !SPECIAL.test(x.value) && !RESOLVERS.has(x.value));
    if (e) {
      ip = e.value;
      alertId = a.id;
      break;
    }
  }
  if (!ip) throw new Error("no demo alert carries an address to use as an indicator");
  const v6 = ip.includes(":");
  const domain = `c2-${randomUUID().slice(0, 8)}.e2e-intel.example.net`;
  const bundle = {
    type: "bundle",
    id: `bundle--${randomUUID()}`,
    objects: [
      stixIndicator(`[${v6 ? "ipv6-addr" : "ipv4-addr"}:value = '${ip}']`, "E2E C2 address"),
      stixIndicator(`[domain-name:value = '${domain}']`, "E2E C2 domain"),
    ],
  };

  setStep("intel-import");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Threat intel" }).click();
  await page.getByRole("navigation", { name: "Threat intel" }).getByRole("link", { name: "Import" }).click();
  await page.getByRole("heading", { level: 1, name: "Import indicators" }).waitFor();
  await page.getByLabel(/STIX 2\.1 bundle or MISP event/).setInputFiles({ name: "e2e-bundle.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(bundle)) });
  await page.getByTestId("import-preview").waitFor();
  const previewed = (await page.getByTestId("import-preview").getByTestId("count-indicator").innerText()).trim();
  if (previewed !== "2") throw new Error(`the preview counts ${previewed} indicator objects, want 2`);
  await a11y(page, "intel import preview");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByTestId("import-result");
  await result.waitFor();
  const created = (await result.getByTestId("import-created").innerText()).trim();
  const rejected = (await result.getByTestId("import-rejected").innerText()).trim();
  if (created !== "2" || rejected !== "0") throw new Error(`import result: ${created} created, ${rejected} rejected; want 2 and 0`);
  await page.screenshot({ path: join(outDir, "intel-import.png"), fullPage: true });
  await a11y(page, "intel import result");
  log(`STIX bundle uploaded: preview 2 indicator objects, result 2 created (${v6 ? "ipv6" : "ipv4"} ${ip} and a domain)`);

  setStep("intel-list");
  await page.getByRole("link", { name: "See the indicators" }).click();
  await page.getByTestId("indicator-row").first().waitFor();
  // The search by keyboard: focus the field, type, Enter submits.
  await page.getByLabel("Search values").focus();
  await page.keyboard.type(ip);
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => u.searchParams.get("q") === ip);
  const row = page.getByTestId("indicator-row").filter({ hasText: ip });
  await row.first().waitFor();
  if ((await page.getByTestId("indicator-row").count()) < 1) throw new Error("the searched indicator is not listed");
  await page.getByLabel("TLP").selectOption("green");
  await row.first().waitFor();
  await page.getByLabel("TLP").selectOption("red");
  await page.getByTestId("intel-empty").waitFor();
  await page.getByLabel("TLP").selectOption("");
  await row.first().waitFor();
  await a11y(page, "intel indicators");
  log("indicator listed: found with the search (keyboard), kept by TLP:GREEN, filtered out by TLP:RED");

  setStep("intel-match");
  await row.first().getByRole("link", { name: ip }).click();
  await page.getByTestId("indicator-value").filter({ hasText: ip }).waitFor();
  const indicatorPath = new URL(page.url()).pathname;
  // The retro-hunt job matches the stored alert; the list refreshes by itself.
  const matched = page.getByTestId("matched-alert").and(page.locator(`[href="/alerts/${alertId}"]`));
  await matched.waitFor({ timeout: 90_000 });
  await page.screenshot({ path: join(outDir, "intel-indicator.png"), fullPage: true });
  await a11y(page, "intel indicator");
  await matched.click();
  await page.waitForURL(new RegExp(`/alerts/${alertId}$`));
  log(`indicator detail lists the matched alert ${alertId} (retro-hunt), and links to it`);

  setStep("intel-allowlist");
  await page.goto(`${base}/intel/allowlist`);
  await page.getByRole("heading", { level: 1, name: "Intel allowlist" }).waitFor();
  await page.getByLabel("Type").selectOption("domain");
  const allowed = `allow-${randomUUID().slice(0, 8)}.e2e-intel.example.net`;
  await page.getByLabel("Value").fill(allowed);
  await page.getByRole("checkbox", { name: "Also its subdomains" }).click();
  await page.getByRole("button", { name: "Add to allowlist" }).click();
  const entry = page.getByTestId("allow-row").filter({ hasText: allowed });
  await entry.waitFor();
  await a11y(page, "intel allowlist");
  page.once("dialog", (d) => void d.accept());
  await entry.getByRole("button", { name: `Remove ${allowed}` }).click();
  await entry.waitFor({ state: "detached" });
  log("allowlist: a domain with subdomains added and removed");

  setStep("intel-feeds");
  await page.goto(`${base}/intel/feeds`);
  await page.getByTestId("feed-row").filter({ hasText: "manual" }).first().waitFor();
  log("feeds: the manual feed the upload created is listed with its health");
  return { indicatorPath };
}
