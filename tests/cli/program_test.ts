import assert from "node:assert/strict";
import { parseCommandLine } from "../../src/cli/mod.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    output: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) },
  };
}

Deno.test("command line", async (t) => {
  await t.step("no subcommand means standalone", () => {
    assert.deepEqual(parseCommandLine([]), { kind: "standalone", flags: {} });
  });
  await t.step("global flags before the subcommand map to setting keys", () => {
    const command = parseCommandLine([
      "--node-id",
      "4",
      "--kafka-port",
      "19092",
      "--bind-addr",
      "0.0.0.0",
      "--advertised-addr",
      "b4",
      "--data-dir",
      "/tmp/d",
      "--admin-port=0",
      "--log-level",
      "debug",
      "--log-format",
      "json",
      "--config",
      "c.toml",
      "standalone",
    ]);
    assert.deepEqual(command, {
      kind: "standalone",
      configFile: "c.toml",
      flags: {
        "node.id": "4",
        "kafka.port": "19092",
        "bind.addr": "0.0.0.0",
        "advertised.addr": "b4",
        "data.dir": "/tmp/d",
        "admin.port": "0",
        "log.level": "debug",
        "log.format": "json",
      },
    });
  });
  await t.step("version", () => {
    assert.deepEqual(parseCommandLine(["version"]), { kind: "version" });
  });
  await t.step("help exits 0 and lists the flags", () => {
    const c = capture();
    assert.deepEqual(parseCommandLine(["--help"], c.output), { kind: "exit", code: 0 });
    const help = c.out.join("");
    for (const flag of ["--kafka-port", "--log-format", "--config", "standalone", "version"]) {
      assert.ok(help.includes(flag), flag);
    }
  });
  await t.step("unknown option or command exits 2 with a message", () => {
    const c = capture();
    assert.deepEqual(parseCommandLine(["--kafka-prot", "1"], c.output), { kind: "exit", code: 2 });
    assert.match(c.err.join(""), /unknown option '--kafka-prot'/);
    const d = capture();
    assert.deepEqual(parseCommandLine(["--kafka-port"], d.output), { kind: "exit", code: 2 });
  });
});
