import assert from "node:assert/strict";
import {
  randomUuid,
  uuidAt,
  uuidFromBytes,
  uuidToBytes,
  writeUuid,
  ZERO_UUID,
} from "../../../src/kafka/protocol/uuid.ts";

Deno.test("uuid text form", async (t) => {
  await t.step("zero and a known value (Kafka's base64url, no padding)", () => {
    assert.equal(uuidFromBytes(new Uint8Array(16)), ZERO_UUID);
    const b = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    assert.equal(
      uuidFromBytes(b),
      btoa(String.fromCharCode(...b)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"),
    );
    assert.deepStrictEqual(uuidToBytes(uuidFromBytes(b)), b);
  });

  await t.step("rejects malformed text", () => {
    assert.throws(() => uuidToBytes("short"), TypeError);
    assert.throws(() => uuidToBytes("AAAAAAAAAAAAAAAAAAAAA="), TypeError);
    assert.throws(() => uuidToBytes("AAAAAAAAAAAAAAAAAAAAAB"), TypeError); // stray low bits
    assert.throws(() => uuidFromBytes(new Uint8Array(15)), RangeError);
  });

  await t.step(
    "in place: read at an offset, written at an offset, nothing written when bad",
    () => {
      const b = Uint8Array.from({ length: 20 }, (_, i) => i);
      const id = uuidAt(b, 3);
      assert.equal(id, uuidFromBytes(b.slice(3, 19)));
      assert.throws(() => uuidAt(b, 5), RangeError);
      const out = new Uint8Array(20);
      writeUuid(id, out, 2);
      assert.deepStrictEqual(out.subarray(2, 18), b.subarray(3, 19));
      assert.throws(() => writeUuid(id, out, 5), RangeError);
      const untouched = new Uint8Array(16);
      // Valid characters first (non-zero bytes), the fault at the end.
      assert.throws(() => writeUuid(id.slice(0, 20) + "*" + id.slice(21), untouched, 0), TypeError);
      assert.throws(() => writeUuid(id.slice(0, 21) + "B", untouched, 0), TypeError);
      assert.ok(untouched.every((x) => x === 0));
    },
  );

  await t.step("random ids round-trip and avoid a leading '-'", () => {
    for (let i = 0; i < 200; i++) {
      const id = randomUuid();
      assert.equal(id.length, 22);
      assert.ok(!id.startsWith("-"));
      assert.equal(uuidFromBytes(uuidToBytes(id)), id);
    }
  });
});
