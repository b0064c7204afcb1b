/**
 * `deno task test`: prepares what the suites need (real Kafka clients for interop, see
 * `tests/interop/setup.ts`), then runs every `*_test.ts` under `tests/` with the op and resource
 * sanitizers on, and ends with one plain `N passed, N failed` line.
 *
 * Arguments are passed to `deno test` (e.g. a path or `--filter`). `CHRONIK_SKIP_SETUP=1` skips the
 * client installation (unit-only runs); under `CI=true` it is ignored.
 *
 * @module
 */

const deno = Deno.execPath();
const ci = Deno.env.get("CI") === "true";

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(deno, { args, stdout: "piped", stderr: "inherit" }).spawn();
  const decoder = new TextDecoder();
  let out = "";
  for await (const chunk of child.stdout) {
    const text = decoder.decode(chunk, { stream: true });
    out += text;
    if (out.length > 1_000_000) out = out.slice(-200_000);
    await Deno.stdout.write(chunk);
  }
  const { code } = await child.status;
  return { code, out };
}

const setupScript = new URL("./interop/setup.ts", import.meta.url);
const skipSetup = !ci && Deno.env.get("CHRONIK_SKIP_SETUP") === "1";
let setupOk = true;
if (!skipSetup && await exists(setupScript)) {
  const setup = await run(["run", "--allow-all", setupScript.pathname]);
  setupOk = setup.code === 0;
  if (!setupOk) console.error(`test setup failed (exit ${setup.code})`);
}

const extra = Deno.args.length > 0 ? Deno.args : ["tests/"];
const result = await run([
  "test",
  "--allow-all",
  "--sanitize-ops",
  "--sanitize-resources",
  ...extra,
]);

const summary = /(\d+) passed(?: \([^)]*\))? \| (\d+) failed/.exec(stripAnsi(result.out));
const passed = summary ? Number(summary[1]) : 0;
const failed = summary ? Number(summary[2]) : (result.code === 0 ? 0 : 1);
console.log(`${passed} passed, ${failed + (setupOk ? 0 : 1)} failed`);
Deno.exit(result.code !== 0 || !setupOk ? 1 : 0);

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
