import assert from "node:assert/strict";
import { volumeSpace } from "../../src/log/mod.ts";
import { runBounded } from "../interop/_run.ts";

Deno.test("volumeSpace gives the volume's total and usable bytes, as df counts them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chronik-volume-" });
  try {
    const space = await volumeSpace(dir);
    assert.ok(space !== null);
    assert.ok(space.usableBytes > 0n && space.usableBytes <= space.totalBytes);
    // df's size column is the same statvfs product (blocks × fragment size), counted by coreutils.
    const df = await new Deno.Command("df", { args: ["-B1", "--output=size", dir] }).output();
    assert.ok(df.success, new TextDecoder().decode(df.stderr));
    const size = new TextDecoder().decode(df.stdout).trim().split("\n").at(-1)!.trim();
    assert.equal(space.totalBytes, BigInt(size));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "volumeSpace is null without --allow-sys=statfs",
  permissions: { read: true, sys: false },
  fn: async () => {
    assert.equal(await volumeSpace(Deno.cwd()), null);
  },
});

Deno.test("volumeSpace does not prompt for the permission on a terminal", async () => {
  // On a terminal Deno asks before a denied statfs and waits for an answer: a broker started by
  // hand without --allow-sys=statfs would stop at its first DescribeLogDirs v4. script(1) gives
  // a probe process a terminal; it must answer null at once.
  const dir = await Deno.makeTempDir({ prefix: "chronik-volume-" });
  try {
    const probe = `${dir}/probe.ts`;
    const module = new URL("../../src/log/volume_space.ts", import.meta.url).href;
    await Deno.writeTextFile(
      probe,
      `import { volumeSpace } from "${module}";\n` +
        `console.log("space:", JSON.stringify(await volumeSpace("${dir}")));\n`,
    );
    const shell = `'${Deno.execPath()}' run --allow-read '${probe}'`;
    const run = await runBounded("script", ["-qec", shell, "/dev/null"], {
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    assert.ok(!run.timedOut, "the probe stopped at a prompt");
    assert.match(run.stdout, /space: null/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("volumeSpace is null when statfs fails", async () => {
  assert.equal(await volumeSpace("/nonexistent/chronik/volume/space"), null);
});

const PROBE_TIMEOUT_MS = 20_000;
