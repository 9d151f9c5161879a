// trackNetwork counts a page's requests in flight, leaving out long-lived
// live streams (GET /api/v1/stream), so a test can wait until the page has
// loaded what it needs: Playwright's "networkidle" never comes while a
// page holds its live stream open.
export function trackNetwork(page, ignore = /\/api\/v1\/stream(\?|$)/) {
  const inflight = new Set();
  page.on("request", (r) => {
    if (!ignore.test(r.url())) inflight.add(r);
  });
  const done = (r) => inflight.delete(r);
  page.on("requestfinished", done);
  page.on("requestfailed", done);
  return {
    /** idle resolves once no tracked request has been in flight for quietMs. */
    async idle({ quietMs = 500, timeout = 15_000 } = {}) {
      await page.waitForLoadState("load");
      const start = Date.now();
      let quiet = Date.now();
      while (Date.now() - start < timeout) {
        if (inflight.size) quiet = Date.now();
        else if (Date.now() - quiet >= quietMs) return;
        await page.waitForTimeout(50);
      }
      throw new Error(`requests still in flight after ${timeout} ms: ${[...inflight].slice(0, 3).map((r) => r.url()).join(", ")}`);
    },
  };
}
