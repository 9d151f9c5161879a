// Browser-test scenarios of the admin settings pages (issue 11: UI for what
// existed only in the API), called by run.mjs with its signed-in page:
// - settingsAnalyst: the analyst's menu has no admin-only settings page and
//   the pages say which permission they need instead of showing a form;
// - settingsAdmin: as the org owner, create a webhook source, see its secret
//   once, rotate it (the new and the old secret both verify a signed webhook
//   during the grace period, a wrong one does not), a syslog network too broad
//   is shown next to its field, delete with confirmation; create a custom
//   role, give it a permission, deleting it while an invitation uses it is
//   refused in plain words; save an org policy with a bad value (the server's
//   field error next to the field) then a good one; an SSO enforcement
//   without OIDC refused, then an OIDC configuration saved (secret
//   write-only).
import { createHmac } from "node:crypto";
import { join } from "node:path";

/** ADMIN_PAGES are the settings pages only an admin-level role may use (label in the menu, path, what a form would show). */
const ADMIN_PAGES = [
  ["Ingest sources", "/settings/sources", "New source"],
  ["Roles", "/settings/roles", "Create role"],
  ["Single sign-on", "/settings/sso", "Save configuration"],
  ["Org policies", "/settings/policies", "Save policy"],
  ["API keys", "/settings/api-keys", "Create key"],
  ["Members", "/settings/members", "Invite"],
];

/** settingsAnalyst runs with the demo analyst signed in. t: { page, base, log, setStep }. */
export async function settingsAnalyst(t) {
  const { page, base, log, setStep } = t;
  setStep("settings-analyst");
  await page.goto(`${base}/alerts`);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Alerts" }).waitFor();
  for (const [label] of ADMIN_PAGES) {
    if ((await nav.getByRole("link", { name: label, exact: true }).count()) > 0) throw new Error(`the analyst's menu offers ${label}`);
  }
  if ((await nav.getByText("Settings", { exact: true }).count()) > 0) throw new Error("the analyst's menu has a Settings group");
  for (const [label, path, button] of ADMIN_PAGES) {
    await page.goto(`${base}${path}`);
    await page.getByTestId("no-access").waitFor();
    if ((await page.getByRole("button", { name: button, exact: true }).count()) > 0) throw new Error(`the analyst sees the ${label} form`);
  }
  log(`analyst: no settings group in the menu; ${ADMIN_PAGES.length} admin pages say which permission they need (no form)`);
}

/** signedWebhook posts body to url signed with secret (X-SecureNexus-Timestamp/-Signature) and answers the HTTP status. */
async function signedWebhook(url, secret, body) {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v1=${createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex")}`;
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-SecureNexus-Timestamp": String(ts), "X-SecureNexus-Signature": sig }, body });
  return res.status;
}

/** call is a JSON API call from the page (session cookie and selected org). */
async function call(page, method, path, body) {
  return page.evaluate(
    async ([m, p, b]) => {
      const org = localStorage.getItem("securenexus.org");
      const headers = { Accept: "application/json", "Content-Type": "application/json" };
      if (org) headers["X-Org-ID"] = org;
      const res = await fetch(`/api/v1/${p}`, { method: m, headers, body: b === undefined ? undefined : JSON.stringify(b) });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    [method, path, body],
  );
}

/** settingsAdmin runs with the demo org owner signed in. t: { page, base, outDir, a11y, log, setStep }. */
export async function settingsAdmin(t) {
  const { page, base, outDir, a11y, log, setStep } = t;
  const run = Date.now().toString(36);

  // ---- Ingest sources ----
  setStep("settings-sources");
  await page.goto(`${base}/settings/sources`);
  await page.getByRole("heading", { level: 1, name: "Ingest sources" }).waitFor();
  await page.getByTestId("source-row").first().waitFor(); // the demo's loopback syslog source
  await page.getByRole("button", { name: "New source" }).click();
  // A syslog network broader than /16 is refused next to its field before anything is sent.
  await page.getByLabel("Name", { exact: true }).fill(`e2e-syslog-${run}`);
  await page.getByLabel("Kind", { exact: true }).selectOption("syslog");
  await page.getByLabel(/Sender networks/).fill("10.0.0.0/8");
  await page.getByRole("button", { name: "Create source" }).click();
  const netErr = page.locator("#new-source-networks-error");
  await netErr.waitFor();
  if (!/too broad/.test(await netErr.innerText())) throw new Error(`syslog network error: ${await netErr.innerText()}`);
  if ((await page.getByLabel(/Sender networks/).getAttribute("aria-invalid")) !== "true") throw new Error("the networks field is not marked invalid");
  await a11y(page, "settings-source-form");
  // A webhook source: the secret is shown once.
  const name = `e2e-webhook-${run}`;
  await page.getByLabel("Kind", { exact: true }).selectOption("webhook");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create source" }).click();
  const secretEl = page.getByTestId("source-secret");
  await secretEl.waitFor();
  const secret1 = (await secretEl.innerText()).trim();
  if (secret1.length < 20) throw new Error(`webhook secret too short: ${secret1}`);
  const url = (await page.getByTestId("source-webhook-url").innerText()).trim();
  if (!/\/api\/v1\/webhooks\/[0-9a-f-]{36}$/.test(url)) throw new Error(`webhook URL: ${url}`);
  await page.screenshot({ path: join(outDir, "settings-source-secret.png"), fullPage: true });
  await page.getByRole("button", { name: "Done" }).click();
  const row = page.getByTestId("source-row").filter({ hasText: name });
  await row.waitFor();
  if ((await row.getByTestId("source-url").innerText()).trim() !== url) throw new Error("the list shows another intake URL than the create answer");
  // Delivered to this test server (the URL shown is on the configured public URL, which the test server does not listen on).
  const hook = `${base}${new URL(url).pathname}`;
  let n = 0;
  const payload = () => JSON.stringify({ title: `e2e webhook ${run} #${++n}`, severity: "low", rule: `E2E-${run}-${n}` });
  const wrong = await signedWebhook(hook, "not-the-secret", payload());
  if (wrong !== 401) throw new Error(`a wrong secret answered ${wrong}, want 401`);
  // Rotate: a new secret, shown once; the old one keeps verifying for the grace period.
  await row.getByRole("button", { name: `Rotate secret of ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Rotate the secret of “${name}”` });
  await dialog.getByLabel("Old secret keeps working for").selectOption("3600");
  await dialog.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByText(/previous secret keeps working until/).waitFor();
  const secret2 = (await secretEl.innerText()).trim();
  if (!secret2 || secret2 === secret1) throw new Error("rotation showed no new secret");
  await page.screenshot({ path: join(outDir, "settings-source-rotated.png"), fullPage: true });
  const s2 = await signedWebhook(hook, secret2, payload());
  const s1 = await signedWebhook(hook, secret1, payload());
  if (s2 < 200 || s2 > 299 || s1 < 200 || s1 > 299) throw new Error(`after rotation: new secret ${s2}, old secret ${s1}`);
  await page.getByRole("button", { name: "Done" }).click();
  const listed = await call(page, "GET", "alert-sources");
  const created = listed.body.items.find((s) => s.name === name);
  if (!created?.previous_secret_expires_at || JSON.stringify(listed.body).includes(secret2)) throw new Error("rotation not recorded, or the secret is listed");
  // Disable, then delete with confirmation.
  await row.getByRole("button", { name: `Disable ${name}` }).click();
  await row.getByText("disabled", { exact: true }).waitFor();
  await row.getByRole("button", { name: `Delete ${name}` }).click();
  const del = page.getByRole("dialog", { name: `Delete “${name}”?` });
  await del.getByRole("button", { name: "Delete source" }).click();
  await row.waitFor({ state: "detached" });
  log(`sources: webhook created (secret shown once), rotated (new ${s2}, old within grace ${s1}, wrong secret 401), disabled, deleted; a /8 syslog network refused at its field`);

  // ---- Custom roles ----
  setStep("settings-roles");
  const role = `e2e-triage-${run}`;
  await page.goto(`${base}/settings/roles`);
  await page.getByRole("heading", { level: 1, name: "Roles" }).waitFor();
  await page.getByText("owner", { exact: true }).first().waitFor(); // built-in roles listed
  await page.getByLabel("Name", { exact: true }).fill(role);
  await page.getByRole("checkbox", { name: "alerts:read" }).click();
  await page.getByRole("button", { name: "Create role" }).click();
  const roleRow = page.getByTestId("custom-role-row").filter({ hasText: role });
  await roleRow.waitFor();
  if ((await page.getByRole("checkbox", { name: "playbooks:read" }).count()) > 0) throw new Error("the picker offers a permission no operation uses");
  await roleRow.getByRole("button", { name: `Edit role ${role}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit role “${role}”` });
  await edit.getByRole("checkbox", { name: "alerts:write" }).click();
  await a11y(page, "settings-role-edit");
  await edit.getByRole("button", { name: "Save role" }).click();
  await edit.waitFor({ state: "hidden" });
  await roleRow.getByText("alerts:write").waitFor();
  const roles = await call(page, "GET", "org/roles");
  const saved = roles.body.items.find((r) => r.name === role);
  if (JSON.stringify(saved?.permissions) !== JSON.stringify(["alerts:read", "alerts:write"])) throw new Error(`role permissions: ${JSON.stringify(saved?.permissions)}`);
  // In use by a pending invitation: deleting is refused, in plain words.
  const inv = await call(page, "POST", "org/invitations", { email: `e2e-${run}@acme.example`, role });
  if (inv.status !== 201) throw new Error(`invitation with the role: ${inv.status}`);
  setStep("settings-role-delete-refused");
  await roleRow.getByRole("button", { name: `Delete role ${role}` }).click();
  const delRole = page.getByRole("dialog", { name: `Delete role “${role}”?` });
  await delRole.getByRole("button", { name: "Delete role" }).click();
  await delRole.getByRole("alert").filter({ hasText: /reassign them first/ }).waitFor();
  await page.screenshot({ path: join(outDir, "settings-role-in-use.png"), fullPage: true });
  await delRole.getByRole("button", { name: "Cancel" }).click();
  setStep("settings-roles");
  await call(page, "DELETE", `org/invitations/${inv.body.invitation.id}`);
  await roleRow.getByRole("button", { name: `Delete role ${role}` }).click();
  await delRole.getByRole("button", { name: "Delete role" }).click();
  await roleRow.waitFor({ state: "detached" });
  log("roles: custom role created with alerts:read, alerts:write added, delete refused while an invitation uses it, deleted after");

  // ---- Org policy ----
  setStep("settings-policy");
  await page.goto(`${base}/settings/policies`);
  await page.getByRole("heading", { level: 1, name: "Org policies" }).waitFor();
  const lifetime = page.getByLabel("Session lifetime (minutes)");
  const allow = page.getByLabel(/IP allowlist/);
  await lifetime.fill("1");
  await page.getByRole("button", { name: "Save policy" }).click();
  await page.locator("#org-lifetime-error").waitFor();
  // A list without this browser's address would lock the admin out: the server refuses it, at the field.
  await lifetime.fill("480");
  await allow.fill("203.0.113.0/24");
  setStep("settings-policy-refused");
  await page.getByRole("button", { name: "Save policy" }).click();
  const allowErr = page.locator("#org-allowlist-error");
  await allowErr.waitFor();
  if (!/lock you out/.test(await allowErr.innerText())) throw new Error(`allowlist error: ${await allowErr.innerText()}`);
  if ((await allow.getAttribute("aria-invalid")) !== "true") throw new Error("the allowlist field is not marked invalid");
  await page.screenshot({ path: join(outDir, "settings-policy-error.png"), fullPage: true });
  await a11y(page, "settings-policy-error");
  setStep("settings-policy");
  await allow.fill("127.0.0.0/8\n::1");
  await page.getByRole("button", { name: "Save policy" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  const pol = await call(page, "GET", "org");
  if (pol.body.session_lifetime_seconds !== 28800 || JSON.stringify(pol.body.ip_allowlist) !== JSON.stringify(["127.0.0.0/8", "::1/128"])) {
    throw new Error(`saved policy: ${JSON.stringify(pol.body)}`);
  }
  // Back to the demo's policy for the scenarios that follow.
  await lifetime.fill("0");
  await allow.fill("");
  await page.getByRole("button", { name: "Save policy" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  const back = await call(page, "GET", "org");
  if (back.body.session_lifetime_seconds !== 0 || (back.body.ip_allowlist ?? []).length !== 0) throw new Error(`policy not restored: ${JSON.stringify(back.body)}`);
  log("policy: a 1-minute lifetime refused at its field, an allowlist without the caller's address refused by the server at its field, 480 min + loopback saved, then restored");

  // ---- SSO ----
  setStep("settings-sso-refused");
  await page.goto(`${base}/settings/sso`);
  await page.getByTestId("oidc-state").filter({ hasText: "Not configured" }).waitFor();
  await page.getByRole("checkbox", { name: "Enforce single sign-on" }).click();
  await page.getByRole("button", { name: "Save enforcement" }).click();
  await page.getByRole("alert").filter({ hasText: /configure and enable OIDC/ }).waitFor();
  setStep("settings-sso");
  await page.getByLabel("Issuer URL").fill("https://idp.example.com");
  await page.getByLabel("Client ID").fill("securenexus-e2e");
  await page.getByLabel("Client secret").fill(`e2e-client-secret-${run}`);
  await page.getByLabel(/Allowed email domains/).fill("acme.example");
  // Turn the enforcement box back off first: it would lock every password session out.
  await page.getByRole("checkbox", { name: "Enforce single sign-on" }).click();
  await page.getByRole("button", { name: "Save configuration" }).click();
  await page.getByTestId("oidc-state").filter({ hasText: "Configured and enabled" }).waitFor();
  if ((await page.getByLabel("Client secret").inputValue()) !== "") throw new Error("the client secret stays in the form after saving");
  const cfg = await call(page, "GET", "org/oidc");
  if (cfg.status !== 200 || JSON.stringify(cfg.body).includes(`e2e-client-secret-${run}`)) throw new Error(`OIDC config: ${cfg.status}, or the secret is returned`);
  await page.screenshot({ path: join(outDir, "settings-sso.png"), fullPage: true });
  log("sso: enforcement without OIDC refused at its field; OIDC configuration saved, client secret never returned");
}
