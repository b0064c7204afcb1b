/**
 * Named refusals of the partition log. Handlers map them to Kafka codes as noted.
 *
 * @module
 */

/** Pending (unsynced or queued) bytes are at their bound; retry later. Kafka: KAFKA_STORAGE_ERROR (56) or a throttle. */
export class LogFullError extends Error {
  override readonly name = "LogFullError";
}

/** The offset is outside [logStartOffset, logEndOffset]. Kafka: OFFSET_OUT_OF_RANGE (1). */
export class OffsetOutOfRangeError extends Error {
  override readonly name = "OffsetOutOfRangeError";
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} outside [${logStartOffset}, ${logEndOffset}]`);
  }
}

/** A batch read back from disk failed its CRC or framing; it is never served. Kafka: KAFKA_STORAGE_ERROR (56). */
export class CorruptBatchError extends Error {
  override readonly name = "CorruptBatchError";
  constructor(readonly segment: string, readonly position: number, reason: string) {
    super(`${segment} at byte ${position}: ${reason}`);
  }
}

/** A follower append whose baseOffset is not the log end. Kafka: a Raft-layer bug. */
export class InvalidOffsetError extends Error {
  override readonly name = "InvalidOffsetError";
}

/** The log hit an I/O error mid-append and refuses writes until reopened (which recovers). Kafka: KAFKA_STORAGE_ERROR (56). */
export class LogFailedError extends Error {
  override readonly name = "LogFailedError";
}

/** The log is closed. */
export class LogClosedError extends Error {
  override readonly name = "LogClosedError";
}

/**
 * An idempotent batch that cannot be appended: `code` is the Kafka error to answer with
 * (OUT_OF_ORDER_SEQUENCE_NUMBER 45 or INVALID_PRODUCER_EPOCH 47).
 */
export class ProducerSequenceError extends Error {
  override readonly name = "ProducerSequenceError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}
