import assert from "node:assert/strict";

// DESIGN.md decision 2: the core is pure. Comments are stripped first so docs may name the rule.
const forbidden: [RegExp, string][] = [
  [/\bDeno\s*\./, "Deno.*"],
  [/\bsetTimeout\b|\bsetInterval\b|\bqueueMicrotask\b|\bsetImmediate\b/, "timers"],
  [/\bDate\b/, "Date"],
  [/\bperformance\s*\./, "performance clock"],
  [/Math\s*\.\s*random/, "Math.random"],
  [/\basync\b/, "async"],
  [/\bawait\b/, "await"],
  [/\bcrypto\s*\./, "crypto randomness"],
];

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

Deno.test("src/raft is free of I/O, clocks, randomness and async code", () => {
  const dir = new URL("../../src/raft/", import.meta.url);
  const files: string[] = [];
  const walk = (url: URL) => {
    for (const e of Deno.readDirSync(url)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, url));
      else if (e.name.endsWith(".ts")) files.push(new URL(e.name, url).pathname);
    }
  };
  walk(dir);
  assert.ok(files.length >= 8, `expected the raft sources, found ${files.length}`);
  const hits: string[] = [];
  for (const f of files) {
    const code = stripComments(Deno.readTextFileSync(f));
    for (const [re, what] of forbidden) if (re.test(code)) hits.push(`${f}: ${what}`);
  }
  assert.deepEqual(hits, []);
});

Deno.test("the purity scan catches each forbidden construct", () => {
  const samples = [
    "Deno.readFileSync('x')",
    "setTimeout(f, 1)",
    "new Date()",
    "Math.random()",
    "async function f() {}",
    "await x",
  ];
  for (const s of samples) {
    assert.ok(forbidden.some(([re]) => re.test(stripComments(s))), s);
  }
  assert.ok(!forbidden.some(([re]) => re.test(stripComments("// Date and Deno.x in a comment"))));
});
