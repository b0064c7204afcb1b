/**
 * Reading the topics out of a consumer's subscription (the "consumer" protocol type's metadata,
 * Kafka's ConsumerProtocolSubscription: int16 version, then topics as an int32-counted array of
 * int16-length strings, in every version). The broker needs only this, for OffsetDelete.
 *
 * @module
 */
import { Reader } from "../kafka/protocol/reader.ts";

/** Subscribed topics, or null when the bytes are not a subscription we can read. */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  try {
    const r = new Reader(metadata, 0, metadata.length, { maxArrayLength: 100_000 });
    const version = r.int16();
    if (version < 0) return null;
    const count = r.int32();
    if (count < 0 || count > r.remaining / 2) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    return topics;
  } catch {
    return null;
  }
}
