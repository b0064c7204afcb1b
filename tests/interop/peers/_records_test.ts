import assert from "node:assert/strict";
import { checkRecords, parsePeerArgs, recordAt, type SeenRecord } from "./_records.ts";

function exact(count: number): SeenRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const r = recordAt(i);
    return { offset: i, key: r.key, value: r.value, headers: r.headers };
  });
}

Deno.test("interop record rule and read-back check", async (t) => {
  await t.step("records are distinct in key, value and headers", () => {
    const keys = new Set(Array.from({ length: 1_000 }, (_, i) => recordAt(i).key));
    assert.equal(keys.size, 1_000);
    assert.deepEqual(recordAt(42), {
      key: "key-000042",
      value: "value-42-" + "abcdefghij".repeat(3),
      headers: [["idx", "42"], ["mod13", "h-3"]],
    });
  });

  await t.step("an exact read-back passes", () => {
    assert.equal(checkRecords(100, exact(100)), null);
  });

  await t.step("missing, extra, reordered, shifted or altered records fail", () => {
    const seen = exact(100);
    assert.match(checkRecords(100, seen.slice(0, 99))!, /read 99 records/);
    assert.match(checkRecords(99, seen)!, /read 100 records/);
    const swapped = [...seen];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    assert.match(checkRecords(100, swapped)!, /record 3: offset 4/);
    const shifted = seen.map((r) => ({ ...r, offset: r.offset + 1 }));
    assert.match(checkRecords(100, shifted)!, /record 0: offset 1/);
    const altered = seen.map((r, i) => i === 7 ? { ...r, value: "x" } : r);
    assert.match(checkRecords(100, altered)!, /record 7: key\/value/);
    const noHeaders = seen.map((r, i) => i === 9 ? { ...r, headers: [] } : r);
    assert.match(checkRecords(100, noHeaders)!, /record 9: headers/);
  });

  await t.step("peer arguments are validated", () => {
    const base = ["--bootstrap", "127.0.0.1:1", "--topic", "t"];
    const parsed = parsePeerArgs([...base, "--count", "5", "--compression", "lz4"], [
      "none",
      "lz4",
    ]);
    assert.equal(parsed.count, 5);
    assert.equal(parsed.compression, "lz4");
    assert.equal(parsed.idempotent, false);
    assert.throws(() => parsePeerArgs([...base, "--compression", "zstd"], ["none"]), /compression/);
    assert.throws(() => parsePeerArgs([...base, "--count", "-1"], ["none"]), /count/);
    assert.throws(() => parsePeerArgs(["--topic", "t"], ["none"]), /bootstrap/);
  });
});
