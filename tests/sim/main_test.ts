import assert from "node:assert/strict";

const main = new URL("./main.ts", import.meta.url).pathname;
const root = new URL("../../", import.meta.url).pathname;

async function sim(...args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read=.", "--allow-env", main, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).output();
  return { code, out: new TextDecoder().decode(stdout) };
}

Deno.test("sim CLI", async (t) => {
  await t.step("--seed prints the same digest on every run", async () => {
    const a = await sim("--seed", "3");
    const b = await sim("--seed", "3");
    assert.equal(a.code, 0, a.out);
    const digest = /digest ([0-9a-f]{16})/.exec(a.out)?.[1];
    assert.ok(digest !== undefined, a.out);
    assert.equal(/digest ([0-9a-f]{16})/.exec(b.out)?.[1], digest);
  });

  await t.step("--seeds prints a summary of seeds, steps, faults, checks, elapsed", async () => {
    const r = await sim("--seeds", "3");
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /seeds 1\.\.3: 3 passed, 0 failed; steps \d+;.*checks \d+;.*elapsed/);
    assert.match(r.out, /faults: .*=\d+/);
  });

  await t.step("a failure prints the seed and the trace tail and exits 1", async () => {
    const r = await sim("--seeds", "2", "--break", "voteWithoutPersist", "--tail", "5");
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL seed 1: safety: /);
    assert.match(r.out, /replay: deno task sim --seed 1/);
    assert.match(r.out, /trace tail \(last 5 events\):\n( {2}t=\d+ .*\n){5}/);
  });
});
