import assert from "node:assert/strict";
import { json, startAdminServer } from "../../src/admin/mod.ts";
import { Metrics } from "../../src/observability/mod.ts";

Deno.test("admin server", async (t) => {
  const metrics = new Metrics({ eventLoopLagIntervalMs: 0, version: "9.9.9", nodeId: 3 });
  let healthy = true;
  const admin = startAdminServer({
    hostname: "127.0.0.1",
    port: 0,
    metrics: () => metrics.text(),
    metricsContentType: metrics.contentType,
    health: () => ({ ok: healthy, nodeId: 3 }),
  });
  const base = `http://127.0.0.1:${admin.port}`;
  try {
    await t.step("GET /metrics serves the registry", async () => {
      metrics.server.requestStarted(0);
      metrics.server.requestFinished(0, 0.002, false);
      const response = await fetch(`${base}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /text\/plain/);
      const text = await response.text();
      assert.match(text, /chronik_requests_total\{api="produce"\} 1/);
      assert.match(text, /chronik_build_info\{version="9\.9\.9",node_id="3"\} 1/);
    });
    await t.step("GET /health: 200 when ok, 503 when not", async () => {
      let response = await fetch(`${base}/health`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { ok: true, nodeId: 3 });
      healthy = false;
      response = await fetch(`${base}/health`);
      assert.equal(response.status, 503);
      assert.equal((await response.json()).ok, false);
    });
    await t.step("404, 405 and added routes", async () => {
      let response = await fetch(`${base}/nope`);
      assert.equal(response.status, 404);
      await response.body?.cancel();
      response = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
      assert.equal(response.status, 405);
      await response.body?.cancel();
      admin.route("GET", "/status", () => json({ leader: 1 }));
      response = await fetch(`${base}/status`);
      assert.deepEqual(await response.json(), { leader: 1 });
    });
  } finally {
    await admin.close();
    metrics.close();
  }
});
