/**
 * The bundled distribution: `deno bundle` of main.ts, with its record-walk worker bundled beside
 * it as `deno task bundle` does, runs as a broker and round-trips a record through the worker.
 * Guards against reads of source-tree files at run time and anything else a bundle or a
 * `deno compile` binary cannot carry.
 */
import assert from "node:assert/strict";
import { startChronik } from "./_support/broker_process.ts";
import { freePort, TestClient } from "./_support/kafka_client.ts";

Deno.test("the bundled broker round-trips a record", async () => {
  const work = await Deno.makeTempDir({ prefix: "chronik-bundle-" });
  const bundle = `${work}/chronik.js`;
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--output", bundle, "main.ts"],
      cwd: new URL("../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const walker = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--output",
        `${work}/chronik-walker.js`,
        "src/kafka/records/walk_worker.ts",
      ],
      cwd: new URL("../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(walker.code, 0, new TextDecoder().decode(walker.stderr));
    const port = freePort();
    // Every produced batch is walked by the bundled worker.
    await Deno.writeTextFile(`${work}/chronik.toml`, "produce.validation.inline.max.bytes = 0\n");
    const adminPort = freePort();
    const broker = await startChronik(port, `${work}/data`, {
      entry: bundle,
      args: ["--config", `${work}/chronik.toml`, "--admin-port", String(adminPort)],
    });
    const client = await TestClient.connect(port);
    try {
      assert.equal(await client.createTopic("bundled"), 0);
      const produced = await client.produce("bundled", 0, ["hello from the bundle"]);
      assert.equal(produced.errorCode, 0);
      const { records } = await client.fetchAll("bundled", 0);
      assert.deepEqual(records, [{ offset: 0, value: "hello from the bundle" }]);
      assert.doesNotMatch(broker.outputTail(), /walk worker did not start/);
      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      assert.match(metrics, /^chronik_produce_batches_checked_off_thread_total 1$/m);
    } finally {
      await client.close();
      const status = await broker.kill("SIGTERM");
      assert.equal(status.code, 0, `clean exit on SIGTERM\n${broker.outputTail()}`);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
