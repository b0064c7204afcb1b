import assert from "node:assert/strict";
import {
  crc32c,
  crc32cImplementation,
  crc32cPortable,
  NATIVE_MIN_BYTES,
  useCrc32c,
} from "../../../src/kafka/records/crc32c.ts";

Deno.test("crc32c", async (t) => {
  await t.step("matches the RFC 3720 / iSCSI check vectors", () => {
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  await t.step("agrees with a bitwise reference on every length and alignment", () => {
    const ref = (d: Uint8Array) => {
      let c = 0xffffffff;
      for (const b of d) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    let seed = 7;
    const data = Uint8Array.from(
      { length: 300 },
      () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff,
    );
    for (let start = 0; start < 9; start++) {
      for (let len = 0; len < 100; len++) {
        const d = data.subarray(start, start + len);
        assert.equal(crc32c(d), ref(d), `start ${start} len ${len}`);
      }
    }
  });

  await t.step("continues across chunks", () => {
    const d = new TextEncoder().encode("123456789");
    assert.equal(crc32c(d.subarray(4), crc32c(d.subarray(0, 4))), 0xe3069283);
  });
});

Deno.test("crc32c with an installed implementation", async (t) => {
  const long = new Uint8Array(NATIVE_MIN_BYTES).fill(0x5a);
  const expected = crc32cPortable(long);
  try {
    await t.step("one that disagrees with the check vectors is refused", () => {
      assert.equal(useCrc32c((data, crc) => crc32cPortable(data, crc) ^ 1, "wrong"), false);
      assert.equal(
        useCrc32c(() => {
          throw new Error("broken");
        }, "throws"),
        false,
      );
      assert.equal(crc32cImplementation(), "portable");
    });

    await t.step("one that agrees runs for long inputs only", () => {
      const lengths: number[] = [];
      const counting = (data: Uint8Array, crc: number) => {
        lengths.push(data.length);
        return crc32cPortable(data, crc);
      };
      assert.equal(useCrc32c(counting, "counting"), true);
      assert.equal(crc32cImplementation(), "counting");
      lengths.length = 0;
      assert.equal(crc32c(long.subarray(1)), crc32cPortable(long.subarray(1)));
      assert.deepEqual(lengths, []);
      assert.equal(crc32c(long), expected);
      assert.deepEqual(lengths, [NATIVE_MIN_BYTES]);
    });

    await t.step("null restores the portable one", () => {
      assert.equal(useCrc32c(null), true);
      assert.equal(crc32cImplementation(), "portable");
      assert.equal(crc32c(long), expected);
    });
  } finally {
    useCrc32c(null);
  }
});
