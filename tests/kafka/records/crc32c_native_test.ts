import assert from "node:assert/strict";
import {
  crc32c,
  crc32cImplementation,
  crc32cPortable,
  useCrc32c,
} from "../../../src/kafka/records/crc32c.ts";
import {
  enableNativeCrc32c,
  type NativeCrc32cOutcome,
  nativeCrc32cScope,
} from "../../../src/kafka/records/crc32c_native.ts";

const MODULE = new URL("../../../src/kafka/records/crc32c_native.ts", import.meta.url).href;
const CONFIG = new URL("../../../deno.json", import.meta.url).pathname;

/**
 * Runs enableNativeCrc32c in a child process with only `permissions` (`deno run`, not `deno eval`,
 * which grants everything); returns its outcome.
 */
async function outcomeWith(permissions: string[]): Promise<NativeCrc32cOutcome> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `const m = await import(${JSON.stringify(MODULE)});\n` +
        `console.log(JSON.stringify(await m.enableNativeCrc32c()));\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--config", CONFIG, ...permissions, script],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("native crc32c", async (t) => {
  try {
    await t.step("loads where ffi is granted (the test command installs the package)", async () => {
      const outcome = await enableNativeCrc32c();
      assert.deepEqual(outcome, { native: true });
      assert.equal(crc32cImplementation(), "@node-rs/crc32");
    });

    await t.step("agrees with the portable code on every length, alignment and seed", () => {
      let seed = 11;
      const data = Uint8Array.from(
        { length: 70_000 },
        () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24,
      );
      for (const len of [256, 257, 1000, 4096, 16_385, 65_536]) {
        for (const start of [0, 1, 2, 3, 5]) {
          const part = data.subarray(start, start + len);
          for (const initial of [0, 1, 0xe3069283, 0xffffffff]) {
            assert.equal(crc32c(part, initial), crc32cPortable(part, initial), `${start}+${len}`);
          }
        }
      }
    });

    await t.step("is scoped to the package's directory", () => {
      const scope = nativeCrc32cScope();
      assert.ok(scope !== undefined && scope.endsWith("/@node-rs"), scope);
    });

    await t.step("without --allow-ffi, stays portable and says why (no prompt)", async () => {
      const outcome = await outcomeWith(["--allow-read", "--allow-env"]);
      assert.equal(outcome.native, false);
      if (outcome.native) return;
      assert.equal(outcome.permitted, false);
      assert.match(outcome.reason, /no --allow-ffi for .*@node-rs/);
    });

    await t.step("with --allow-ffi for that directory only, loads", async () => {
      const outcome = await outcomeWith([
        "--allow-read",
        "--allow-env",
        `--allow-ffi=${nativeCrc32cScope()}`,
      ]);
      assert.deepEqual(outcome, { native: true });
    });
  } finally {
    useCrc32c(null);
  }
});
