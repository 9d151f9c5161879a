// End-to-end browser test of the SecureNexus UI, driven by playwright-core
// and Debian's chromium (no downloaded browser). Started by
// `go test ./internal/web -run TestBrowserE2E`, which serves the app with
// demo data; run by hand with: node e2e/run.mjs http://127.0.0.1:8080
//
// It signs in as the demo analyst, lists alerts, opens one, changes its
// status and assigns it to a teammate by name, checks both persisted (and
// the name in the list and its assignee filter), visits the API reference
// and health pages, and fails on any CSP violation, page error or console error, and on
// any serious or critical accessibility violation found by axe-core.
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { trackNetwork } from "./network.mjs";

const base = (process.argv[2] ?? "").replace(/\/$/, "");
if (!base) {
  console.error("usage: node e2e/run.mjs <baseURL> [screenshotDir]");
  process.exit(2);
}
const outDir = resolve(process.argv[3] ?? join(import.meta.dirname, "out"));
mkdirSync(outDir, { recursive: true });
const executablePath = process.env.SECURENEXUS_CHROMIUM ?? "/usr/bin/chromium";
const email = process.env.SECURENEXUS_E2E_EMAIL ?? "analyst@acme.example";
const password = process.env.SECURENEXUS_E2E_PASSWORD ?? "demo-password-change-me";

// axe-core is evaluated through the DevTools protocol, which the page's CSP
// does not govern (a <script> tag would be blocked, as it should be).
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const profile = mkdtempSync(join(tmpdir(), "securenexus-e2e-"));
const problems = [];
let step = "launch";

function log(msg) {
  console.log(`e2e: ${msg}`);
}

/** a11y runs axe on the current page and records serious and critical violations. */
async function a11y(page, name) {
  const found = await page.evaluate(
    `${axeSource}\n;axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + " x" + v.nodes.length + ": " + v.help + " (" + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ") + ")"))`,
  );
  for (const v of found) problems.push(`[${name}] accessibility: ${v}`);
  log(`${name}: ${found.length} serious accessibility violations`);
}

/** api calls the JSON API with the page's session cookie and selected org. */
async function api(page, path) {
  return page.evaluate(async (p) => {
    const org = localStorage.getItem("securenexus.org");
    const res = await fetch(`/api/v1/${p}`, { headers: org ? { "X-Org-ID": org, Accept: "application/json" } : { Accept: "application/json" } });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, path);
}

/** titleCapacity is how many characters of its title the first alert row's title cell can show. */
async function titleCapacity(page) {
  return page.getByTestId("alert-row").first().getByTestId("alert-title").evaluate((el) => {
    const c = document.createElement("canvas").getContext("2d");
    const st = getComputedStyle(el);
    c.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
    const text = el.textContent ?? "";
    return Math.floor(el.clientWidth / (c.measureText(text).width / Math.max(1, text.length)));
  });
}

async function main() {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    // No transitions: axe must never sample a colour halfway between two states.
    reducedMotion: "reduce",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  ctx.setDefaultTimeout(15_000);
  // Record CSP violations from the page itself (the report is the
  // authoritative signal; console text varies between versions).
  await ctx.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const net = trackNetwork(page);
  page.on("console", (m) => {
    if (m.type() === "error") {
      const text = m.text();
      // An expected 401 before sign-in is logged by the browser as a failed resource.
      if (/status of 401/.test(text) && (step === "login" || step === "session-expiry")) return;
      // The refused comma form is requested on purpose.
      if (/status of 422/.test(text) && step === "severity-union") return;
      // The rule editor's live validation answers an invalid draft with 422, by design.
      if (/status of 422/.test(text) && step === "correlation-rules") return;
      // triage.mjs: a wrong code or count on purpose; settings.mjs: a bad policy, a role in use, SSO enforced without OIDC.
      if (/status of (409|422)/.test(text) && step.endsWith("-refused")) return;
      problems.push(`[${step}] console error: ${text}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`[${step}] page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText ?? "";
    // Requests cancelled by a navigation or an aborted query are not failures.
    if (why === "net::ERR_ABORTED") return;
    problems.push(`[${step}] request failed: ${r.url()} ${why}`);
  });

  try {
    step = "login";
    const res = await page.goto(`${base}/alerts`);
    const csp = res?.headers()["content-security-policy"] ?? "";
    if (!csp.includes("script-src 'self'")) throw new Error(`no strict CSP on the UI: ${csp}`);
    await page.waitForURL(/\/login\?next=%2Falerts/);
    await a11y(page, "login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").first().waitFor();
    log(`bad password shows: ${(await page.getByRole("alert").first().innerText()).split("\n")[0]}`);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/alerts$/);

    step = "alerts";
    const rows = page.getByTestId("alert-row");
    await rows.first().waitFor();
    const count = await rows.count();
    if (count < 1) throw new Error("no alerts listed");
    log(`${count} alerts listed`);
    const org = await page.getByTestId("org-switcher").innerText();
    log(`org: ${org.replace(/\s+/g, " ")}`);
    await page.screenshot({ path: join(outDir, "alerts.png") });
    await a11y(page, "alerts");

    step = "severity-union";
    // Two severity chips return the union of both (the API once kept only the first value).
    const crit = await api(page, "alerts?severity=critical&limit=500");
    const high = await api(page, "alerts?severity=high&limit=500");
    const both = await api(page, "alerts?severity=critical&severity=high&limit=500");
    const union = crit.body.items.length + high.body.items.length;
    if (both.status !== 200 || both.body.items.length !== union) throw new Error(`critical+high: ${both.body?.items?.length} alerts, want ${union}`);
    const comma = await api(page, "alerts?severity=critical,high");
    if (comma.status !== 422 || !JSON.stringify(comma.body).includes("query.severity")) throw new Error(`comma form: ${comma.status}`);
    const group = page.getByRole("group", { name: "Severity" });
    await group.getByRole("button", { name: "critical" }).click();
    await page.waitForURL(/severity=critical/);
    await group.getByRole("button", { name: "high" }).click();
    await page.waitForURL(/severity=critical&severity=high/);
    await rows.first().waitFor();
    // The list keeps the previous rows until the new query answers.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="alert-row"]').length === n, Math.min(union, 50)).catch(() => undefined);
    const shown = await rows.count();
    if (shown !== Math.min(union, 50)) throw new Error(`critical+high chips list ${shown} rows, want ${Math.min(union, 50)}`);
    log(`critical ${crit.body.items.length} + high ${high.body.items.length} = ${shown} listed; comma form refused with 422`);

    step = "search-entity";
    // An IP typed in the search box finds the alerts that mention it.
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    const ip = (await page.getByTestId("entity-chip").filter({ hasText: /^\d+\.\d+\.\d+\.\d+$/ }).first().innerText()).trim();
    await page.getByLabel("Search alerts").fill(ip);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(new RegExp(`q=${ip.replace(/\./g, "\\.")}`));
    await rows.first().waitFor();
    log(`q=${ip}: ${await rows.count()} alerts`);
    await page.getByTestId("entity-chip").filter({ hasText: ip }).first().waitFor();

    step = "entity-chip";
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    const chip = page.getByTestId("entity-chip").first();
    const chipText = (await chip.innerText()).trim();
    await chip.click();
    await page.waitForURL(/entity=/);
    await rows.first().waitFor();
    const entityParam = new URL(page.url()).searchParams.get("entity") ?? "";
    if (!entityParam.endsWith(`:${chipText}`)) throw new Error(`chip ${chipText} filtered by ${entityParam}`);
    log(`entity chip ${chipText} -> ${await rows.count()} alerts with ${entityParam}`);

    step = "technique";
    // Lower-case T1003 finds its sub-technique T1003.001.
    await page.goto(`${base}/alerts?technique=t1003`);
    await rows.first().waitFor();
    await page.getByTestId("alert-entities").filter({ hasText: "T1003.001" }).first().waitFor();
    log(`technique=t1003: ${await rows.count()} alerts (T1003.001 among them)`);
    await rows.filter({ hasText: "T1003.001" }).first().getByTestId("alert-title").click();
    await page.getByTestId("alert-tactics").filter({ hasText: "Credential Access" }).waitFor();
    await page.getByTestId("alert-techniques").filter({ hasText: "LSASS Memory" }).waitFor();
    log("a T1003.001 alert shows tactic Credential Access and technique LSASS Memory");

    step = "time-presets";
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    await page.getByRole("button", { name: "Last 24h" }).click();
    await page.waitForURL(/since=24h/);
    await rows.first().waitFor();
    const day = await rows.count();
    await page.getByRole("button", { name: "Last 1h" }).click();
    await page.waitForURL(/since=1h/);
    await page.waitForFunction(() => !document.querySelector('[aria-label="Loading alerts"]'));
    log(`event time presets: last 24h ${day} rows, last 1h ${await rows.count()} rows`);

    step = "selection-kept";
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    await rows.nth(0).getByRole("checkbox").click();
    await rows.nth(1).getByRole("checkbox").click();
    await page.getByRole("region", { name: "Bulk actions" }).getByText("2 selected").waitFor();
    await rows.nth(2).getByTestId("alert-title").click();
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.keyboard.press("Escape");
    await page.waitForURL(/\/alerts$/);
    await page.getByRole("region", { name: "Bulk actions" }).getByText("2 selected").waitFor();
    await page.getByRole("button", { name: "Clear selection" }).click();
    log("selection of 2 alerts kept after opening an alert and coming back");

    step = "key-help";
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await a11y(page, "key help");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    log("? shows the keyboard shortcuts");

    step = "title-width";
    for (const [w, want] of [[1280, 40], [768, 20]]) {
      await page.setViewportSize({ width: w, height: 900 });
      await rows.first().waitFor();
      const cap = await titleCapacity(page);
      if (cap < want) throw new Error(`at ${w} px the title cell shows ${cap} characters, want at least ${want}`);
      log(`at ${w} px the title cell shows ${cap} characters`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    step = "detail";
    const link = rows.first().getByTestId("alert-title");
    const title = (await link.innerText()).trim();
    await link.click();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    const detailURL = page.url();
    const status = page.locator("select#status");
    const before = await status.inputValue();
    const after = before === "in_progress" ? "resolved" : "in_progress";
    await status.selectOption(after);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    const persisted = await page.locator("select#status").inputValue();
    if (persisted !== after) throw new Error(`status after reload is ${persisted}, want ${after}`);
    log(`alert "${title}": status ${before} -> ${persisted} (persisted)`);

    step = "assign";
    // Pick a teammate by name (the demo responder), save, and see the name after a reload.
    const teammate = process.env.SECURENEXUS_E2E_TEAMMATE ?? "Rita Responder";
    const picker = page.getByLabel("Assignee", { exact: true });
    const option = picker.locator("option").filter({ hasText: new RegExp(`^${teammate}$`) });
    await option.waitFor({ state: "attached" });
    const teammateID = await option.getAttribute("value");
    await picker.selectOption({ label: (await option.innerText()).trim() });
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    await page.getByTestId("assignee-name").filter({ hasText: teammate }).waitFor();
    if ((await picker.inputValue()) !== teammateID) throw new Error(`assignee after reload is ${await picker.inputValue()}, want ${teammateID}`);
    log(`alert "${title}": assigned to ${teammate} by name (persisted)`);
    await page.getByTestId("raw-payload").first().waitFor({ state: "attached" }).catch(() => undefined);
    await page.screenshot({ path: join(outDir, "alert-detail.png"), fullPage: true });
    await a11y(page, "alert detail");

    step = "unsaved-prompt";
    // Esc with an unsaved status change asks before leaving.
    const statusNow = await status.inputValue();
    await status.selectOption(statusNow === "triaged" ? "new" : "triaged");
    await page.getByTestId("unsaved").waitFor();
    await status.focus();
    await page.keyboard.press("Escape"); // leaves the select
    await page.keyboard.press("Escape"); // asks before leaving the page
    const prompt = page.getByRole("dialog", { name: "Discard unsaved changes?" });
    await prompt.waitFor();
    await a11y(page, "unsaved prompt");
    await prompt.getByRole("button", { name: "Keep editing" }).click();
    await prompt.waitFor({ state: "hidden" });
    if ((await status.inputValue()) === statusNow) throw new Error("the unsaved change was lost after Keep editing");
    await page.getByRole("link", { name: "← Back to alerts" }).click();
    await prompt.getByRole("button", { name: "Discard changes" }).click();
    await page.waitForURL(/\/alerts(\?|$)/);
    log("Esc and the back link with an unsaved status change prompt; Keep editing keeps it, Discard leaves");

    step = "tag-undo";
    await page.goto(`${base}/alerts?q=${encodeURIComponent(title)}`);
    await rows.first().getByTestId("alert-title").click();
    await page.getByLabel("Add tag").fill("E2E-Tag");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("button", { name: "Remove tag e2e-tag" }).click();
    await page.getByRole("status").filter({ hasText: "Removed tag" }).getByRole("button", { name: "Undo" }).click();
    await page.getByRole("button", { name: "Remove tag e2e-tag" }).waitFor();
    log("tags save at once (stored lower-case); a removed tag comes back with Undo");

    step = "list-filter";
    await page.goto(`${base}/alerts?status=${after}`);
    await rows.first().waitFor();
    const filtered = await rows.count();
    log(`${filtered} alerts with status ${after}`);
    await page.goto(`${base}/alerts?assignee=${teammateID}`);
    await rows.first().waitFor();
    await page.getByTestId("alert-assignee").filter({ hasText: teammate }).first().waitFor();
    const picked = await page.getByLabel("Filter by assignee").locator("option:checked").innerText();
    if (!picked.startsWith(teammate)) throw new Error(`assignee filter shows ${picked}, want ${teammate}`);
    log(`${await rows.count()} alerts assigned to ${teammate}, name shown in the list and the filter`);
    await page.screenshot({ path: join(outDir, "alerts-assignee.png") });

    step = "comment-and-close";
    // A comment and a closure reason land in the alert's activity.
    await page.goto(detailURL);
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    await page.getByLabel("Comment").fill("Checked with the asset owner");
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    await page.getByTestId("alert-activity").getByText("Checked with the asset owner").waitFor();
    await status.selectOption("false_positive");
    const save = page.getByRole("button", { name: "Save changes" });
    if (!(await save.isDisabled())) throw new Error("false positive can be saved without a closure reason");
    await page.getByLabel("Closure reason (required)").fill("Known vulnerability scanner");
    await save.click();
    await page.getByTestId("alert-activity").getByText("Reason: Known vulnerability scanner").waitFor();
    await page.screenshot({ path: join(outDir, "alert-activity.png"), fullPage: true });
    log("comment and false-positive closure reason shown in the alert's activity");
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();

    step = "incidents";
    // The incident list: filters in the URL, keyboard like the alert queue.
    const irows = page.getByTestId("incident-row");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Incidents" }).click();
    await page.waitForURL(/\/incidents$/);
    // Correlation of the demo alerts runs in the job workers: wait for its incidents.
    for (let i = 0; ; i++) {
      await Promise.race([irows.first().waitFor(), page.getByTestId("incidents-empty").waitFor()]);
      if ((await irows.count()) > 0) break;
      if (i === 20) throw new Error("no correlated incidents after 40 s");
      await page.waitForTimeout(2000);
      await page.getByRole("button", { name: "Refresh" }).click();
    }
    log(`${await irows.count()} incidents listed`);
    await page.screenshot({ path: join(outDir, "incidents.png") });
    await a11y(page, "incidents");
    await page.getByRole("group", { name: "Status" }).getByRole("button", { name: "New", exact: true }).click();
    await page.waitForURL(/\/incidents\?status=new$/);
    await irows.first().waitFor();
    await page.getByRole("group", { name: "Severity" }).getByRole("button", { name: "critical" }).click();
    await page.waitForURL(/status=new&severity=critical/);
    await page.waitForFunction(() => !document.querySelector('[role=status]')?.textContent?.includes("Loading incidents"));
    log(`status=new&severity=critical: ${await irows.count()} incidents`);
    await page.goto(`${base}/incidents?tag=no-such-tag-e2e`);
    await page.getByTestId("incidents-empty").waitFor();
    await page.goto(`${base}/incidents?status=new`);
    await irows.first().waitFor();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("j");
    await page.keyboard.press("k");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
    const incidentURL = page.url();
    const incidentID = incidentURL.split("/").pop();

    step = "incident-detail";
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.getByTestId("linked-alert").first().waitFor();
    await page.getByTestId("linked-alert").first().getByRole("button", { name: "Why grouped" }).click();
    await page.getByTestId("why-grouped").first().waitFor();
    const why = (await page.getByTestId("why-grouped").first().innerText()).split("\n")[0];
    log(`why grouped: ${why}`);
    // Tasks: add two, complete one, move the second up.
    for (const t of ["E2E first task", "E2E second task"]) {
      await page.getByLabel("New task").fill(t);
      await page.getByRole("button", { name: "Add task" }).click();
      await page.getByTestId("task").filter({ hasText: t }).waitFor();
    }
    await page.getByRole("checkbox", { name: "Done: E2E first task" }).click();
    await page.getByRole("checkbox", { name: "Done: E2E first task", checked: true }).waitFor();
    await page.getByRole("button", { name: "Move up: E2E second task" }).click();
    await page.waitForFunction(() => {
      const t = [...document.querySelectorAll('[data-testid="task"]')].map((e) => e.textContent ?? "");
      return t.findIndex((x) => x.includes("E2E second task")) < t.findIndex((x) => x.includes("E2E first task"));
    });
    log("tasks: added two, completed one, reordered");
    // A note with an @mention picked from the completion list, then edited (history kept).
    const noteBox = page.getByLabel("Note", { exact: true });
    await noteBox.fill("Looping in ");
    await noteBox.press("End");
    await noteBox.pressSequentially("@Ri");
    await page.getByTestId("mention-list").getByRole("option", { name: /Rita Responder/ }).waitFor();
    await a11y(page, "mention completion");
    await noteBox.press("Enter");
    await noteBox.pressSequentially("for containment");
    await page.getByRole("button", { name: "Add note" }).click();
    const note = page.getByTestId("note").filter({ hasText: "@Rita Responder" });
    await note.waitFor();
    await note.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByLabel("Edit note");
    await edit.press("End");
    await edit.pressSequentially(" and @Ala");
    await edit.press("Enter");
    await page.getByRole("button", { name: "Save note" }).click();
    await page.getByTestId("note").filter({ hasText: "@Alan Analyst" }).getByRole("button", { name: "Edit history" }).click();
    await page.getByTestId("note-revisions").filter({ hasText: "@Rita Responder for containment" }).waitFor();
    log("note with @mention completion, edited, earlier text in its history");
    // Tags and manual ATT&CK save at once.
    await page.getByLabel("Add tag").fill("e2e-incident");
    await page.getByRole("list", { name: "Tag" }).locator("..").getByRole("button", { name: "Add" }).click();
    await page.getByRole("button", { name: "Remove tag e2e-incident" }).waitFor();
    await page.getByLabel("Add technique").fill("t1566");
    await page.getByRole("list", { name: "Technique" }).locator("..").getByRole("button", { name: "Add" }).click();
    await page.getByRole("button", { name: "Remove technique T1566" }).waitFor();
    // Only valid transitions: a new incident offers Acknowledge, not Reopen; resolving asks for a disposition.
    const transitions = page.getByRole("group", { name: "Status transitions" });
    if ((await transitions.getByRole("button", { name: "Reopen" }).count()) > 0) throw new Error("a new incident offers Reopen");
    await transitions.getByRole("button", { name: "Acknowledge" }).click();
    await transitions.getByRole("button", { name: "Acknowledge" }).waitFor({ state: "detached" });
    await transitions.getByRole("button", { name: "Investigate" }).waitFor();
    await transitions.getByRole("button", { name: "Resolve" }).click();
    const dispo = page.getByRole("dialog", { name: "Resolve incident" });
    await dispo.waitFor();
    await a11y(page, "disposition dialog");
    await dispo.getByLabel("Other").check();
    if (!(await dispo.getByRole("button", { name: "Resolve" }).isDisabled())) throw new Error("disposition other can be saved without a note");
    await dispo.getByLabel("Disposition note (required)").fill("Test traffic from the e2e run");
    await dispo.getByRole("button", { name: "Resolve" }).click();
    await transitions.getByRole("button", { name: "Reopen" }).waitFor();
    await page.getByText("Other — Test traffic from the e2e run").waitFor();
    await page.getByTestId("timeline").or(page.getByTestId("timeline-items")).getByText("status").first().waitFor();
    await page.screenshot({ path: join(outDir, "incident-detail.png"), fullPage: true });
    await a11y(page, "incident detail");
    await transitions.getByRole("button", { name: "Reopen" }).click();
    await transitions.getByRole("button", { name: "Contain" }).waitFor();
    log("transitions: acknowledge, resolve with disposition other + note, reopen");

    step = "sla";
    // The SLA clock: badge with a countdown, pause with a reason, resume.
    await page.getByTestId("sla-panel").waitFor();
    log(`SLA: ${(await page.getByTestId("sla-panel").getByTestId("sla-badge").innerText()).trim()}`);
    await page.getByRole("button", { name: "Pause SLA…" }).click();
    const pauseDlg = page.getByRole("dialog", { name: "Pause the SLA clock" });
    await a11y(page, "SLA pause dialog");
    await pauseDlg.getByLabel("Reason (required)").fill("Waiting for the asset owner");
    await pauseDlg.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Resume SLA" }).waitFor();
    await page.getByTestId("sla-panel").getByText("Waiting for the asset owner").waitFor();
    await page.getByRole("button", { name: "Resume SLA" }).click();
    await page.getByRole("button", { name: "Pause SLA…" }).waitFor();
    log("SLA paused with a reason and resumed");

    step = "evidence";
    // Evidence: upload a file, verify its hash, see the custody chain, download it.
    await page.getByLabel("Evidence file").setInputFiles({ name: "e2e-note.txt", mimeType: "text/plain", buffer: Buffer.from("suspicious mail header\n") });
    const ev = page.getByTestId("evidence").filter({ hasText: "e2e-note.txt" });
    await ev.waitFor();
    await ev.getByRole("button", { name: "Verify e2e-note.txt" }).click();
    await page.getByRole("status").filter({ hasText: "e2e-note.txt: hash verified." }).waitFor();
    await ev.getByRole("button", { name: /^Custody/ }).click();
    await ev.getByTestId("custody").getByText("Custody chain intact.").waitFor();
    await ev.getByTestId("custody").getByText("collected").waitFor();
    const dl = page.waitForEvent("download");
    await ev.getByRole("button", { name: "Download e2e-note.txt" }).click();
    log(`evidence uploaded, verified, custody intact, downloaded as ${(await dl).suggestedFilename()}`);
    await a11y(page, "evidence");

    step = "metrics";
    await page.goto(`${base}/incidents`);
    await page.getByRole("link", { name: "Metrics" }).click();
    await page.getByTestId("metrics-row").first().waitFor();
    await page.getByTestId("incident-row").first().waitFor({ state: "detached" }).catch(() => undefined);
    await page.screenshot({ path: join(outDir, "incident-metrics.png"), fullPage: true });
    await a11y(page, "incident metrics");
    log(`metrics: ${await page.getByTestId("metrics-row").count()} rows`);
    await page.goto(incidentURL);
    await page.getByRole("heading", { level: 1 }).waitFor();

    step = "notification-bell";
    // The edit mentioned the analyst: the bell shows it unread; opening it marks it read.
    await page.getByTestId("unread-count").waitFor({ timeout: 40_000 }).catch(async () => {
      await page.reload();
      await page.getByTestId("unread-count").waitFor();
    });
    const unreadBefore = Number(await page.getByTestId("unread-count").innerText());
    await page.getByTestId("notification-bell").click();
    await page.getByTestId("notification").first().waitFor();
    await a11y(page, "notifications");
    await page.screenshot({ path: join(outDir, "notifications.png") });
    await page.getByTestId("notification").filter({ hasText: "mentioned" }).first().click();
    await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
    const inbox = await api(page, "notifications");
    if (inbox.body.unread !== unreadBefore - 1) throw new Error(`unread after opening one: ${inbox.body.unread}, want ${unreadBefore - 1}`);
    log(`bell: ${unreadBefore} unread, opening the mention marks it read`);

    step = "escalate";
    // e on an alert that is in no incident: a new incident from the phishing template.
    const page1 = await api(page, "alerts?limit=200");
    // Alerts held by an incident, from each incident's alert list (paced: the API rate-limits reads).
    const held = new Set();
    for (const inc of (await api(page, "incidents?limit=500")).body.items) {
      await page.waitForTimeout(60);
      for (const la of (await api(page, `incidents/${inc.id}/alerts?limit=500`)).body.items) held.add(la.alert_id);
    }
    const free = page1.body.items.filter((a) => !held.has(a.id)).slice(0, 2);
    if (free.length < 2) throw new Error(`only ${free.length} alerts outside incidents`);
    await page.goto(`${base}/alerts/${free[0].id}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.getByText("Not in an incident.").waitFor();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("e");
    const esc = page.getByRole("dialog", { name: "Escalate 1 alert" });
    await esc.waitFor();
    await esc.getByLabel("Template").selectOption("phishing");
    await esc.getByTestId("template-preview").waitFor();
    await a11y(page, "escalate dialog");
    await esc.getByRole("button", { name: "Open incident" }).click();
    await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
    const newURL = page.url();
    await page.getByTestId("task").first().waitFor();
    log(`e on an alert: new phishing incident with ${await page.getByTestId("task").count()} template tasks`);
    // From the list: select a free alert (found by its title), add it to that incident.
    await page.goto(`${base}/alerts?q=${encodeURIComponent(free[1].title)}`);
    await rows.first().waitFor();
    const nPicked = 1;
    await rows.filter({ has: page.locator(`a[href="/alerts/${free[1].id}"]`) }).getByRole("checkbox").click();
    await page.getByRole("region", { name: "Bulk actions" }).getByRole("button", { name: "Escalate…" }).click();
    const esc2 = page.getByRole("dialog", { name: new RegExp(`Escalate ${nPicked} alert`) });
    await esc2.getByLabel("Add to an open incident").check();
    const target = newURL.split("/").pop();
    await esc2.getByLabel("Incident", { exact: true }).selectOption(target);
    await esc2.getByRole("button", { name: "Add to incident" }).click();
    await page.waitForURL(newURL);
    await page.getByTestId("linked-alert").nth(nPicked).waitFor();
    log(`list selection of ${nPicked} alerts added to that incident`);

    step = "split";
    await page.getByTestId("linked-alert").nth(1).getByRole("checkbox").click();
    await page.getByRole("button", { name: /^Split 1 into a new incident/ }).click();
    const splitDlg = page.getByRole("dialog", { name: "Split 1 alert into a new incident" });
    await a11y(page, "split dialog");
    await splitDlg.getByLabel("Title of the new incident").fill("E2E split incident");
    await splitDlg.getByRole("button", { name: "Split off" }).click();
    await page.getByRole("heading", { level: 1, name: "E2E split incident" }).waitFor();
    const splitURL = page.url();
    log("split one alert into a new incident");

    step = "merge";
    await page.goto(newURL);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("m");
    const mergeDlg = page.getByRole("dialog", { name: "Merge incidents into this one" });
    await mergeDlg.getByLabel("Find incidents").fill("E2E split");
    await mergeDlg.getByRole("checkbox", { name: "Merge E2E split incident" }).click();
    await a11y(page, "merge dialog");
    await mergeDlg.getByRole("button", { name: /Merge 1 into this incident/ }).click();
    await mergeDlg.waitFor({ state: "hidden" });
    await page.getByTestId("linked-alert").nth(nPicked).waitFor();
    await page.goto(splitURL);
    await page.getByText("This incident was merged.").waitFor();
    log("merged the split incident back (it shows as merged, its alert moved back)");
    void incidentID;

    step = "correlation-rules";
    await page.goto(`${base}/correlation/rules`);
    await page.getByTestId("rule-row").first().waitFor();
    log(`${await page.getByTestId("rule-row").count()} correlation rules`);
    await page.screenshot({ path: join(outDir, "correlation-rules.png") });
    await a11y(page, "correlation rules");
    const firstRule = page.getByTestId("rule-row").first();
    const ruleName = (await firstRule.locator("p").first().innerText()).trim();
    await firstRule.getByRole("button", { name: `Disable ${ruleName}` }).click();
    await firstRule.getByTestId("rule-state").filter({ hasText: "Disabled" }).waitFor();
    await firstRule.getByRole("button", { name: `Enable ${ruleName}` }).click();
    await firstRule.getByTestId("rule-state").filter({ hasText: "Enabled" }).waitFor();
    log(`rule "${ruleName}" disabled and enabled again`);
    await firstRule.getByRole("button", { name: `Edit ${ruleName}` }).click();
    await page.getByTestId("rule-check").filter({ hasText: "Valid rule." }).waitFor();
    const cond = page.getByLabel(/^Condition \(CEL/);
    await cond.fill("alert.severity_id >=\n  ");
    const celErr = page.getByTestId("cel-error");
    await celErr.filter({ hasText: /line 2, column \d+/ }).waitFor();
    log(`CEL error: ${(await celErr.innerText()).slice(0, 80)}`);
    await a11y(page, "rule editor with errors");
    await cond.fill("alert.severity_id >= 4");
    await page.getByTestId("rule-check").filter({ hasText: "Valid rule." }).waitFor();
    const ruleJSON = page.getByLabel(/^Rule \(JSON/);
    const orig = await ruleJSON.inputValue();
    await ruleJSON.fill(orig.replace(/"window_seconds": \d+/, '"window_seconds": 30'));
    await page.getByTestId("rule-errors").filter({ hasText: "window_seconds" }).waitFor();
    await page.screenshot({ path: join(outDir, "correlation-rule-editor.png"), fullPage: true });
    await ruleJSON.fill(orig);
    await page.getByTestId("rule-check").filter({ hasText: "Valid rule." }).waitFor();
    // Backtest the draft over the last 30 days: writes nothing, lists what it would have opened.
    const incBefore = (await api(page, "incidents?limit=500")).body.items.length;
    await page.getByLabel("Backtest period").selectOption("30");
    await page.getByTestId("backtest").getByRole("button", { name: /^Backtest/ }).click();
    const summary = page.getByTestId("backtest-summary");
    await summary.waitFor();
    log(`backtest: ${(await summary.innerText()).replace(/\s+/g, " ").slice(0, 160)}`);
    if ((await page.getByTestId("backtest-incident").count()) > 0) {
      await page.getByTestId("backtest-incident").first().getByRole("button", { name: "Why" }).click();
      await page.getByTestId("backtest").getByTestId("why-grouped").waitFor();
    }
    await a11y(page, "backtest results");
    await page.screenshot({ path: join(outDir, "correlation-backtest.png"), fullPage: true });
    if ((await api(page, "incidents?limit=500")).body.items.length !== incBefore) throw new Error("the backtest changed the incidents");
    await Promise.race([page.getByTestId("candidates-empty").waitFor(), page.getByTestId("candidate").first().waitFor()]);
    log(`incident candidates: ${await page.getByTestId("candidate").count()} pending`);
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.getByRole("form").waitFor({ state: "detached" }).catch(() => undefined);
    await firstRule.filter({ hasText: /v\d+/ }).waitFor();
    log("rule editor: CEL error with line and column, field error names window_seconds, saved when valid");

    step = "suppressions";
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Suppressions" }).click();
    await page.getByRole("heading", { level: 1, name: "Suppressions" }).waitFor();
    await page.getByLabel("Name").fill("E2E scanner window");
    await page.getByLabel("Reason").fill("Weekly vulnerability scan");
    await page.getByLabel("Title contains").fill("scan");
    await page.getByRole("button", { name: "Preview impact (30 days)" }).click();
    const impact = page.getByTestId("suppression-preview");
    await impact.waitFor();
    log(`suppression preview: ${(await impact.innerText()).replace(/\s+/g, " ").slice(0, 140)}`);
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByTestId("suppression-row").filter({ hasText: "E2E scanner window" }).waitFor();
    await page.screenshot({ path: join(outDir, "suppressions.png"), fullPage: true });
    await a11y(page, "suppressions");
    await page.getByRole("button", { name: "Delete E2E scanner window" }).click();
    await page.getByTestId("suppression-row").filter({ hasText: "E2E scanner window" }).waitFor({ state: "detached" });
    log("suppression previewed, created and deleted");

    step = "alert-keys";
    // a assigns the current alert to me; s focuses the status change.
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("a");
    await page.getByRole("status").filter({ hasText: "Assigned 1 alert to you." }).waitFor();
    await page.keyboard.press("s");
    await page.getByRole("region", { name: "Bulk actions" }).getByText("1 selected").waitFor();
    if (!(await page.evaluate(() => document.activeElement?.id === "bulk-status"))) throw new Error("s did not focus the status change");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Clear selection" }).click();
    log("alert queue keys: a assigns to me, s opens the status change");

    step = "org-switch";
    const orgName = page.getByTestId("org-name");
    const home = (await orgName.innerText()).trim();
    await page.getByTestId("org-switcher").click();
    const other = page.getByRole("menuitemradio").filter({ hasNotText: home });
    if ((await other.count()) > 0) {
      const target = (await other.first().locator("span").first().innerText()).trim();
      const listed = page.waitForRequest((r) => r.url().includes("/api/v1/alerts?"));
      await other.first().click();
      const orgHeader = (await listed).headers()["x-org-id"];
      await page.getByTestId("org-name").filter({ hasText: target }).waitFor();
      await page.reload();
      await page.getByTestId("org-name").filter({ hasText: target }).waitFor();
      log(`switched org to ${target} (X-Org-ID ${orgHeader}), kept across reload`);
      await page.getByTestId("org-switcher").click();
      await page.getByRole("menuitemradio").filter({ hasText: home }).click();
      await page.getByTestId("org-name").filter({ hasText: home }).waitFor();
      await rows.first().waitFor();
    } else {
      await page.keyboard.press("Escape");
      log("the user belongs to one org: no switch tested");
    }

    step = "api-reference";
    await page.goto(`${base}/docs/api`);
    await page.getByTestId("api-operation").first().waitFor();
    const ops = await page.getByTestId("api-operation").count();
    await page.getByTestId("api-operation").first().getByRole("button").click();
    log(`API reference lists ${ops} operations`);
    await page.screenshot({ path: join(outDir, "api-reference.png") });
    await a11y(page, "API reference");

    step = "health";
    await page.goto(`${base}/health`);
    await page.getByText("Overall:").first().waitFor();
    await page.screenshot({ path: join(outDir, "health.png") });
    await a11y(page, "health");

    step = "session-expiry";
    await ctx.clearCookies();
    // An in-app request now gets 401 (the health page refetches its report).
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.waitForURL(/\/login\?next=%2Fhealth/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/health$/);
    log("lost session: sent to login, and back to the page after signing in");

    step = "light-theme";
    await page.getByRole("button", { name: /User menu/ }).click();
    await page.getByRole("menuitem", { name: "Light theme" }).click();
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    if (!(await page.evaluate(() => !document.documentElement.classList.contains("dark")))) throw new Error("light theme not applied after reload");
    await page.screenshot({ path: join(outDir, "alerts-light.png") });
    await a11y(page, "alerts (light theme)");

    step = "analyst-settings";
    // The analyst's role has no settings page: /settings explains instead of a form and a 403.
    await page.goto(`${base}/settings`);
    await page.getByTestId("no-access").waitFor();
    if ((await page.getByRole("button", { name: "Create key" }).count()) > 0) throw new Error("the analyst sees the API key form");
    if ((await page.getByRole("navigation", { name: "Main" }).getByText("API keys").count()) > 0) throw new Error("the analyst's menu offers API keys");
    log("analyst: no settings menu; /settings says which permission is missing (no form, no 403)");
    await (await import("./settings.mjs")).settingsAnalyst({ page, base, log, setStep: (s) => (step = s) });

    await (await import("./triage.mjs")).triage({ page, base, outDir, email, password, a11y, api, log, setStep: (s) => (step = s) });

    const { indicatorPath } = await (await import("./intel.mjs")).intel({ page, base, outDir, a11y, api, log, setStep: (s) => (step = s) });

    step = "pages";
    // Every page as an admin, at 1280 and 768 px: axe clean, no console
    // error, nothing wider than the window; screenshots kept.
    await page.getByRole("button", { name: /User menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    step = "login";
    await page.getByLabel("Email").fill(process.env.SECURENEXUS_E2E_ADMIN ?? "admin@acme.example");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/alerts$/);
    step = "settings";
    await (await import("./settings.mjs")).settingsAdmin({ page, base, outDir, a11y, log, setStep: (s) => (step = s) });
    step = "pages";
    await page.goto(`${base}/alerts`);
    await rows.first().waitFor();
    const detailPath = new URL(await rows.first().getByTestId("alert-title").evaluate((a) => a.href)).pathname;
    const incidentPath = new URL(incidentURL).pathname;
    const entityPagePath = new URL(await page.getByTestId("entity-page-link").first().evaluate((a) => a.href)).pathname;
    const pages = [
      ["alerts", "/alerts", () => rows.first().waitFor()],
      ["alert", detailPath, () => page.getByRole("heading", { level: 1 }).waitFor()],
      ["account", "/account", () => page.getByRole("heading", { level: 1, name: "Account" }).waitFor()],
      ["api-keys", "/settings/api-keys", () => page.getByRole("button", { name: "Create key" }).waitFor()],
      ["members", "/settings/members", () => page.getByRole("heading", { level: 1, name: "Members" }).waitFor()],
      ["audit", "/settings/audit", () => page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor()],
      ["sources", "/settings/sources", () => page.getByTestId("source-row").first().waitFor()],
      ["roles", "/settings/roles", () => page.getByRole("button", { name: "Create role" }).waitFor()],
      ["sso", "/settings/sso", () => page.getByTestId("oidc-state").waitFor()],
      ["policies", "/settings/policies", () => page.getByRole("button", { name: "Save policy" }).waitFor()],
      ["health", "/health", () => page.getByText("Overall:").first().waitFor()],
      ["incidents", "/incidents", () => page.getByTestId("incident-row").first().waitFor()],
      ["incident", incidentPath, () => page.getByTestId("linked-alert").first().waitFor()],
      ["entity", entityPagePath, () => page.getByTestId("entity-graph").waitFor()],
      ["correlation-rules", "/correlation/rules", () => page.getByTestId("rule-row").first().waitFor()],
      ["suppressions", "/correlation/suppressions", () => page.getByRole("heading", { level: 1, name: "Suppressions" }).waitFor()],
      ["incident-metrics", "/incidents/metrics", () => page.getByTestId("metrics-row").first().waitFor()],
      ["api-reference", "/docs/api", () => page.getByTestId("api-operation").first().waitFor()],
      ["intel", "/intel", () => page.getByTestId("indicator-row").first().waitFor()],
      ["intel-indicator", indicatorPath, () => page.getByTestId("indicator-match").first().waitFor()],
      ["intel-import", "/intel/import", () => page.getByRole("button", { name: "Import", exact: true }).waitFor()],
      ["intel-feeds", "/intel/feeds", () => page.getByTestId("feed-row").first().waitFor()],
      ["intel-allowlist", "/intel/allowlist", () => page.getByRole("heading", { level: 1, name: "Intel allowlist" }).waitFor()],
    ];
    for (const width of [1280, 768]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path, ready] of pages) {
        step = `${name}@${width}`;
        await page.goto(`${base}${path}`);
        await ready();
        await net.idle();
        const over = await page.evaluate(() => {
          const out = [];
          const w = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth > w + 1) out.push(`page ${document.documentElement.scrollWidth}px`);
          for (const el of document.querySelectorAll("main, main table, main section, main form")) {
            const r = el.getBoundingClientRect();
            const scroller = el.closest("[data-scroll-x]");
            if (!scroller && r.right > w + 1) out.push(`${el.tagName.toLowerCase()}${el.getAttribute("aria-label") ? `[${el.getAttribute("aria-label")}]` : ""} ends at ${Math.round(r.right)}px`);
          }
          return out;
        });
        if (over.length) problems.push(`[${step}] wider than the ${width}px window: ${over.slice(0, 3).join(", ")}`);
        await page.screenshot({ path: join(outDir, `page-${name}-${width}.png`), fullPage: true });
        await a11y(page, step);
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    // Languages and time zones: the admin picks German and Asia/Tokyo; the
    // alert list and an incident page are German and times are in Tokyo
    // (UTC in the tooltip); clearing the choice brings English back.
    step = "german";
    {
      const prefs = (body) =>
        page.evaluate(
          async (b) => (await fetch("/api/v1/auth/preferences", { method: "PUT", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(b) })).status,
          body,
        );
      const put = await prefs({ language: "de", timezone: "Asia/Tokyo" });
      if (put !== 200) throw new Error(`set preferences: HTTP ${put}`);
      await page.goto(`${base}/alerts`);
      await page.getByRole("heading", { level: 1, name: "Alarme" }).waitFor();
      await page.getByRole("navigation", { name: "Hauptmenü" }).getByRole("link", { name: "Vorfälle" }).waitFor();
      await page.getByTestId("alert-row").first().waitFor();
      const cell = await page.getByTestId("alert-row").first().locator("time").first().evaluate((el) => ({ iso: el.getAttribute("datetime"), shown: el.textContent, title: el.getAttribute("title") }));
      const want = new Intl.DateTimeFormat("de", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: "Asia/Tokyo" }).format(new Date(cell.iso));
      const utc = `${new Date(cell.iso).toISOString().replace("T", " ").slice(0, 19)} UTC`;
      if (cell.shown !== want || cell.title !== utc) throw new Error(`event time ${cell.iso} shown as ${cell.shown} (want ${want}), title ${cell.title} (want ${utc})`);
      await a11y(page, "alerts-de");
      log(`German alert list; event time ${cell.iso} shown as ${cell.shown} (Asia/Tokyo), ${cell.title} on hover`);
      const incs = await api(page, "incidents?limit=1");
      const incID = incs.body?.items?.[0]?.id;
      if (!incID) throw new Error(`no incident to open: ${JSON.stringify(incs)}`);
      await page.goto(`${base}/incidents/${incID}`);
      await page.getByText("Zusammenfassung", { exact: true }).first().waitFor();
      await a11y(page, "incident-de");
      await page.screenshot({ path: join(outDir, "incident-de.png"), fullPage: true });
      log("German incident page");
      if ((await prefs({ language: "", timezone: "" })) !== 200) throw new Error("clear preferences");
      await page.goto(`${base}/alerts`);
      await page.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
      log("preferences cleared: English again");
    }

    step = "warroom";
    await (await import("./warroom.mjs")).warroom({ base, outDir, executablePath, password, axeSource, problems, log });

    step = "done";
  } catch (e) {
    await page.screenshot({ path: join(outDir, "failure.png"), fullPage: true }).catch(() => undefined);
    throw new Error(`step ${step}: ${e instanceof Error ? e.message : e}`);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
  if (problems.length) throw new Error(`browser reported problems:\n  ${problems.join("\n  ")}`);
  log(`passed; screenshots in ${outDir}`);
}

main().catch((e) => {
  console.error(`e2e: FAILED: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
