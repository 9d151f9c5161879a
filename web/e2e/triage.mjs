// Browser-test scenarios of the account security and alert triage work
// (issues 10 and 11), called by run.mjs with the signed-in analyst's page:
// MFA end to end (QR, TOTP computed here from the secret per RFC 6238,
// recovery codes used once, regenerate, disable), bulk assign and tag with
// confirmation and undo, "select all matching", the live "N new" queue,
// and the entity and dashboard pages at 1280 and 768 px.
import { createHmac, randomUUID } from "node:crypto";
import { join } from "node:path";
import { request } from "playwright-core";

/** base32Decode decodes an RFC 4648 base32 string (no padding needed). */
function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, "").toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** totp is the RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of secret at time step. */
export function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, "0");
}

/**
 * codes hands out TOTP codes the server accepts: it refuses a step at or
 * below the last one used and takes one step either side of now, so each
 * call takes the next unused step and waits for the clock only when that
 * step is still in the future.
 */
function codes(secret) {
  let last = -Infinity;
  return async () => {
    const nowStep = () => Math.floor(Date.now() / 30_000);
    let step = Math.max(last + 1, nowStep() - 1);
    while (step > nowStep() + 1) await new Promise((r) => setTimeout(r, 1000));
    step = Math.max(step, nowStep() - 1);
    last = step;
    return totp(secret, step);
  };
}

/**
 * triage runs the scenarios. t: { page, base, outDir, email, password,
 * a11y(page, name), api(page, path), log(msg), setStep(name) }. It starts and
 * ends with the analyst signed in.
 */
export async function triage(t) {
  const { page, base, outDir, email, password, a11y, log, setStep } = t;

  async function signOut() {
    await page.getByRole("button", { name: /User menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
  }
  /** signIn submits email and password; second(page) fills the second factor when given. */
  async function signIn(second) {
    setStep("login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    if (second) await second();
  }

  // --- MFA (issue 11): enrol with the QR, recovery codes, sign in both ways, disable.
  setStep("mfa-enroll");
  await page.goto(`${base}/account`);
  const mfaState = page.getByTestId("mfa-state");
  await mfaState.filter({ hasText: "off" }).waitFor();
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  const qr = page.getByTestId("mfa-qr");
  await qr.waitFor();
  const qrOK = await qr.evaluate((img) => img.src.startsWith("data:image/png;base64,") && img.complete && img.naturalWidth > 50);
  if (!qrOK) throw new Error("the enrolment QR code is not a rendered PNG");
  const secret = (await page.getByTestId("mfa-secret").innerText()).trim();
  const nextCode = codes(secret);
  await page.screenshot({ path: join(outDir, "mfa-enroll.png"), fullPage: true });
  await a11y(page, "mfa enroll");
  await page.getByLabel("Code from the app").fill(await nextCode());
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.getByTestId("recovery-codes").waitFor();
  const first = await page.getByTestId("recovery-code").allInnerTexts();
  if (first.length !== 10) throw new Error(`${first.length} recovery codes shown, want 10`);
  await page.screenshot({ path: join(outDir, "mfa-recovery-codes.png"), fullPage: true });
  await a11y(page, "mfa recovery codes");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await page.getByTestId("recovery-left").filter({ hasText: "10 recovery codes left" }).waitFor();
  log(`MFA enrolled with the QR code (secret ${secret.length} chars), 10 recovery codes shown once`);

  setStep("mfa-regenerate");
  await page.getByRole("button", { name: "Regenerate recovery codes" }).click();
  setStep("mfa-code-refused");
  await page.getByLabel("Authenticator code").fill("000000");
  await page.getByRole("button", { name: "Regenerate codes" }).click();
  await page.locator("#mfa-regen-code-error").waitFor();
  setStep("mfa-regenerate");
  await page.getByLabel("Authenticator code").fill(await nextCode());
  await page.getByRole("button", { name: "Regenerate codes" }).click();
  await page.getByTestId("recovery-codes").waitFor();
  const rcodes = (await page.getByTestId("recovery-code").allInnerTexts()).map((c) => c.trim());
  if (rcodes.length !== 10 || rcodes.some((c) => first.includes(c))) throw new Error("regenerated recovery codes are not a new set of 10");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await mfaState.filter({ hasText: "on" }).waitFor();
  log("a wrong code is refused next to its field; recovery codes regenerated with a current code");

  setStep("mfa-login-totp");
  await signOut();
  await signIn(async () => {
    const field = page.getByLabel("Authenticator code");
    await field.waitFor();
    await a11y(page, "login second factor");
    await field.fill(await nextCode());
    await page.getByRole("button", { name: "Sign in" }).click();
  });
  await page.waitForURL(/\/alerts/);
  log("signed in with password + TOTP");

  setStep("mfa-login-recovery");
  const useRecovery = async (code) => {
    await page.getByLabel("Authenticator code").waitFor();
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
  };
  await signOut();
  await signIn(() => useRecovery(rcodes[0]));
  await page.waitForURL(/\/alerts/);
  await signOut();
  await signIn(() => useRecovery(rcodes[0]));
  await page.getByRole("alert").filter({ hasText: /invalid or used recovery code/i }).waitFor();
  log("a recovery code signs in once; used again it is refused");
  await page.getByLabel("Recovery code").fill(rcodes[1]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/alerts/);

  setStep("mfa-disable");
  await page.goto(`${base}/account`);
  await page.getByTestId("recovery-left").filter({ hasText: "8 recovery codes left" }).waitFor();
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
  await page.getByLabel("Authenticator code").fill(await nextCode());
  await page.getByRole("button", { name: "Turn off", exact: true }).click();
  await mfaState.filter({ hasText: "off" }).waitFor();
  await signOut();
  await signIn();
  await page.waitForURL(/\/alerts/);
  log("8 recovery codes left after two uses; MFA turned off with a current code; password alone signs in again");

  await bulk(t);
  await liveQueue(t);
  await (await import("./entity.mjs")).entityPage(t);
}

/**
 * liveQueue: with the analyst on the alert list (a row selected, the cursor
 * on the third row), an admin ingests two alerts over the API: the list shows
 * "2 new alerts" and neither moves nor loses its selection; an admin's
 * status change of a row on screen shows in that row in place; Show loads
 * the two on top with the selection and the cursor's alert kept.
 */
async function liveQueue(t) {
  const { page, base, outDir, password, a11y, api, log, setStep } = t;
  const rows = page.getByTestId("alert-row");
  setStep("live-queue");
  const org = await page.evaluate(() => localStorage.getItem("securenexus.org"));
  const admin = await request.newContext({ baseURL: base });
  try {
    const login = await admin.post("/api/v1/auth/login", { data: { email: process.env.SECURENEXUS_E2E_ADMIN ?? "admin@acme.example", password } });
    if (!login.ok()) throw new Error(`admin sign-in: ${login.status()}`);
    const call = async (method, path, data, headers = {}) => {
      const res = await admin.fetch(`/api/v1/${path}`, { method, data, headers: { "X-Org-ID": org, Accept: "application/json", ...headers } });
      if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${(await res.text()).slice(0, 200)}`);
      return res.json();
    };
    await page.goto(`${base}/alerts`);
    await rows.nth(3).waitFor();
    await page.getByTestId("queue-live").filter({ hasText: "Live" }).waitFor();
    const before = [await idOf(rows.nth(0)), await idOf(rows.nth(1)), await idOf(rows.nth(2)), await idOf(rows.nth(3))];
    await rows.nth(1).getByRole("checkbox").click();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    for (const k of ["k", "k", "k", "j", "j"]) await page.keyboard.press(k); // cursor on the third row
    const region = page.getByRole("region", { name: "Bulk actions" });
    await region.getByText("1 selected").waitFor();

    const tag = randomUUID().slice(0, 8);
    const lines = [1, 2].map((n) => JSON.stringify({ title: `E2E live arrival ${n} ${tag}`, rule_id: `E2E-LIVE-${tag}-${n}`, severity: "high", src_ip: "10.9.9.9", timestamp: new Date().toISOString() }));
    const ing = await call("POST", "alerts/batch", lines.join("\n") + "\n", { "Content-Type": "application/x-ndjson" });
    if (ing.accepted !== 2) throw new Error(`ingest: ${JSON.stringify(ing)}`);
    const bar = page.getByTestId("new-alerts");
    await bar.getByRole("status").filter({ hasText: "2 new alerts" }).waitFor();
    const still = [await idOf(rows.nth(0)), await idOf(rows.nth(1))];
    if (still[0] !== before[0] || still[1] !== before[1]) throw new Error("arrivals reshuffled the list before Show");
    await region.getByText("1 selected").waitFor();
    log("two alerts ingested by an admin: the list says 2 new alerts, rows and selection unchanged");

    // An update to a row on screen applies in place.
    const target = before[3];
    const now = (await api(page, `alerts/${target}`)).body?.status;
    const next = now === "new" ? "triaged" : "new";
    await call("PATCH", `alerts/${target}`, { status: next });
    await rows.nth(3).getByText(next === "new" ? "New" : "Triaged", { exact: true }).waitFor();
    if ((await idOf(rows.nth(3))) !== target) throw new Error("the updated row moved");
    await page.screenshot({ path: join(outDir, "alerts-live-new.png") });
    await a11y(page, "alerts live bar");
    log(`an admin's status change of row 4 (${now} → ${next}) shows in place`);

    await bar.getByRole("button", { name: "Show" }).click();
    await bar.waitFor({ state: "detached" });
    const top = [await idOf(rows.nth(0)), await idOf(rows.nth(1))];
    const titles = await Promise.all([0, 1].map((i) => rows.nth(i).getByTestId("alert-title").innerText()));
    if (!titles.every((x) => x.includes(tag))) throw new Error(`after Show the arrivals are not on top: ${titles.join(" | ")}`);
    if (top.includes(before[0])) throw new Error("Show did not insert the arrivals");
    await region.getByText("1 selected").waitFor();
    const cur = await page.locator('[data-testid="alert-row"].outline-1, [data-testid="alert-row"][class*="outline-sky"]').first().evaluate((tr) => tr.getAttribute("data-row"));
    if (cur !== "4") throw new Error(`the cursor moved off its alert after Show (row ${cur}, want 4)`);
    await region.getByRole("button", { name: "Clear selection" }).click();
    log("Show put the 2 arrivals on top; the selection and the cursor's alert were kept");
  } finally {
    await admin.dispose();
  }
}

/** idOf reads an alert row's id from its title link. */
async function idOf(row) {
  return new URL(await row.getByTestId("alert-title").evaluate((a) => a.href)).pathname.split("/").pop();
}

/**
 * bulk: assign two unassigned alerts after a confirmation stating the count,
 * undo (both unassigned again, checked through the API); tag all alerts a
 * filter matches (more than one page) server side, then undo.
 */
async function bulk(t) {
  const { page, base, outDir, a11y, api, log, setStep } = t;
  const rows = page.getByTestId("alert-row");
  const region = page.getByRole("region", { name: "Bulk actions" });

  setStep("bulk-assign");
  await page.goto(`${base}/alerts?assignee=none`);
  await rows.nth(1).waitFor();
  const ids = [await idOf(rows.nth(0)), await idOf(rows.nth(1))];
  await rows.nth(0).getByRole("checkbox").click();
  await rows.nth(1).getByRole("checkbox").click();
  await region.getByText("2 selected").waitFor();
  await region.getByRole("button", { name: "Assign…" }).click();
  const dialog = page.getByRole("dialog", { name: "Assign 2 alerts" });
  await dialog.waitFor();
  const said = await dialog.getByTestId("bulk-confirm-text").innerText();
  if (!said.includes("The 2 alerts you selected will be assigned to")) throw new Error(`confirmation does not state the count: ${said}`);
  await page.screenshot({ path: join(outDir, "bulk-assign-confirm.png") });
  await a11y(page, "bulk assign confirm");
  await dialog.getByRole("button", { name: /· 2 alerts$/ }).click();
  await page.getByRole("status").filter({ hasText: /^Assigned 2 alerts to / }).waitFor();
  for (const id of ids) {
    const r = await api(page, `alerts/${id}`);
    if (!r.body?.assignee) throw new Error(`alert ${id} not assigned after the bulk assign`);
  }
  await page.getByRole("button", { name: "Undo (2 alerts)" }).click();
  await page.getByRole("status").filter({ hasText: "Undone: 2 alerts put back as they were." }).waitFor();
  for (const id of ids) {
    const r = await api(page, `alerts/${id}`);
    if (r.body?.assignee) throw new Error(`alert ${id} still assigned after undo`);
  }
  log("bulk assign: the dialog said 2 alerts, both assigned; Undo left both unassigned again (API)");

  setStep("bulk-tag-key");
  await page.goto(`${base}/alerts`);
  await rows.first().waitFor();
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  const keyed = await idOf(rows.first());
  await page.keyboard.press("t");
  const tagDialog = page.getByRole("dialog", { name: "Tag 1 alert" });
  await tagDialog.waitFor();
  await tagDialog.getByLabel(/Tags to add/).fill("E2E-Key");
  await tagDialog.getByRole("button", { name: /· 1 alert$/ }).click();
  await page.getByRole("status").filter({ hasText: "Tagged 1 alert “e2e-key”." }).waitFor();
  if (!(await api(page, `alerts/${keyed}`)).body?.tags?.includes("e2e-key")) throw new Error("t did not tag the current alert");
  await page.getByRole("button", { name: "Undo (1 alert)" }).click();
  await page.getByRole("status").filter({ hasText: /^Undone/ }).waitFor();
  if ((await api(page, `alerts/${keyed}`)).body?.tags?.includes("e2e-key")) throw new Error("undo left the tag");
  log("t tags the current alert after a confirmation; Undo removes the tag");

  setStep("select-all-matching");
  const want = (await api(page, "alerts/matching")).body;
  if (!want || want.capped || want.count <= 50) throw new Error(`the demo needs more than one page of alerts for select-all-matching: ${JSON.stringify(want)}`);
  await page.getByRole("checkbox", { name: "Select all loaded alerts" }).click();
  const offer = page.getByTestId("select-matching");
  await offer.getByRole("button", { name: `Select all ${want.count} alerts matching this filter` }).click();
  await region.getByTestId("selection-count").filter({ hasText: `All ${want.count} alerts matching this filter selected` }).waitFor();
  await page.screenshot({ path: join(outDir, "bulk-select-matching.png") });
  await a11y(page, "select all matching");
  await region.getByRole("button", { name: "Tag…" }).click();
  const allDialog = page.getByRole("dialog", { name: `Tag ${want.count} alerts` });
  await allDialog.getByLabel(/Tags to add/).fill("e2e-all");
  const allSaid = await allDialog.getByTestId("bulk-confirm-text").innerText();
  if (!allSaid.startsWith(`All ${want.count} alerts matching the current filter will get the tag`)) throw new Error(`select-all confirmation: ${allSaid}`);
  await allDialog.getByRole("button", { name: new RegExp(`· ${want.count} alerts$`) }).click();
  await page.getByRole("status").filter({ hasText: `Tagged ${want.count} alerts “e2e-all”.` }).waitFor();
  const tagged = (await api(page, "alerts/matching?tag=e2e-all")).body?.count;
  if (tagged !== want.count) throw new Error(`${tagged} alerts tagged by filter, want ${want.count}`);
  await page.getByRole("button", { name: `Undo (${want.count} alerts)` }).click();
  await page.getByRole("status").filter({ hasText: /^Undone/ }).waitFor();
  const left = (await api(page, "alerts/matching?tag=e2e-all")).body?.count;
  if (left !== 0) throw new Error(`${left} alerts still tagged after undo`);
  log(`select all matching: ${want.count} alerts (more than the 50 loaded) tagged in one server-side change, the dialog said so; Undo removed the tag from all`);
}
