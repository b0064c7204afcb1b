import assert from "node:assert/strict";
import { envName, flagName, renderConfigurationDoc, SETTINGS } from "../../src/config/mod.ts";

Deno.test("configuration doc", async (t) => {
  await t.step("docs/configuration.md is the rendered table", async () => {
    const onDisk = await Deno.readTextFile(
      new URL("../../docs/configuration.md", import.meta.url),
    );
    // deno fmt pads tables and rewraps prose; compare modulo that.
    const normalize = (s: string) => s.replace(/\s+/g, "").replace(/-{3,}/g, "---");
    assert.equal(
      normalize(onDisk),
      normalize(renderConfigurationDoc()),
      "regenerate: deno run src/config/doc.ts > docs/configuration.md && deno fmt docs/configuration.md",
    );
  });
  await t.step("names derive from keys", () => {
    assert.equal(envName("log.retention.ms"), "CHRONIK_LOG_RETENTION_MS");
    assert.equal(flagName("advertised.addr"), "advertised-addr");
    const doc = renderConfigurationDoc();
    for (const s of SETTINGS) assert.ok(doc.includes(`\`${envName(s.key)}\``), s.key);
  });
});
