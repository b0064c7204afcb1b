/**
 * The records of `__consumer_offsets`, in our own versioned encoding (not Kafka's: nothing outside
 * Chronik reads this topic). Every record has a key and a value; a null value is a tombstone.
 *
 * key   = int16 kind (0 offset, 1 group) · group id (string) · [offset: topic (string), partition (int32)]
 * value = int16 version · fields of the kind, appended to only in new versions
 *
 * Offset values: v0 = offset (int64) · leader epoch (int32) · metadata · commit time (int64);
 * v1 (written since) appends the expire time (int64, -1 for none; Kafka's OffsetCommitValue v1
 * `expireTimestamp`) and the topic id (nullable string; Kafka 4.x's tagged `topicId`). A v0 record
 * reads as no expire time and an unknown topic id. Group values are v0.
 *
 * Strings are int16-length UTF-8, bytes int32-length, as in the Kafka protocol. Replay is
 * last-write-wins per key, so a checkpoint is simply every live key written again.
 *
 * @module
 */
import { Reader } from "../kafka/protocol/reader.ts";
import { Writer } from "../kafka/protocol/writer.ts";
import type { GroupSnapshot } from "./group.ts";
import type { CommittedOffset } from "./types.ts";

const KIND_OFFSET = 0;
const KIND_GROUP = 1;
/** Newest value version of each kind: written, and the highest one read. */
const OFFSET_VALUE_VERSION = 1;
const GROUP_VALUE_VERSION = 0;
const NO_EXPIRE_TIMESTAMP = -1;

export type OffsetsRecord =
  | {
    readonly kind: "offset";
    readonly groupId: string;
    readonly topic: string;
    readonly partition: number;
    readonly value: CommittedOffset | null;
  }
  | { readonly kind: "group"; readonly groupId: string; readonly value: GroupSnapshot | null };

/** A stored record we cannot read: a newer version, or damage. Loading stops with it. */
export class OffsetsRecordError extends Error {
  override readonly name = "OffsetsRecordError";
}

export function encodeKey(r: OffsetsRecord): Uint8Array {
  const w = new Writer();
  w.int16(r.kind === "offset" ? KIND_OFFSET : KIND_GROUP);
  w.nullableString(r.groupId);
  if (r.kind === "offset") {
    w.nullableString(r.topic);
    w.int32(r.partition);
  }
  return w.bytes().slice();
}

export function encodeValue(r: OffsetsRecord): Uint8Array | null {
  if (r.value === null) return null;
  const w = new Writer();
  if (r.kind === "offset") {
    const v = r.value as CommittedOffset;
    w.int16(OFFSET_VALUE_VERSION);
    w.int64(BigInt(v.offset));
    w.int32(v.leaderEpoch);
    w.nullableString(v.metadata);
    w.int64(BigInt(v.commitTimestampMs));
    w.int64(BigInt(v.expireTimestampMs ?? NO_EXPIRE_TIMESTAMP));
    w.nullableString(v.topicId);
    return w.bytes().slice();
  }
  w.int16(GROUP_VALUE_VERSION);
  const g = r.value as GroupSnapshot;
  w.nullableString(g.protocolType);
  w.int32(g.generationId);
  w.nullableString(g.protocolName);
  w.nullableString(g.leaderId);
  w.int64(BigInt(g.stateTimestampMs));
  w.int32(g.members.length);
  for (const m of g.members) {
    w.nullableString(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.nullableString(m.clientId);
    w.nullableString(m.clientHost);
    w.int32(m.sessionTimeoutMs);
    w.int32(m.rebalanceTimeoutMs);
    w.nullableBytes(m.subscription);
    w.nullableBytes(m.assignment);
  }
  return w.bytes().slice();
}

export function decodeRecord(key: Uint8Array, value: Uint8Array | null): OffsetsRecord {
  try {
    const k = new Reader(key);
    const kind = k.int16();
    const groupId = k.string();
    if (kind === KIND_OFFSET) {
      const topic = k.string();
      const partition = k.int32();
      return { kind: "offset", groupId, topic, partition, value: value && decodeOffset(value) };
    }
    if (kind === KIND_GROUP) {
      return { kind: "group", groupId, value: value && decodeGroup(value) };
    }
    throw new OffsetsRecordError(`unknown record kind ${kind}`);
  } catch (e) {
    if (e instanceof OffsetsRecordError) throw e;
    throw new OffsetsRecordError(`undecodable record: ${(e as Error).message}`);
  }
}

/** Reads the value's version: one we know, else the record cannot be read. */
function version(r: Reader, newest: number): number {
  const v = r.int16();
  if (v < 0 || v > newest) throw new OffsetsRecordError(`value version ${v} is not one we read`);
  return v;
}

function decodeOffset(value: Uint8Array): CommittedOffset {
  const r = new Reader(value);
  const v = version(r, OFFSET_VALUE_VERSION);
  const offset = Number(r.int64());
  const leaderEpoch = r.int32();
  const metadata = r.nullableString() ?? "";
  const commitTimestampMs = Number(r.int64());
  if (v === 0) {
    return {
      offset,
      leaderEpoch,
      metadata,
      commitTimestampMs,
      expireTimestampMs: null,
      topicId: null,
    };
  }
  const expire = Number(r.int64());
  return {
    offset,
    leaderEpoch,
    metadata,
    commitTimestampMs,
    expireTimestampMs: expire === NO_EXPIRE_TIMESTAMP ? null : expire,
    topicId: r.nullableString(),
  };
}

function decodeGroup(value: Uint8Array): GroupSnapshot {
  const r = new Reader(value);
  version(r, GROUP_VALUE_VERSION);
  const protocolType = r.nullableString();
  const generationId = r.int32();
  const protocolName = r.nullableString();
  const leaderId = r.nullableString();
  const stateTimestampMs = Number(r.int64());
  const count = r.int32();
  if (count < 0 || count > r.remaining) throw new OffsetsRecordError(`member count ${count}`);
  const members: GroupSnapshot["members"][number][] = [];
  for (let i = 0; i < count; i++) {
    members.push({
      memberId: r.string(),
      groupInstanceId: r.nullableString(),
      clientId: r.string(),
      clientHost: r.string(),
      sessionTimeoutMs: r.int32(),
      rebalanceTimeoutMs: r.int32(),
      subscription: (r.nullableBytes() ?? new Uint8Array(0)).slice(),
      assignment: (r.nullableBytes() ?? new Uint8Array(0)).slice(),
    });
  }
  return { protocolType, generationId, protocolName, leaderId, stateTimestampMs, members };
}
