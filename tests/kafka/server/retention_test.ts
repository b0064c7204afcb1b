import assert from "node:assert/strict";

const PROBE = new URL("./_retention_probe.ts", import.meta.url).pathname;
const REQUESTS = 500;

Deno.test("kafka server: an open connection does not keep the responses it wrote", async () => {
  // A process of its own, to collect garbage on demand (--expose-gc) without touching the
  // runner's heap.
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--v8-flags=--expose-gc", PROBE, String(REQUESTS)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `probe failed: ${stderr}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const { answered, reachable } = JSON.parse(lines.at(-1)!) as {
    answered: number;
    reachable: number;
  };
  assert.equal(answered, REQUESTS);
  // Each response is garbage once written; before the fix every one of them was still held.
  assert.ok(reachable <= 2, `${reachable} of ${REQUESTS} written responses still reachable`);
});
