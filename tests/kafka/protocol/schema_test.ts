import assert from "node:assert/strict";
import {
  arr,
  f,
  inRange,
  OPEN_VERSION,
  range,
  struct,
} from "../../../src/kafka/protocol/schema.ts";

Deno.test("schema DSL", async (t) => {
  await t.step("version ranges", () => {
    assert.deepStrictEqual(range("3+"), { min: 3, max: OPEN_VERSION });
    assert.deepStrictEqual(range("3-5"), { min: 3, max: 5 });
    assert.deepStrictEqual(range("7"), { min: 7, max: 7 });
    assert.throws(() => range("x"), Error);
    assert.ok(inRange(range("3-5"), 5));
    assert.ok(!inRange(range("3-5"), 6));
    assert.ok(!inRange(null, 0));
  });

  await t.step("field builders", () => {
    const a = f("ids", "[]int32", "1+");
    assert.equal(a.type, "array");
    assert.equal(a.items, "int32");
    const t1 = f("x", "string", "4+", { nullable: "4+", tag: 2, default: null });
    assert.equal(t1.tag, 2);
    assert.deepStrictEqual(t1.taggedVersions, range("4+"));
    assert.equal(t1.default, null);
    assert.equal(arr("xs", "0+", [t1]).fields?.length, 1);
    assert.equal(struct("s", "0+", []).type, "struct");
    assert.throws(() => f("x", "int33", "0+"), Error);
    assert.throws(() => f("x", "[]thing", "0+"), Error);
  });
});
