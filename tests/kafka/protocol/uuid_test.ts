import assert from "node:assert/strict";
import {
  randomUuid,
  uuidFromBytes,
  uuidToBytes,
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

  await t.step("random ids round-trip and avoid a leading '-'", () => {
    for (let i = 0; i < 200; i++) {
      const id = randomUuid();
      assert.equal(id.length, 22);
      assert.ok(!id.startsWith("-"));
      assert.equal(uuidFromBytes(uuidToBytes(id)), id);
    }
  });
});
