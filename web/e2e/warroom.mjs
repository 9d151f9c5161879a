// Browser test of the incident war room (issue 10), called by e2e/run.mjs
// after its own scenarios, or run alone against a server with demo data:
//   SECURENEXUS_E2E_BLOB_DIR=<data-dir>/blobs node e2e/warroom.mjs http://127.0.0.1:8080 [outDir]
//
// Two users in two browser contexts on one incident: what one does (note,
// alerts joining, status, assignee, task, evidence) appears live for the
// other without a reload, and the other's half-written note, focus, scroll
// position and alert selection are kept. Then the evidence tamper test: a
// stored blob is changed behind the server's back, the download is refused
// with a clear message, the custody log and the audit log show the
// integrity failure, and the signed manifest is saved for the Go side to
// verify (SECURENEXUS_E2E_MANIFEST). axe (serious/critical) and console
// errors are checked on each new panel at 1280 and 768 px.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** findBlob returns the file under dir whose bytes equal want (the stored evidence). */
function findBlob(dir, want) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size === want.length && readFileSync(p).equals(want)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * warroom runs the war room scenarios.
 * opts: base, outDir, executablePath, password, axeSource, problems (array
 * the caller fails on), log, blobDir (the server's local blob directory),
 * manifestOut (where to save the exported manifest and signing key).
 */
export async function warroom(opts) {
  const { base, outDir, problems, log } = opts;
  const blobDir = opts.blobDir ?? process.env.SECURENEXUS_E2E_BLOB_DIR ?? "";
  const manifestOut = opts.manifestOut ?? process.env.SECURENEXUS_E2E_MANIFEST ?? join(outDir, "warroom-manifest.json");
  const password = opts.password ?? "demo-password-change-me";
  const axeSource = opts.axeSource ?? readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  let step = "warroom-launch";
  const allowed = []; // [stepPrefix, RegExp] console errors expected in a step
  const browser = await chromium.launch({ executablePath: opts.executablePath ?? process.env.SECURENEXUS_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ARGS });

  async function user(name, email) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true, reducedMotion: "reduce" });
    ctx.setDefaultTimeout(15_000);
    await ctx.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const page = await ctx.newPage();
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      const text = m.text();
      if (allowed.some(([s, re]) => step.startsWith(s) && re.test(text))) return;
      problems.push(`[${step} ${name}] console error: ${text}`);
    });
    page.on("pageerror", (e) => problems.push(`[${step} ${name}] page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      const why = r.failure()?.errorText ?? "";
      if (why === "net::ERR_ABORTED") return;
      problems.push(`[${step} ${name}] request failed: ${r.url()} ${why}`);
    });
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/alerts$/);
    const me = await (await ctx.request.get(`${base}/api/v1/auth/me`)).json();
    // The org the UI selected (it stores it once the session loads), else the first.
    await page.waitForFunction(() => localStorage.getItem("securenexus.org") !== null).catch(() => undefined);
    const org = (await page.evaluate(() => localStorage.getItem("securenexus.org"))) ?? me.orgs?.[0]?.id;
    if (!org) throw new Error(`${email} has no org`);
    /** call is an API call with the user's session (not through the page: no console noise). */
    const call = async (method, path, body) => {
      const res = await ctx.request.fetch(`${base}/api/v1/${path}`, { method, headers: { "X-Org-ID": org, Accept: "application/json" }, data: body });
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${text.slice(0, 300)}`);
      return json;
    };
    return { name, ctx, page, org, me, call, id: me.user?.id ?? me.id };
  }

  async function a11y(page, name) {
    const found = await page.evaluate(
      `${axeSource}\n;axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => v.id + " x" + v.nodes.length + ": " + v.help + " (" + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ") + ")"))`,
    );
    for (const v of found) problems.push(`[${name}] accessibility: ${v}`);
    log(`${name}: ${found.length} serious accessibility violations`);
  }

  async function shot(page, file) {
    await page.screenshot({ path: join(outDir, file), fullPage: true });
  }

  try {
    step = "warroom-login";
    const a = await user("analyst", opts.emailA ?? "analyst@acme.example");
    const b = await user("admin", opts.emailB ?? "admin@acme.example");

    step = "warroom-setup";
    // Two alerts to join the incident live: detached from incidents that keep others.
    const free = [];
    for (const inc of (await a.call("GET", "incidents?limit=200")).items ?? []) {
      if (free.length === 2) break;
      if (inc.merged_into || inc.alert_count < 2 || ["resolved", "closed"].includes(inc.status)) continue;
      const linked = (await a.call("GET", `incidents/${inc.id}/alerts?limit=10`)).items ?? [];
      const al = linked[linked.length - 1];
      if (!al) continue;
      await a.call("DELETE", `incidents/${inc.id}/alerts/${al.alert_id}`);
      free.push(al);
    }
    if (free.length < 2) throw new Error(`only ${free.length} alerts could be freed for the war room`);
    const created = await a.call("POST", "incidents", { title: "E2E war room", description: "Two analysts, one incident.", severity: "high" });
    const incidentID = created.id;
    const url = `${base}/incidents/${incidentID}`;
    log(`war room incident ${incidentID}; alerts to join: ${free.map((x) => x.title).join(" / ")}`);

    const paths = (await a.call("GET", "openapi.json")).paths ?? {};
    const has = (p) => `/api/v1/incidents/{id}${p}` in paths;
    const caps = { presence: has("/presence"), decisions: has("/decisions"), timeline: has("/timeline/items"), review: has("/review"), report: has("/report") };
    log(`server has: ${Object.entries(caps).filter(([, v]) => v).map(([k]) => k).join(", ") || "none of the later war room operations"}`);

    step = "warroom-open";
    for (const u of [a, b]) {
      await u.page.goto(url);
      await u.page.getByRole("heading", { level: 1, name: "E2E war room" }).waitFor();
      await u.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
    }
    log("both users on the incident, stream live");

    if (caps.presence) {
      step = "warroom-presence";
      for (const u of [a, b]) {
        const group = u.page.getByTestId("presence");
        await u.page.waitForFunction(() => document.querySelectorAll('[data-testid="presence-viewer"]').length >= 2);
        const label = (await group.getAttribute("aria-label")) ?? "";
        if (!label.includes("Alan Analyst") || !label.includes("Ada Admin")) throw new Error(`${u.name} sees presence "${label}"`);
      }
      log(`presence: both see ${await b.page.getByTestId("presence").getAttribute("aria-label")}`);
    }

    step = "warroom-live-note";
    // B starts a note and scrolls; A writes a note; B sees it and keeps everything.
    const bNote = b.page.getByLabel("Note", { exact: true });
    const half = "Half-written by Ada: checking the proxy logs for";
    await bNote.fill(half);
    await b.page.evaluate(() => {
      window.__warroomNoReload = true;
      document.getElementById("main").scrollTop = 180;
    });
    const before = await b.page.evaluate(() => ({ y: document.getElementById("main").scrollTop, top: document.getElementById("note-body")?.getBoundingClientRect().top ?? 0 }));
    const aNote = a.page.getByLabel("Note", { exact: true });
    await aNote.fill("Live from Alan: blocked the sender domain");
    await a.page.getByRole("button", { name: "Add note" }).click();
    await b.page.getByTestId("note").filter({ hasText: "Live from Alan: blocked the sender domain" }).waitFor();
    const after = await b.page.evaluate(() => ({
      kept: window.__warroomNoReload === true,
      y: document.getElementById("main").scrollTop,
      top: document.getElementById("note-body")?.getBoundingClientRect().top ?? 0,
      value: document.getElementById("note-body")?.value,
      focused: document.activeElement?.id,
    }));
    if (!after.kept) throw new Error("B's page reloaded");
    if (after.value !== half) throw new Error(`B's half-written note is now ${JSON.stringify(after.value)}`);
    if (after.focused !== "note-body") throw new Error(`B's focus moved to ${after.focused}`);
    if (before.y < 100) throw new Error(`B's page did not scroll (${before.y}px)`);
    if (Math.abs(after.y - before.y) > 2 || Math.abs(after.top - before.top) > 2) throw new Error(`B's view moved: scroll ${before.y}→${after.y}, note box ${before.top}→${after.top}`);
    await b.page.getByTestId("note").filter({ hasText: "Live from Alan" }).getByText("NEW").waitFor();
    log(`A's note appeared live for B; B kept the half-written note, focus and scroll (${after.y}px)`);

    step = "warroom-live-alerts";
    // Alerts join live; B's selection survives the next one joining.
    await a.call("POST", `incidents/${incidentID}/alerts`, { alert_ids: [free[0].alert_id] });
    const bRows = b.page.getByTestId("linked-alert");
    const row0 = bRows.filter({ has: b.page.locator(`a[href="/alerts/${free[0].alert_id}"]`) });
    await row0.waitFor();
    await row0.getByRole("checkbox").click();
    await a.call("POST", `incidents/${incidentID}/alerts`, { alert_ids: [free[1].alert_id] });
    await bRows.filter({ has: b.page.locator(`a[href="/alerts/${free[1].alert_id}"]`) }).waitFor();
    if ((await row0.getByRole("checkbox").getAttribute("aria-checked")) !== "true") throw new Error("B's alert selection was lost");
    await b.page.getByRole("heading", { name: "Alerts (2)" }).waitFor();
    log("two alerts joined live; B's selection kept");

    step = "warroom-live-status";
    await a.page.getByRole("group", { name: "Status transitions" }).getByRole("button", { name: "Acknowledge" }).click();
    await b.page.getByRole("group", { name: "Status transitions" }).getByRole("button", { name: "Investigate" }).waitFor();
    await a.page.getByRole("button", { name: "Assign incident to me" }).click();
    await b.page.waitForFunction((id) => document.getElementById("inc-assignee")?.value === id, a.id);
    log("status and assignee changes appeared live");

    step = "warroom-live-task";
    await a.page.getByLabel("New task").fill("Live task: reset the user's password");
    await a.page.getByRole("button", { name: "Add task" }).click();
    await b.page.getByTestId("task").filter({ hasText: "Live task: reset the user's password" }).waitFor();
    log("task appeared live");

    step = "warroom-live-evidence";
    await a.page.getByLabel("Evidence file").setInputFiles({ name: "live-header.txt", mimeType: "text/plain", buffer: Buffer.from("Received: from mail.evil.example\n") });
    await b.page.getByTestId("evidence").filter({ hasText: "live-header.txt" }).waitFor();
    log("evidence appeared live");

    step = "warroom-live-kept";
    const end = await b.page.evaluate(() => ({ kept: window.__warroomNoReload === true, value: document.getElementById("note-body")?.value }));
    if (!end.kept || end.value !== half) throw new Error(`after all live changes: reloaded=${!end.kept} note=${JSON.stringify(end.value)}`);
    // B finishes the note; A sees it.
    await bNote.press("End");
    await bNote.pressSequentially(" the sender domain.");
    await b.page.getByRole("button", { name: "Add note" }).click();
    await a.page.getByTestId("note").filter({ hasText: `${half} the sender domain.` }).waitFor();
    log("B's finished note appeared live for A");

    if (caps.decisions) {
      step = "warroom-decisions";
      await b.page.getByTestId("decisions-empty").waitFor();
      const aNoteItem = a.page.getByTestId("note").filter({ hasText: "Live from Alan: blocked the sender domain" });
      await aNoteItem.getByRole("button", { name: "Mark as decision" }).click();
      await aNoteItem.getByRole("button", { name: "Unmark decision" }).waitFor();
      await b.page.getByTestId("note").filter({ hasText: "Live from Alan" }).getByText("DECISION", { exact: true }).waitFor();
      await b.page.getByTestId("decision-log").getByText("Live from Alan: blocked the sender domain").waitFor();
      log("A marked a note as a decision; B sees the badge and the decision log live");
    }

    if (caps.timeline) {
      step = "warroom-timeline";
      const tl = b.page.getByTestId("war-timeline");
      await tl.getByTestId("timeline-item").first().waitFor();
      const n0 = await tl.getByTestId("timeline-item").count();
      // A adds an analyst entry with a linked entity; B sees it live.
      await a.page.getByTestId("war-timeline").getByRole("button", { name: "Add entry…" }).click();
      await a.page.getByLabel("What happened").fill("Analyst entry: phishing mail opened by the user");
      await a.page.getByLabel("Category", { exact: true }).selectOption("initial-access");
      await a.page.getByLabel("Linked entities (type:value, comma-separated)").fill("ip:203.0.113.99, user:bob");
      await a.page.getByRole("button", { name: "Add entry", exact: true }).click();
      const entry = tl.getByTestId("timeline-item").filter({ hasText: "Analyst entry: phishing mail opened by the user" });
      await entry.waitFor();
      log(`timeline: ${n0} items; A's analyst entry appeared live for B`);
      // Filters: the entity chip filters by it; a category chip; clear.
      await entry.getByRole("button", { name: "ip:203.0.113.99" }).click();
      await b.page.waitForFunction(() => document.querySelectorAll('[data-testid="war-timeline"] [data-testid="timeline-item"]').length === 1);
      await tl.getByRole("button", { name: "Clear filters" }).click();
      await tl.getByRole("group", { name: "Filter by category" }).getByRole("button", { name: "note", exact: true }).click();
      await b.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="war-timeline"] [data-testid="timeline-item"]')].every((e) => e.textContent.includes("note")));
      await tl.getByRole("button", { name: "Clear filters" }).click();
      await b.page.waitForFunction((n) => document.querySelectorAll('[data-testid="war-timeline"] [data-testid="timeline-item"]').length > n, n0);
      log("timeline filters: by entity (1 item), by category note, cleared");
      // The time axis by keyboard: End selects the last item, + zooms, 0 shows all, Enter shows it in the list.
      const axis = tl.getByRole("group", { name: /^Time axis/ });
      await axis.focus();
      await b.page.keyboard.press("End");
      await tl.getByTestId("time-axis-current").filter({ hasText: /^\d+ of \d+:/ }).waitFor();
      await b.page.keyboard.press("+");
      await tl.getByRole("button", { name: "Show all" }).and(b.page.locator(":enabled")).waitFor();
      await b.page.keyboard.press("Home");
      await tl.getByTestId("time-axis-current").filter({ hasText: /^1 of / }).waitFor();
      await b.page.keyboard.press("0");
      await tl.getByRole("button", { name: "Show all" }).and(b.page.locator(":disabled")).waitFor();
      await b.page.keyboard.press("ArrowRight");
      await b.page.keyboard.press("Enter");
      if (!(await b.page.evaluate(() => document.activeElement?.getAttribute("data-testid") === "timeline-item"))) throw new Error("Enter on the axis did not show the item in the list");
      log("time axis: End, +, Home, 0, → and Enter by keyboard");
      // B annotates A's entry; A sees it.
      await entry.getByRole("button", { name: "Annotate" }).click();
      await entry.getByRole("textbox").fill("Confirmed with the mail gateway logs");
      await entry.getByRole("button", { name: "Save" }).click();
      await a.page.getByTestId("war-timeline").getByTestId("annotation").filter({ hasText: "Confirmed with the mail gateway logs" }).waitFor();
      log("B's annotation appeared live for A");
      // Export JSON and CSV.
      for (const fmt of ["JSON", "CSV"]) {
        const dl = b.page.waitForEvent("download");
        await tl.getByRole("button", { name: `Export ${fmt}` }).click();
        const f = await dl;
        const path = join(outDir, `warroom-timeline.${fmt.toLowerCase()}`);
        await f.saveAs(path);
        const text = readFileSync(path, "utf8");
        if (!text.includes("Analyst entry: phishing mail opened by the user")) throw new Error(`timeline ${fmt} export lacks the analyst entry`);
      }
      log("timeline exported as JSON and CSV (both hold the analyst entry)");
    }

    step = "warroom-panels";
    for (const width of [1280, 768]) {
      await b.page.setViewportSize({ width, height: 900 });
      step = `warroom-panels@${width}`;
      await b.page.getByTestId("live-indicator").click();
      await b.page.getByTestId("live-activity").getByText(/added a note/).first().waitFor();
      await a11y(b.page, `war room live panel@${width}`);
      await shot(b.page, `warroom-live-${width}.png`);
      await b.page.keyboard.press("Escape");
      await b.page.getByRole("region", { name: "Live activity" }).waitFor({ state: "detached" });
      if (caps.timeline) {
        await b.page.getByTestId("war-timeline").scrollIntoViewIfNeeded();
        await b.page.getByTestId("war-timeline").screenshot({ path: join(outDir, `warroom-timeline-${width}.png`) });
      }
      if (caps.decisions) await b.page.getByTestId("decision-log").screenshot({ path: join(outDir, `warroom-decisions-${width}.png`) });
      if (caps.presence) await b.page.getByTestId("presence").screenshot({ path: join(outDir, `warroom-presence-${width}.png`) });
      await shot(b.page, `warroom-${width}.png`);
    }
    await b.page.setViewportSize({ width: 1280, height: 900 });
    if (!(await b.page.url()).endsWith(incidentID)) throw new Error("Esc in the live panel left the page");

    step = "warroom-tamper";
    if (!blobDir) throw new Error("SECURENEXUS_E2E_BLOB_DIR is not set: the tamper test needs the server's local blob directory");
    const content = Buffer.from(`forensic image chunk ${incidentID}\n`);
    await a.page.getByLabel("Evidence file").setInputFiles({ name: "tamper-me.txt", mimeType: "text/plain", buffer: content });
    const bEv = b.page.getByTestId("evidence").filter({ hasText: "tamper-me.txt" });
    await bEv.waitFor();
    const files = findBlob(resolve(blobDir), content);
    if (files.length !== 1) throw new Error(`found ${files.length} stored copies of the evidence under ${blobDir}`);
    writeFileSync(files[0], Buffer.from(`forensic image chunk ${incidentID}X`)); // same length, one byte changed
    log(`changed the stored blob ${files[0]} behind the server's back`);
    // The download is refused (409) with a clear message; the browser logs the 409.
    allowed.push(["warroom-tamper", /status of 409/]);
    await bEv.getByRole("button", { name: "Download tamper-me.txt" }).click();
    const refused = b.page.getByTestId("evidence-error").filter({ hasText: /integrity/i });
    await refused.waitFor();
    log(`download refused: ${(await refused.innerText()).replace(/\s+/g, " ").slice(0, 160)}`);
    await bEv.getByText("INTEGRITY FAILED").waitFor();
    await bEv.getByRole("button", { name: /^Custody/ }).click();
    await bEv.getByTestId("custody").getByText("integrity_failed").first().waitFor();
    await a11y(b.page, "war room tamper");
    await shot(b.page, "warroom-tamper.png");
    log("custody log shows integrity_failed");
    // A's page learnt about it live, too.
    await a.page.getByTestId("evidence").filter({ hasText: "tamper-me.txt" }).getByText("INTEGRITY FAILED").waitFor();

    step = "warroom-audit";
    await b.page.goto(`${base}/settings/audit`);
    await b.page.getByLabel("Action prefix").fill("evidence.integrity");
    await b.page.getByRole("button", { name: "Apply" }).click();
    await b.page.getByRole("table", { name: "Audit entries" }).getByText("evidence.integrity_failed").first().waitFor();
    await shot(b.page, "warroom-audit.png");
    log("audit log shows evidence.integrity_failed");

    step = "warroom-manifest";
    await b.page.goto(url);
    await b.page.getByTestId("evidence").first().waitFor();
    const dl = b.page.waitForEvent("download");
    await b.page.getByRole("button", { name: "Export signed manifest" }).click();
    const file = await dl;
    mkdirSync(resolve(manifestOut, ".."), { recursive: true });
    await file.saveAs(manifestOut);
    const key = await b.call("GET", "evidence-signing-key");
    writeFileSync(`${manifestOut}.key.json`, JSON.stringify(key));
    const m = JSON.parse(readFileSync(manifestOut, "utf8"));
    const arts = m.manifest?.artifacts ?? [];
    log(`manifest saved (${arts.length} artifacts, ${arts.filter((x) => x.integrity === "failed").length} failed) to ${manifestOut}`);
    if (caps.review) {
      step = "warroom-review";
      await a.page.goto(url);
      await a.page.getByRole("heading", { level: 1, name: "E2E war room" }).waitFor();
      await a.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
      await a.page.getByRole("group", { name: "Status transitions" }).getByRole("button", { name: "Resolve" }).click();
      const dispo = a.page.getByRole("dialog", { name: "Resolve incident" });
      await dispo.getByLabel("True positive", { exact: true }).check();
      await dispo.getByRole("button", { name: "Resolve" }).click();
      // The review panel appears for both once the incident is resolved.
      for (const u of [a, b]) await u.page.getByTestId("review-empty").waitFor();
      await a.page.getByRole("button", { name: "Write review" }).click();
      await a.page.getByLabel("Root cause").fill("Alan's draft root cause");
      await b.page.getByRole("button", { name: "Write review" }).click();
      await b.page.getByLabel("Root cause").fill("A user opened a phishing mail with a macro document.");
      await b.page.getByLabel("Impact").fill("One workstation; no data left the network.");
      await b.page.getByLabel("Lessons learned").fill("Block macros from the internet.");
      await b.page.getByLabel("Existing task as a follow-up").selectOption({ label: "Live task: reset the user's password" });
      await b.page.getByRole("button", { name: "Add task", exact: true }).last().click();
      await b.page.getByLabel("New follow-up task").fill("Roll out the macro policy");
      await b.page.getByRole("button", { name: "Add new" }).click();
      await a11y(b.page, "war room review form");
      await b.page.getByRole("button", { name: "Save review" }).click();
      await b.page.getByTestId("review-view").getByText("Roll out the macro policy").waitFor();
      // A's open draft is not overwritten: A is told a newer version exists.
      await a.page.getByTestId("review-conflict").waitFor();
      if ((await a.page.getByLabel("Root cause").inputValue()) !== "Alan's draft root cause") throw new Error("A's review draft was overwritten");
      await a.page.getByRole("button", { name: /^Load version/ }).click();
      if ((await a.page.getByLabel("Root cause").inputValue()) !== "A user opened a phishing mail with a macro document.") throw new Error("loading the newer review did not replace the draft");
      await a.page.getByLabel("Impact").fill("One workstation; no data left the network. Mail gateway rule added.");
      await a.page.getByRole("button", { name: "Save review" }).click();
      await b.page.getByTestId("review-view").getByText("Mail gateway rule added.").waitFor();
      // The new follow-up is an ordinary task of the incident, live on A's page too.
      await a.page.getByTestId("task").filter({ hasText: "Roll out the macro policy" }).waitFor();
      for (const width of [1280, 768]) {
        await b.page.setViewportSize({ width, height: 900 });
        await a11y(b.page, `war room review@${width}`);
        await b.page.getByTestId("review").screenshot({ path: join(outDir, `warroom-review-${width}.png`) });
      }
      await b.page.setViewportSize({ width: 1280, height: 900 });
      log("review: written by B with an existing and a new follow-up; A's stale draft told of v1, reloaded, saved v2; both live");
    }

    if (caps.report) {
      step = "warroom-report";
      for (const [label, ext] of [["Markdown", "md"], ["PDF", "pdf"]]) {
        const dl = b.page.waitForEvent("download");
        await b.page.getByRole("button", { name: `Download report (${label})` }).click();
        const f = await dl;
        const path = join(outDir, `warroom-report.${ext}`);
        await f.saveAs(path);
        const body = readFileSync(path);
        if (ext === "pdf" ? body.subarray(0, 5).toString() !== "%PDF-" : !body.toString().includes("E2E war room")) throw new Error(`the ${label} report is not what it should be (${body.length} bytes)`);
        log(`report downloaded as ${f.suggestedFilename()} (${body.length} bytes)`);
      }
    }

    step = "warroom-done";
  } catch (e) {
    throw new Error(`step ${step}: ${e instanceof Error ? e.message : e}`);
  } finally {
    await browser.close();
  }
}

// Run alone: node e2e/warroom.mjs <baseURL> [outDir]
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const base = (process.argv[2] ?? "").replace(/\/$/, "");
  const outDir = resolve(process.argv[3] ?? join(import.meta.dirname, "out"));
  mkdirSync(outDir, { recursive: true });
  const problems = [];
  warroom({ base, outDir, problems, log: (m) => console.log(`e2e: ${m}`) })
    .then(() => {
      if (problems.length) throw new Error(`browser reported problems:\n  ${problems.join("\n  ")}`);
      console.log("e2e: war room passed");
    })
    .catch((e) => {
      console.error(`e2e: FAILED: ${e instanceof Error ? e.message : e}${problems.length ? `\n  ${problems.join("\n  ")}` : ""}`);
      process.exit(1);
    });
}
