/**
 * Typed refusals for record batches, each carrying the Kafka error code a Produce response uses.
 *
 * @module
 */

/** Kafka error codes used by record validation (values from the Kafka protocol guide). */
export const KafkaCode = {
  CORRUPT_MESSAGE: 2,
  INVALID_TIMESTAMP: 32,
  MESSAGE_TOO_LARGE: 10,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;
export type KafkaCode = (typeof KafkaCode)[keyof typeof KafkaCode];

/** What went wrong, for logs and tests; `code` is what the client sees. */
export type RecordErrorKind =
  | "truncated"
  | "incomplete"
  | "badLength"
  | "badMagic"
  | "unknownMagic"
  | "badCrc"
  | "badCount"
  | "badCodec"
  | "tooLarge"
  | "tooManyBatches"
  | "badRecord"
  | "decompress";

const codeOf: Record<RecordErrorKind, KafkaCode> = {
  truncated: KafkaCode.CORRUPT_MESSAGE,
  // No whole batch where a produced one should start: Kafka reads no batch there, which
  // Produce v3+ refuses as an invalid record.
  incomplete: KafkaCode.INVALID_RECORD,
  badLength: KafkaCode.CORRUPT_MESSAGE,
  // Produce v3+ carries magic 2 only; Kafka refuses older batches as invalid records...
  badMagic: KafkaCode.INVALID_RECORD,
  // ...and a magic no version has as a corrupt one.
  unknownMagic: KafkaCode.CORRUPT_MESSAGE,
  badCrc: KafkaCode.CORRUPT_MESSAGE,
  badCount: KafkaCode.INVALID_RECORD,
  badCodec: KafkaCode.UNSUPPORTED_COMPRESSION_TYPE,
  tooLarge: KafkaCode.MESSAGE_TOO_LARGE,
  tooManyBatches: KafkaCode.INVALID_RECORD,
  badRecord: KafkaCode.INVALID_RECORD,
  decompress: KafkaCode.CORRUPT_MESSAGE,
};

/** A batch or record that must be refused; `code` is the Kafka error code to answer with. */
export class RecordBatchError extends Error {
  override readonly name = "RecordBatchError";
  readonly code: KafkaCode;
  constructor(readonly kind: RecordErrorKind, message: string) {
    super(message);
    this.code = codeOf[kind];
  }
}

/** One refused record of a batch: its index in the batch and why (Produce v8+ record_errors). */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string;
}

/**
 * Records whose timestamps are outside the topic's window (INVALID_TIMESTAMP), each named, as
 * Kafka answers them: the whole batch is refused.
 */
export class RecordTimestampError extends Error {
  override readonly name = "RecordTimestampError";
  readonly code = KafkaCode.INVALID_TIMESTAMP;
  constructor(readonly records: readonly RecordError[]) {
    super("One or more records have been rejected due to invalid timestamp");
  }
}
