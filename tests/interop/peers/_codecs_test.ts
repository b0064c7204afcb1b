import assert from "node:assert/strict";
import lz4 from "lz4js";
import snappy from "snappyjs";
import {
  lz4Compress,
  lz4Decompress,
  lz4HeaderChecksum,
  MAX_DECOMPRESSED_BYTES,
  snappyCompress,
  snappyDecompress,
  zstdCompress,
  zstdDecompress,
} from "./_codecs.ts";

const sample = new TextEncoder().encode(
  Array.from({ length: 5_000 }, (_, i) => `value-${i}-` + "abcdefghij".repeat(1 + i % 8)).join(""),
);

Deno.test("interop codecs", async (t) => {
  await t.step("lz4 frame round-trips across several 64 KiB blocks", () => {
    assert.ok(sample.length > 3 * 64 * 1024);
    const frame = lz4Compress(sample);
    assert.deepEqual(lz4Decompress(frame), sample);
    // lz4js reads our frame too: an independent decoder agrees.
    assert.deepEqual(Uint8Array.from(lz4.decompress(frame)), sample);
  });

  await t.step("lz4 frame header: magic, independent blocks, checksum as lz4js computes", () => {
    const frame = lz4Compress(new Uint8Array([1, 2, 3]));
    assert.deepEqual([...frame.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
    assert.equal(frame[4]! & 0x20, 0x20, "block independence flag (Kafka requires it)");
    assert.equal(frame[6], lz4HeaderChecksum(frame.subarray(4, 6)));
    // An independent encoder (lz4js, FLG 0x40 BD 0x70) computes the same checksum function.
    const reference = Uint8Array.from(lz4.compress(new Uint8Array([1, 2])));
    assert.equal(lz4HeaderChecksum(reference.subarray(4, 6)), reference[6]);
  });

  await t.step("snappy reads raw blocks and the xerial framing", () => {
    assert.deepEqual(snappyDecompress(snappyCompress(sample)), sample);
    const half = sample.length >> 1;
    const blocks = [sample.subarray(0, half), sample.subarray(half)].map((b) =>
      snappy.compress(b) as Uint8Array
    );
    const header = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1];
    const parts: number[] = [...header];
    for (const b of blocks) {
      parts.push(
        b.length >>> 24,
        (b.length >>> 16) & 0xff,
        (b.length >>> 8) & 0xff,
        b.length & 0xff,
      );
      parts.push(...b);
    }
    assert.deepEqual(snappyDecompress(Uint8Array.from(parts)), sample);
  });

  await t.step("snappy refuses a block whose declared size is over the bound", () => {
    const huge = MAX_DECOMPRESSED_BYTES + 1;
    const varint: number[] = [];
    for (let n = huge; n > 0; n = Math.floor(n / 128)) {
      varint.push((n % 128) | (n >= 128 ? 0x80 : 0));
    }
    assert.throws(() => snappyDecompress(Uint8Array.from([...varint, 0])), /over bound/);
  });

  await t.step("zstd round-trips", () => {
    assert.deepEqual(new Uint8Array(zstdDecompress(zstdCompress(sample))), sample);
  });
});
