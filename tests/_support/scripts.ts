/**
 * Scenario scripts in the style of etcd's interaction tests: a text file of blocks, each a command
 * line, a `----` line, and the expected output lines; `#` lines are comments. One runner per test
 * suite interprets the commands. `REWRITE=1` rewrites the expectations from what ran (review the
 * diff by hand: a trace is only worth something once a person has checked it).
 */
import assert from "node:assert/strict";

export interface ScriptBlock {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string[];
}

/** Interprets one command, returning its output lines; a throw is reported as `error: …`. */
export interface ScriptRunner {
  run(command: string): string[];
}

export function parseScript(text: string): ScriptBlock[] {
  const lines = text.split("\n");
  const blocks: ScriptBlock[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    i++;
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      comments.push(line);
      continue;
    }
    if (lines[i] !== "----") throw new Error(`line ${i}: expected ---- after "${line}"`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && (lines[i] as string) !== "") expected.push(lines[i++] as string);
    blocks.push({ comments, command: line, expected });
    comments = [];
  }
  return blocks;
}

export function renderScript(
  blocks: readonly { comments: string[]; command: string; actual: string[] }[],
): string {
  return blocks.map((b) => [...b.comments, b.command, "----", ...b.actual].join("\n"))
    .join("\n\n") + "\n";
}

/** Registers one Deno test running every `*.txt` script in `dir`, each with a fresh runner. */
export function scriptTest(name: string, dir: URL, newRunner: () => ScriptRunner): void {
  const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".txt"))
    .map((e) => e.name).sort();
  const rewrite = Deno.env.get("REWRITE") === "1";
  Deno.test(name, async (t) => {
    assert.ok(files.length > 0, `no scripts in ${dir.pathname}`);
    for (const file of files) {
      await t.step(file, () => {
        const url = new URL(file, dir);
        const runner = newRunner();
        const results = parseScript(Deno.readTextFileSync(url)).map((b) => {
          let actual: string[];
          try {
            actual = runner.run(b.command);
          } catch (e) {
            actual = [`error: ${(e as Error).message}`];
          }
          return { ...b, actual };
        });
        if (rewrite) {
          Deno.writeTextFileSync(url, renderScript(results));
          return;
        }
        for (const r of results) assert.deepEqual(r.actual, r.expected, `${file}: ${r.command}`);
      });
    }
  });
}
