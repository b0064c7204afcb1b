import assert from "node:assert/strict";
import { ProtocolError, Reader } from "../../../src/kafka/protocol/reader.ts";
import { uuidFromBytes } from "../../../src/kafka/protocol/uuid.ts";

const r = (...bytes: number[]) => new Reader(Uint8Array.from(bytes));

Deno.test("Reader", async (t) => {
  await t.step("fixed-width integers are big-endian", () => {
    const x = r(
      0xff,
      0x80,
      0x00,
      0x00,
      0x00,
      0x00,
      0x01,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xfe,
    );
    assert.equal(x.int8(), -1);
    assert.equal(x.int16(), -32768);
    assert.equal(x.int32(), 1);
    assert.equal(x.int64(), -2n);
    assert.equal(x.remaining, 0);
  });

  await t.step("unsigned varints (protobuf encoding)", () => {
    assert.equal(r(0x00).uvarint(), 0);
    assert.equal(r(0xac, 0x02).uvarint(), 300);
    assert.equal(r(0xff, 0xff, 0xff, 0xff, 0x0f).uvarint(), 0xffffffff);
    assert.throws(() => r(0xff, 0xff, 0xff, 0xff, 0x1f).uvarint(), ProtocolError);
    assert.throws(() => r(0x80, 0x80).uvarint(), ProtocolError);
  });

  await t.step("zigzag varint and varlong", () => {
    assert.equal(r(0x01).varint(), -1);
    assert.equal(r(0x02).varint(), 1);
    assert.equal(r(0xff, 0xff, 0xff, 0xff, 0x0f).varint(), -2147483648);
    assert.equal(r(0x03).varlong(), -2n);
    const max = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert.equal(r(...max).varlong(), 0x7fffffffffffffffn);
    assert.throws(
      () => r(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02).varlong(),
      ProtocolError,
    );
  });

  await t.step("strings: classic, compact, nullable, UTF-8", () => {
    assert.equal(r(0x00, 0x02, 0x68, 0x69).string(), "hi");
    assert.equal(r(0xff, 0xff).nullableString(), null);
    assert.throws(() => r(0xff, 0xff).string(), ProtocolError);
    assert.equal(r(0x03, 0x68, 0x69).compactString(), "hi");
    assert.equal(r(0x00).compactNullableString(), null);
    assert.equal(r(0x03, 0xc3, 0xa9).compactString(), "é");
    assert.throws(() => r(0x00, 0x01, 0xff).string(), ProtocolError);
    assert.throws(() => r(0x00, 0x05, 0x61).string(), ProtocolError);
    assert.throws(() => r(0xff, 0xfe).nullableString(), ProtocolError);
  });

  await t.step("bytes are views bounded by the frame", () => {
    const x = r(0x00, 0x00, 0x00, 0x02, 7, 8, 9);
    const b = x.bytesField();
    assert.deepEqual([...b], [7, 8]);
    assert.equal(b.buffer, x.bytes.buffer);
    assert.equal(r(0xff, 0xff, 0xff, 0xff).nullableBytes(), null);
    assert.throws(() => r(0x00, 0x00, 0x00, 0x09, 1).bytesField(), ProtocolError);
    assert.deepEqual([...r(0x02, 5).compactBytes()], [5]);
  });

  await t.step("array lengths: null, bounded by bytes left and by the limit", () => {
    assert.equal(r(0xff, 0xff, 0xff, 0xff).arrayLength(false), -1);
    assert.equal(r(0x00).arrayLength(true), -1);
    assert.equal(r(0x03, 1, 2).arrayLength(true), 2);
    assert.throws(() => r(0x7f, 0xff, 0xff, 0xff).arrayLength(false), ProtocolError);
    assert.throws(() => r(0x03, 1, 2).arrayLength(true, 4), ProtocolError);
    const limited = new Reader(new Uint8Array([0x04, 1, 2, 3]), 0, 4, { maxArrayLength: 2 });
    assert.throws(() => limited.arrayLength(true), ProtocolError);
  });

  await t.step("never reads past its window", () => {
    const bytes = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 2]);
    const x = new Reader(bytes, 0, 6);
    assert.equal(x.int32(), 1);
    assert.throws(() => x.int32(), ProtocolError);
    assert.throws(() => new Reader(bytes, 0, 9), RangeError);
  });

  await t.step("uuid: its text form, read where it lies; a short one is refused", () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i);
    const r = new Reader(bytes, 2);
    assert.equal(r.uuid(), uuidFromBytes(bytes.slice(2, 18)));
    assert.equal(r.offset, 18);
    assert.throws(() => r.uuid(), ProtocolError);
  });
});
