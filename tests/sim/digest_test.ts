import assert from "node:assert/strict";
import { Fnv64, fnv64Hex } from "./digest.ts";

Deno.test("Fnv64", async (t) => {
  await t.step("matches the published FNV-1a 64 test vectors", () => {
    const e = new TextEncoder();
    assert.equal(fnv64Hex(e.encode("")), "cbf29ce484222325");
    assert.equal(fnv64Hex(e.encode("a")), "af63dc4c8601ec8c");
    assert.equal(fnv64Hex(e.encode("foobar")), "85944171f73967e8");
  });

  await t.step("word folding is order sensitive and covers both halves of u53", () => {
    const h = (words: number[]) => {
      const d = new Fnv64();
      for (const w of words) d.u53(w);
      return d.hex();
    };
    assert.equal(h([1, 2]), h([1, 2]));
    assert.notEqual(h([1, 2]), h([2, 1]));
    assert.notEqual(h([2 ** 33]), h([0]));
  });
});
