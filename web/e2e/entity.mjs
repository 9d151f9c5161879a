// Browser scenario of the entity page (issue 10), called from triage.mjs
// with the signed-in analyst's page: from an alert's entity chip to the
// entity page; summary, alerts, the SVG relations graph walked by keyboard
// (arrows, Home/End, Enter opens a node) and grown with "load more" (the
// API's cursor); a tag and a note added, the note edited with its history;
// axe and screenshots at 1280 and 768 px.
import { join } from "node:path";

export async function entityPage(t) {
  const { page, base, outDir, a11y, api, log, setStep } = t;
  setStep("entity-page");
  // The busiest entity of the newest alerts, so its graph has more to load.
  const list = (await api(page, "alerts?limit=20")).body?.items ?? [];
  const seen = new Map();
  for (const a of list) for (const e of a.entities ?? []) if (seen.size < 12) seen.set(`${e.type}:${e.value}`, e);
  let best = null;
  for (const e of seen.values()) {
    const id = (await api(page, `entities/lookup?type=${encodeURIComponent(e.type)}&value=${encodeURIComponent(e.value)}`)).body?.id;
    if (!id) continue;
    const n = (await api(page, `entities/${id}`)).body?.alerts?.count ?? 0;
    if (!best || n > best.n) best = { ...e, id, n };
  }
  if (!best) throw new Error("no entity on the newest alerts");

  // The chip next to the entity in the alert list opens its page.
  await page.goto(`${base}/alerts?entity=${encodeURIComponent(`${best.type}:${best.value}`)}`);
  await page.getByTestId("alert-row").first().waitFor();
  await page.getByRole("link", { name: `Entity page of ${best.type} ${best.value}` }).first().click();
  await page.waitForURL(/\/entities\//);
  await page.getByRole("heading", { level: 1, name: `${best.type} ${best.value}` }).waitFor();
  const count = (await page.getByTestId("entity-alert-count").innerText()).trim();
  if (count.replace(/[,+]/g, "") !== String(best.n)) throw new Error(`summary says ${count} alerts, the API ${best.n}`);
  await page.getByTestId("entity-alert").first().waitFor();
  const graph = page.getByTestId("entity-graph");
  await graph.waitFor();
  const nodes = page.getByTestId("graph-node");
  const before = await nodes.count();
  if (before < 2) throw new Error(`graph has ${before} nodes`);

  // Keyboard: one tab stop, arrows walk the nodes, Enter opens one.
  await nodes.first().focus();
  const focus = page.getByTestId("graph-focus");
  const rootText = await focus.innerText();
  await page.keyboard.press("ArrowRight");
  await focus.filter({ hasText: /^alert / }).waitFor();
  const tabStops = await nodes.evaluateAll((els) => els.filter((el) => el.getAttribute("tabindex") === "0").length);
  if (tabStops !== 1) throw new Error(`${tabStops} graph nodes are tab stops, want 1`);
  await page.keyboard.press("End");
  await page.keyboard.press("Home");
  await focus.filter({ hasText: rootText }).waitFor();
  log(`entity ${best.type}:${best.value} (${best.n} alerts): graph of ${before} nodes; arrows, Home and End move the focus, one tab stop`);

  setStep("entity-graph-more");
  const more = page.getByTestId("graph-more").getByRole("button").first();
  if (await more.count()) {
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="graph-node"]').length > n, before);
    log(`load more around a truncated node: ${before} → ${await nodes.count()} nodes (the API's cursor)`);
  } else log("no truncated node in this graph (every neighbour fits the fan-out)");

  setStep("entity-annotate");
  await page.getByLabel("Add entity tag").fill("E2E-Watch");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByTestId("entity-tags").filter({ hasText: "e2e-watch" }).waitFor();
  await page.getByLabel("New note on this entity").fill("Seen scanning the DMZ");
  await page.getByRole("button", { name: "Add note" }).click();
  const note = page.getByTestId("entity-note").filter({ hasText: "Seen scanning the DMZ" }).first();
  await note.waitFor();
  await note.getByRole("button", { name: "Edit" }).click();
  await note.getByLabel("Edit note").fill("Seen scanning the DMZ from 02:00 to 03:00");
  await note.getByRole("button", { name: "Save" }).click();
  const edited = page.getByTestId("entity-note").filter({ hasText: "from 02:00 to 03:00" }).first();
  await edited.getByRole("button", { name: "History" }).click();
  await edited.getByTestId("note-history").filter({ hasText: "Seen scanning the DMZ" }).waitFor();
  log("entity tag added (lower-cased), note added and edited, its history shows the earlier text");

  for (const width of [1280, 768]) {
    await page.setViewportSize({ width, height: 900 });
    await graph.waitFor();
    await page.screenshot({ path: join(outDir, `entity-${width}.png`), fullPage: true });
    await a11y(page, `entity page @${width}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  setStep("entity-open-node");
  await nodes.first().focus();
  await page.keyboard.press("ArrowRight");
  await focus.filter({ hasText: /^alert / }).waitFor();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/alerts\/[0-9a-f-]+$/);
  await page.getByTestId("entity-link").first().waitFor();
  log("Enter on an alert node opens the alert; its entities link to their pages");
}
