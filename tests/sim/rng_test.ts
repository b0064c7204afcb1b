import assert from "node:assert/strict";
import { SimRng } from "./rng.ts";

Deno.test("SimRng", async (t) => {
  await t.step("one seed gives one stream; another seed another", () => {
    const a = new SimRng(42);
    const b = new SimRng(42);
    const c = new SimRng(43);
    const sa = Array.from({ length: 64 }, () => a.nextUint32());
    const sb = Array.from({ length: 64 }, () => b.nextUint32());
    const sc = Array.from({ length: 64 }, () => c.nextUint32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  await t.step("seeds above 2^32 are distinct from their low half", () => {
    assert.notEqual(new SimRng(2 ** 40 + 5).nextUint32(), new SimRng(5).nextUint32());
  });

  await t.step("nextInt stays in [0, bound) and covers it evenly", () => {
    const rng = new SimRng(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const v = rng.nextInt(10);
      assert.ok(v >= 0 && v < 10 && Number.isInteger(v));
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const n of counts) assert.ok(n > 9_000 && n < 11_000, `bucket count ${n}`);
    assert.equal(rng.nextInt(1), 0);
  });

  await t.step("between, chance and pick respect their contracts", () => {
    const rng = new SimRng(9);
    for (let i = 0; i < 1000; i++) {
      const v = rng.between(3, 5);
      assert.ok(v >= 3 && v <= 5);
    }
    assert.equal(rng.chance(0), false);
    assert.equal(rng.chance(1), true);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (rng.chance(0.25)) hits++;
    assert.ok(hits > 2_200 && hits < 2_800, `chance(0.25) hit ${hits} of 10000`);
    assert.equal(rng.pick(["only"]), "only");
    assert.throws(() => rng.pick([]), RangeError);
    assert.throws(() => rng.nextInt(0), RangeError);
    assert.throws(() => rng.between(5, 3), RangeError);
  });

  await t.step("fork gives an independent but reproducible stream", () => {
    const f1 = new SimRng(1).fork();
    const f2 = new SimRng(1).fork();
    assert.equal(f1.nextUint32(), f2.nextUint32());
  });
});
