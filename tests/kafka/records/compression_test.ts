import assert from "node:assert/strict";
import * as lz4js from "lz4js";
import * as snappyjs from "snappyjs";
import { compress, decompress } from "../../../src/kafka/records/compression.ts";
import { CODECS } from "../../../src/kafka/records/batch.ts";
import { RecordBatchError } from "../../../src/kafka/records/errors.ts";
import { xxhash32 } from "../../../src/kafka/records/_xxhash32.ts";

function sample(n: number): Uint8Array {
  let s = 1;
  // Compressible but not trivial: words from a small alphabet.
  return Uint8Array.from({ length: n }, (_, i) => {
    s = (s * 48271) % 2147483647;
    return i % 7 === 0 ? 32 : 97 + (s % 6);
  });
}

Deno.test("compression codecs", async (t) => {
  await t.step("xxhash32 known values", () => {
    assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
    assert.equal(xxhash32(new TextEncoder().encode("abc")), 0x32d153ff);
    assert.equal(
      xxhash32(new TextEncoder().encode("Nobody inspects the spammish repetition")),
      0xe2293b2f,
    );
  });

  for (const codec of CODECS) {
    await t.step(`${codec} round-trips empty, small and multi-block inputs`, () => {
      for (const n of [0, 1, 100, 70_000, 300_000]) {
        const data = sample(n);
        const packed = compress(codec, data);
        if (codec !== "none" && n > 1000) assert.ok(packed.length < n, `${codec} compresses`);
        assert.deepEqual(decompress(codec, packed), data);
      }
    });
    if (codec === "none") continue;
    await t.step(`${codec} refuses output above the bound and garbage`, () => {
      const packed = compress(codec, sample(100_000));
      assert.throws(() => decompress(codec, packed, 50_000), (e) => {
        assert.ok(e instanceof RecordBatchError);
        assert.equal(e.code, 2);
        return true;
      });
      assert.throws(() => decompress(codec, packed.subarray(0, packed.length >> 1), 1 << 20));
    });
  }

  await t.step("lz4 frame written by the spec layout (64 KiB blocks, correct HC)", () => {
    const packed = compress("lz4", sample(10));
    assert.deepEqual([...packed.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
    assert.equal(packed[4], 0x60);
    assert.equal(packed[5], 0x40);
    assert.equal(packed[6], (xxhash32(packed.subarray(4, 6)) >>> 8) & 0xff);
    assert.deepEqual([...packed.subarray(-4)], [0, 0, 0, 0]);
  });

  await t.step("lz4 reads a frame from another writer, and checksummed hand-made frames", () => {
    const data = sample(5000);
    assert.deepEqual(decompress("lz4", lz4js.compress(data)), data);
    // One uncompressed block, block checksum and content checksum flags set.
    const flg = 0x40 | 0x20 | 0x10 | 0x04;
    const bd = 0x40;
    const hdr = [0x04, 0x22, 0x4d, 0x18, flg, bd, (xxhash32(Uint8Array.of(flg, bd)) >>> 8) & 0xff];
    const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    const body = data.subarray(0, 100);
    const frame = Uint8Array.from([
      ...hdr,
      ...le((0x80000000 | 100) >>> 0),
      ...body,
      ...le(xxhash32(body)),
      0,
      0,
      0,
      0,
      ...le(xxhash32(body)),
    ]);
    assert.deepEqual(decompress("lz4", frame), body);
    const bad = frame.slice();
    bad[bad.length - 1]! ^= 1;
    assert.throws(() => decompress("lz4", bad), RecordBatchError);
    const badHc = frame.slice();
    badHc[6]! ^= 1;
    assert.throws(() => decompress("lz4", badHc), /header checksum/);
  });

  await t.step("snappy writes xerial framing and reads raw snappy too", () => {
    const data = sample(40_000);
    const packed = compress("snappy", data);
    assert.deepEqual(
      [...packed.subarray(0, 16)],
      [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1],
    );
    // 40,000 bytes is two 32 KiB input blocks.
    const first = new DataView(packed.buffer, packed.byteOffset).getInt32(16);
    assert.ok(20 + first < packed.length);
    assert.deepEqual(decompress("snappy", snappyjs.compress(data)), data);
  });
});
