import assert from "node:assert/strict";
import { Reader } from "../../../src/kafka/protocol/reader.ts";
import { uuidFromBytes } from "../../../src/kafka/protocol/uuid.ts";
import {
  utf8Length,
  uvarintSize,
  Writer,
  WriterLimitError,
} from "../../../src/kafka/protocol/writer.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("Writer", async (t) => {
  await t.step("integers and varints match the wire encodings", () => {
    const w = new Writer({ initialBytes: 1 });
    w.int8(-1);
    w.int16(-32768);
    w.int32(1);
    w.int64(-2n);
    w.uvarint(300);
    w.varint(-1);
    w.varlong(-2n);
    assert.equal(
      hex(w.bytes()),
      "ff" + "8000" + "00000001" + "fffffffffffffffe" + "ac02" + "01" + "03",
    );
  });

  await t.step("round-trips extreme values through the reader", () => {
    const w = new Writer({ initialBytes: 2 });
    const longs = [0n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 123456789012345n];
    const ints = [0, -1, 2147483647, -2147483648, 64, -65];
    for (const v of longs) w.varlong(v);
    for (const v of ints) w.varint(v);
    w.uvarint(0xffffffff);
    w.float64(-0.5);
    w.uint16(65535);
    w.uint32(0xffffffff);
    const r = new Reader(w.bytes());
    for (const v of longs) assert.equal(r.varlong(), v);
    for (const v of ints) assert.equal(r.varint(), v);
    assert.equal(r.uvarint(), 0xffffffff);
    assert.equal(r.float64(), -0.5);
    assert.equal(r.uint16(), 65535);
    assert.equal(r.uint32(), 0xffffffff);
    assert.equal(r.remaining, 0);
  });

  await t.step("strings and bytes, classic and compact, with null", () => {
    const w = new Writer({ initialBytes: 1 });
    w.nullableString("héllo 日本 😀");
    w.nullableString(null);
    w.compactNullableString("x");
    w.compactNullableString(null);
    w.nullableBytes(Uint8Array.of(1, 2));
    w.compactNullableBytes(null);
    w.arrayLength(-1, false);
    w.arrayLength(3, true);
    const r = new Reader(w.bytes());
    assert.equal(r.string(), "héllo 日本 😀");
    assert.equal(r.nullableString(), null);
    assert.equal(r.compactString(), "x");
    assert.equal(r.compactNullableString(), null);
    assert.deepEqual([...r.bytesField()], [1, 2]);
    assert.equal(r.compactNullableBytes(), null);
    assert.equal(r.arrayLength(false), -1);
    assert.equal(r.uvarint(), 4);
  });

  await t.step("utf8Length and uvarintSize agree with the encoders", () => {
    for (const s of ["", "abc", "é", "日本", "😀", "a\ud800b"]) {
      assert.equal(utf8Length(s), new TextEncoder().encode(s).length, s);
    }
    for (const v of [0, 127, 128, 16383, 16384, 0xffffffff]) {
      const w = new Writer();
      w.uvarint(v);
      assert.equal(uvarintSize(v), w.offset);
    }
  });

  await t.step("bounded: growing past maxBytes is refused", () => {
    const w = new Writer({ initialBytes: 4, maxBytes: 10 });
    w.int64(1n);
    assert.throws(() => w.int32(1), WriterLimitError);
    assert.equal(w.offset, 8);
  });

  await t.step("reset: reuses the buffer, and a smaller new bound still holds", () => {
    const w = new Writer({ initialBytes: 4 });
    for (let i = 0; i < 100; i++) w.int32(i); // grows to 512 bytes
    w.reset(10);
    assert.equal(w.offset, 0);
    assert.equal(w.maxBytes, 10);
    w.int64(1n);
    assert.throws(() => w.int32(1), WriterLimitError);
    assert.equal(w.offset, 8);
    w.reset();
    w.int16(5);
    assert.equal(hex(w.bytes()), "0005");
    // After a message larger than keepBytes, the next one still starts empty.
    for (let i = 0; i < 100; i++) w.int32(i);
    w.reset(100, 64);
    w.int8(1);
    assert.equal(hex(w.bytes()), "01");
    // Within keepBytes a large buffer is kept: the next large message grows nothing.
    const big = new Uint8Array(300_000).fill(3);
    w.reset(1 << 20, 16 << 20);
    w.raw(big);
    const memory = w.bytes().buffer;
    w.reset(1 << 20, 16 << 20);
    w.raw(big);
    assert.equal(w.bytes().buffer, memory);
    assert.equal(w.bytes().length, 300_000);
  });

  await t.step("uuid text goes in as its 16 bytes; bad text writes nothing", () => {
    const w = new Writer();
    const id = uuidFromBytes(Uint8Array.from({ length: 16 }, (_, i) => i + 1));
    w.int8(9);
    w.uuid(id);
    assert.equal(hex(w.bytes()), "09" + "0102030405060708090a0b0c0d0e0f10");
    assert.equal(new Reader(w.bytes(), 1).uuid(), id);
    assert.throws(() => w.uuid("AAAAAAAAAAAAAAAAAAAAA="), TypeError);
    assert.throws(() => w.uuid("short"), TypeError);
    assert.equal(w.offset, 17);
  });

  await t.step("patchInt32 rewrites a length prefix", () => {
    const w = new Writer();
    w.int32(0);
    w.int16(7);
    w.patchInt32(0, w.offset - 4);
    assert.equal(hex(w.bytes()), "000000020007");
    assert.throws(() => w.patchInt32(4, 1), RangeError);
  });
});
