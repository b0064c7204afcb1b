import assert from "node:assert/strict";
import { logger, setupLogging, teardownLogging } from "../../src/observability/mod.ts";

Deno.test("logging", async (t) => {
  await t.step("text lines carry level, category and message; level filters", async () => {
    const lines: string[] = [];
    await setupLogging({ level: "info", format: "text", write: (l) => lines.push(l) });
    try {
      logger("server").debug("hidden");
      logger("server").info("listening on {port}", { port: 9092 });
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /INF/);
      assert.match(lines[0]!, /chronik\.server/);
      assert.match(lines[0]!, /listening on 9092/);
    } finally {
      await teardownLogging();
    }
  });
  await t.step("json lines parse and keep properties", async () => {
    const lines: string[] = [];
    await setupLogging({ level: "debug", format: "json", write: (l) => lines.push(l) });
    try {
      logger("admin").debug("hello {who}", { who: "ops" });
      assert.equal(lines.length, 1);
      const record = JSON.parse(lines[0]!);
      assert.match(record.message, /^hello "?ops"?$/);
      assert.equal(record.logger, "chronik.admin");
      assert.equal(record.properties.who, "ops");
    } finally {
      await teardownLogging();
    }
  });
  await t.step("nothing is written after teardown", () => {
    logger("server").error("dropped");
  });
});
