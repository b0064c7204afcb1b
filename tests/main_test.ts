import assert from "node:assert/strict";
import { nativeCrc32cScope } from "../src/kafka/records/crc32c_native.ts";
import { correlationOf, readResponse, requestFrame, writeAll } from "./kafka/server/_helpers.ts";
import { fetchRequestBody, freePort, TestClient } from "./_support/kafka_client.ts";
import { ApiKey } from "../src/kafka/protocol/apis.ts";
import { SIGNAL_ECHO_MS } from "../main.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
// The permissions the broker is documented to need, and no more.
const PERMISSIONS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env"];

function spawn(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
}

/** Reads stderr JSON lines until one matches; returns it and keeps draining the rest. */
async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  match: (record: Record<string, unknown>) => boolean,
): Promise<{ record: Record<string, unknown>; rest: Promise<string>; before: string }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended without the line; got:\n${text}`);
    text += value;
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      const record = JSON.parse(line) as Record<string, unknown>;
      if (match(record)) {
        const rest = (async () => {
          let tail = "";
          for (;;) {
            const next = await reader.read();
            if (next.done) return tail;
            tail += next.value;
          }
        })();
        return { record, rest, before: text };
      }
    }
  }
}

/** SIGKILLs `child` unless it has exited (a failed assertion must not leave a broker running). */
function killIfRunning(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch { /* already exited */ }
}

/**
 * Spawns the broker with JSON logs, discards its stdout, and waits for the "listening" line.
 * `stdoutDone` settles once the process has closed stdout.
 */
async function startBroker(args: string[]) {
  const child = spawn([...args, "--log-format", "json"]);
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stdoutDone = (async () => {
    while (!(await stdout.read()).done) { /* discard */ }
  })();
  try {
    const line = await waitForLine(child.stderr, (r) => String(r.message).includes("listening"));
    return { child, stdoutDone, ...line };
  } catch (e) {
    killIfRunning(child);
    await stdoutDone;
    throw e;
  }
}

Deno.test("main: starts, serves admin and Kafka, stops on SIGTERM with exit 0", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "chronik_main_" });
  const { child, stdoutDone, record, rest, before } = await startBroker([
    "--kafka-port",
    "0",
    "--admin-port",
    "19150",
    "--data-dir",
    dataDir,
    "standalone",
  ]);
  try {
    // Without --allow-ffi the broker runs, checksumming in TypeScript.
    assert.match(before, /"message":"CRC32C: portable TypeScript/);
    const port = (record.properties as { port: number }).port;
    assert.ok(port > 0);
    const health = await fetch("http://127.0.0.1:19150/health");
    assert.equal(health.status, 200);
    assert.equal((await health.json()).ok, true);
    const metrics = await (await fetch("http://127.0.0.1:19150/metrics")).text();
    assert.match(metrics, /chronik_connections /);
    // ApiVersions v0 with a null client id: the broker answers it (correlation id 1); a node
    // without a broker wired in closes the connection. Either way the listener and framing run.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, requestFrame(1, new Uint8Array([0xff, 0xff]), 18, 0));
    const response = await readResponse(conn);
    if (response !== null) assert.equal(correlationOf(response), 1);
    conn.close();
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, await rest);
    const logs = await rest;
    assert.match(logs, /SIGTERM/);
    assert.match(logs, /stopped/);
  } finally {
    killIfRunning(child);
    await stdoutDone;
    await Deno.remove(dataDir, { recursive: true });
  }
});

/**
 * Starts a broker, holds its shutdown open with a long-polling Fetch, and sends SIGINT twice,
 * `gapMs` apart. Returns the exit code, the logs and whether the Fetch was answered.
 */
async function stopTwice(gapMs: number) {
  const dataDir = await Deno.makeTempDir({ prefix: "chronik_main_" });
  const port = freePort();
  const { child, stdoutDone, rest } = await startBroker([
    "--kafka-port",
    String(port),
    "--data-dir",
    dataDir,
  ]);
  try {
    const client = await TestClient.connect(port);
    try {
      assert.equal(await client.createTopic("echo"), 0);
      assert.equal((await client.produce("echo", 0, ["one"])).errorCode, 0);
      // Nothing past offset 1: the broker holds this for 3 s, and its shutdown waits for it.
      const held = client.request(
        ApiKey.Fetch,
        12,
        fetchRequestBody("echo", 0, 1, { maxWaitMs: 3_000, minBytes: 1 }),
      ).then(() => "answered", (e: Error) => `failed: ${e.message}`);
      await new Promise((r) => setTimeout(r, 200));
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, gapMs));
      child.kill("SIGINT");
      const status = await child.status;
      return { code: status.code, logs: await rest, fetch: await held };
    } finally {
      await client.close();
    }
  } finally {
    killIfRunning(child);
    await stdoutDone;
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("main: a stop signal repeated at once is one request (Ctrl-C under npx)", async () => {
  // Under `npx … task start` the terminal signals the whole process group and a parent forwards
  // its own copy, so the broker sees SIGINT twice within a millisecond; that must not cut the
  // shutdown short.
  const { code, logs, fetch } = await stopTwice(50);
  assert.equal(code, 0, logs);
  assert.equal(fetch, "answered");
  assert.match(logs, /SIGINT\W+ again within \d+ ms of the first: still stopping/);
  assert.match(logs, /"message":"stopped"/);
  assert.doesNotMatch(logs, /exiting without finishing/);
});

Deno.test("main: a stop signal repeated later exits 1 at once", async () => {
  const { code, logs, fetch } = await stopTwice(SIGNAL_ECHO_MS + 300);
  assert.equal(code, 1, logs);
  assert.match(fetch, /^failed/);
  assert.match(logs, /SIGINT\W+ again: exiting without finishing/);
  assert.doesNotMatch(logs, /"message":"stopped"/);
});

Deno.test("main: `deno task start` forwards flags and checksums natively", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "chronik_main_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "--config",
      CONFIG,
      "start",
      "--kafka-port",
      "0",
      "--admin-port",
      "0",
      "--data-dir",
      dataDir,
      "--log-format",
      "json",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const { record, rest, before } = await waitForLine(
      child.stderr,
      (r) => String(r.message).includes("listening"),
    );
    assert.equal((record.properties as { dataDir: string }).dataDir, dataDir);
    // The task grants --allow-ffi for the package under Deno's default cache directory.
    const defaultScope = `${Deno.env.get("HOME")}/.cache/deno/npm/registry.npmjs.org/@node-rs`;
    if (nativeCrc32cScope() === defaultScope) {
      assert.match(before, /"message":"CRC32C: native/);
    } else {
      assert.match(before, /"message":"CRC32C: portable TypeScript \(.*no --allow-ffi/);
    }
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, await rest);
    assert.match(await rest, /stopped/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("main: a bad setting exits 2 naming the key and value", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, "--kafka-port", "nope"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  const err = new TextDecoder().decode(out.stderr);
  assert.match(err, /"nope" for kafka\.port/);
  const env = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN],
    env: { CHRONIK_LOG_FORMAT: "xml" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(env.code, 2);
  assert.match(
    new TextDecoder().decode(env.stderr),
    /"xml" for log\.format \(from CHRONIK_LOG_FORMAT\)/,
  );
});

Deno.test("main: version", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, "version"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  assert.match(new TextDecoder().decode(out.stdout), /^chronik \d+\.\d+\.\d+/);
});

Deno.test("main: a port in use exits 1 after closing what it opened", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "chronik_main_" });
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 19151 });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...PERMISSIONS,
        MAIN,
        "--kafka-port",
        "19151",
        "--admin-port",
        "0",
        "--data-dir",
        dataDir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.match(new TextDecoder().decode(out.stderr), /cannot run/);
  } finally {
    blocker.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("main: one broker per data dir; a killed broker frees it at once", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "chronik_main_" });
  const args = ["--kafka-port", "0", "--admin-port", "0", "--data-dir", dataDir];
  const first = await startBroker(args);
  try {
    const second = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMISSIONS, MAIN, ...args],
      stdout: "piped",
      stderr: "piped",
      // Without the lock it would start and serve: end it, and fail on its exit code.
      signal: AbortSignal.timeout(20_000),
    }).output();
    assert.equal(second.code, 1, new TextDecoder().decode(second.stderr));
    assert.match(
      new TextDecoder().decode(second.stderr),
      /cannot run: data dir .* is in use by another Chronik process \(.*\/\.lock is locked\)/,
    );
    // The lock dies with its process: after SIGKILL a new broker takes the directory at once.
    first.child.kill("SIGKILL");
    await first.child.status;
    await first.rest;
    const third = await startBroker(args);
    third.child.kill("SIGTERM");
    assert.equal((await third.child.status).code, 0, await third.rest);
    await third.stdoutDone;
  } finally {
    killIfRunning(first.child);
    await first.stdoutDone;
    await Deno.remove(dataDir, { recursive: true });
  }
});
