/**
 * A partition on a standalone node: the leader of itself, at leader epoch 0. Produce validates the
 * batches, checks idempotent sequences, appends and resolves after fdatasync; the high watermark
 * is the durable end of the log, so a consumer never sees a record a crash could take back.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { ErrorCode } from "../kafka/protocol/errors.ts";
import {
  type BatchView,
  checkClientBatch,
  inlineWalker,
  RecordBatchError,
  RecordTimestampError,
  type RecordWalker,
  setCreateTime,
  splitBatches,
  WalkQueueFullError,
} from "../kafka/records/mod.ts";
import {
  CorruptBatchError,
  LogFailedError,
  LogFullError,
  OffsetOutOfRangeError,
  type PartitionLog,
  ProducerSequenceError,
  type ProducerSnapshotEntry,
} from "../log/mod.ts";
import type {
  OffsetAndTimestamp,
  Partition,
  PartitionId,
  ProduceResult,
  ReadOptions,
  ReadResult,
} from "./partition.ts";

const log = getLogger(["chronik", "partition"]);

/** The topic configs a partition acts on, resolved (override, else broker default). */
export interface PartitionConfig {
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
  /** acks=all is refused while fewer replicas than this are in sync (here, one ever is). */
  readonly minInsyncReplicas: number;
  /** How far before and after the log's clock a CreateTime record may be stamped (ms). */
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
}

interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
}

const EMPTY = new Uint8Array(0);
const LEADER_EPOCH = 0;
/**
 * Refused records named in one answer at most; a client fails the others with the batch's error.
 * Bounds the response a batch of millions of small records out of the timestamp window gets.
 */
const MAX_RECORD_ERRORS = 1_000;
/** This node alone is the partition's in-sync replica set. */
const ISR_SIZE = 1;

export class LocalPartition implements Partition {
  readonly topic: string;
  readonly topicId: string;
  readonly index: number;
  readonly leaderEpoch = LEADER_EPOCH;
  config: PartitionConfig;
  /** Exclusive end of what is durable and visible to consumers. Never decreases. */
  #highWatermark: number;
  readonly #waiters = new Set<Waiter>();
  /** Settles once the last produce waiting for its walk has been appended or refused. */
  #turn: Promise<void> | undefined;

  constructor(
    id: PartitionId,
    readonly log: PartitionLog,
    config: PartitionConfig,
    readonly walker: RecordWalker = inlineWalker,
  ) {
    this.topic = id.topic;
    this.topicId = id.topicId;
    this.index = id.index;
    this.config = config;
    // Everything recovered on open is on disk.
    this.#highWatermark = log.logEndOffset;
  }

  logStartOffset(): number {
    return this.log.logStartOffset;
  }

  highWatermark(): number {
    return this.#highWatermark;
  }

  logEndOffset(): number {
    return this.log.logEndOffset;
  }

  sizeBytes(): number {
    return this.log.sizeBytes;
  }

  async produce(records: Uint8Array, acks: number): Promise<ProduceResult> {
    // Kafka checks this before it looks at the batch, and only for acks=all.
    if (acks === -1 && ISR_SIZE < this.config.minInsyncReplicas) {
      return this.#failed(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `${ISR_SIZE} in-sync replica, min.insync.replicas is ${this.config.minInsyncReplicas}`,
      );
    }
    let view: BatchView;
    let checked: number | Promise<number>;
    try {
      view = splitBatches(records, {
        maxBatchBytes: this.config.maxMessageBytes,
        maxBatches: 1,
      })[0]!;
      checkClientBatch(view);
      checked = this.#checkRecords(view);
    } catch (e) {
      return this.#refused(e);
    }
    if (typeof checked === "number" && this.#turn === undefined) {
      return this.#append(view, checked);
    }
    // A batch walked off the main thread, or one behind such a batch: appended in arrival order
    // all the same, as a producer's pipelined sequences need.
    const previous = this.#turn;
    const { promise: turn, resolve: endTurn } = Promise.withResolvers<void>();
    this.#turn = turn;
    try {
      await previous;
      let maxTimestamp: number;
      try {
        maxTimestamp = await checked;
      } catch (e) {
        return this.#refused(e);
      }
      return this.#append(view, maxTimestamp); // enqueued before the turn ends
    } finally {
      endTurn();
      if (this.#turn === turn) this.#turn = undefined;
    }
  }

  /** The answer to a batch refused before its append. */
  #refused(e: unknown): ProduceResult {
    if (e instanceof RecordBatchError) return this.#failed(e.code, e.message);
    if (e instanceof RecordTimestampError) {
      return { ...this.#failed(e.code, e.message), recordErrors: e.records };
    }
    if (e instanceof WalkQueueFullError) {
      return this.#failed(ErrorCode.REQUEST_TIMED_OUT, e.message);
    }
    throw e;
  }

  async #append(view: BatchView, maxTimestamp: number): Promise<ProduceResult> {
    if (!this.config.logAppendTime) setCreateTime(view.bytes, maxTimestamp);
    try {
      const appended = await this.log.append([view], {
        partitionLeaderEpoch: LEADER_EPOCH,
        logAppendTime: this.config.logAppendTime,
        checkProducers: true,
      });
      if (!appended.duplicate) this.#advanceHighWatermark(appended.lastOffset + 1);
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: appended.baseOffset,
        logAppendTimeMs: appended.logAppendTimeMs,
        logStartOffset: this.log.logStartOffset,
        recordErrors: [],
      };
    } catch (e) {
      if (e instanceof ProducerSequenceError) return this.#failed(e.code, e.message);
      if (e instanceof LogFullError) {
        return this.#failed(
          ErrorCode.REQUEST_TIMED_OUT,
          "partition is over its pending-bytes bound",
        );
      }
      if (e instanceof LogFailedError) {
        log.error("produce to {topic}-{index} failed: {error}", {
          topic: this.topic,
          index: this.index,
          error: e.message,
        });
        return this.#failed(ErrorCode.KAFKA_STORAGE_ERROR, e.message);
      }
      throw e;
    }
  }

  /**
   * Kafka's record validation: every record must be readable, and a CreateTime record's
   * timestamp within the topic's window; gives the records' max timestamp, which a CreateTime
   * batch's header then gets (what ListOffsets, the time index and retention read). A client may
   * not mark a batch LogAppendTime on a LogAppendTime topic (the append stamps it). A large batch
   * is walked by a worker ({@link RecordWalker}), so the answer may be a promise.
   */
  #checkRecords(view: BatchView): number | Promise<number> {
    if (this.config.logAppendTime) {
      // Walked first: the record count is then the records', not only the header's claim.
      const walked = this.walker.walk(view);
      // The max timestamp is unused here (the append stamps the batch): -1 once the type passes.
      const checkType = () => {
        if (view.timestampType !== "logAppendTime") return -1;
        const named = Math.min(view.recordCount, MAX_RECORD_ERRORS);
        throw new RecordTimestampError(
          Array.from({ length: named }, (_, i) => ({
            batchIndex: i,
            message: "a producer may not set the timestamp type to LogAppendTime",
          })),
        );
      };
      return typeof walked === "number" ? checkType() : walked.then(checkType);
    }
    const now = this.log.nowMs();
    return this.walker.walk(view, {
      maxRecordErrors: MAX_RECORD_ERRORS,
      timestamps: {
        min: now - this.config.timestampBeforeMaxMs,
        max: now + this.config.timestampAfterMaxMs,
      },
    });
  }

  /**
   * A refused produce. No record errors: those name records inside a batch, and Kafka leaves them
   * out for a refusal of the whole batch (the Java producer would fail the other records of the
   * batch with a generic error).
   */
  #failed(errorCode: number, message: string): ProduceResult {
    return {
      errorCode,
      errorMessage: message,
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: this.log.logStartOffset,
      recordErrors: [],
    };
  }

  #advanceHighWatermark(offset: number): void {
    if (offset <= this.#highWatermark) return;
    this.#highWatermark = offset;
    for (const w of this.#waiters) {
      if (offset > w.offset) {
        this.#waiters.delete(w);
        w.resolve();
      }
    }
  }

  async read(fetchOffset: number, options: ReadOptions): Promise<ReadResult> {
    const hw = this.#highWatermark;
    const base = {
      highWatermark: hw,
      lastStableOffset: hw,
      logStartOffset: this.log.logStartOffset,
    };
    if (fetchOffset < this.log.logStartOffset || fetchOffset > this.log.logEndOffset) {
      return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: EMPTY };
    }
    if (fetchOffset >= hw || (options.maxBytes <= 0 && !options.minOneBatch)) {
      return { ...base, errorCode: ErrorCode.NONE, records: EMPTY };
    }
    try {
      const r = await this.log.read(fetchOffset, {
        maxBytes: options.maxBytes,
        maxOffset: hw,
        minOneBatch: options.minOneBatch,
        ...(options.buffers === undefined ? {} : { buffers: options.buffers }),
      });
      const held = r.buffer === undefined ? {} : { buffer: r.buffer };
      return { ...base, errorCode: ErrorCode.NONE, records: r.records, ...held };
    } catch (e) {
      if (e instanceof OffsetOutOfRangeError) {
        return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: EMPTY };
      }
      if (e instanceof CorruptBatchError || e instanceof LogFailedError) {
        log.error("read of {topic}-{index} at {offset} failed: {error}", {
          topic: this.topic,
          index: this.index,
          offset: fetchOffset,
          error: e.message,
        });
        return { ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, records: EMPTY };
      }
      throw e;
    }
  }

  waitForData(offset: number, signal: AbortSignal): Promise<void> {
    if (this.#highWatermark > offset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        offset,
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiters.delete(waiter);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  async listOffset(timestamp: number, _isolationLevel: number): Promise<OffsetAndTimestamp | null> {
    const hw = this.#highWatermark;
    switch (timestamp) {
      case -2: // earliest
      case -4: // earliest local (KIP-405): with no tiered storage, the log start
        return { offset: this.log.logStartOffset, timestamp: -1, leaderEpoch: LEADER_EPOCH };
      case -1:
        return { offset: hw, timestamp: -1, leaderEpoch: LEADER_EPOCH };
      case -3: {
        const found = await this.log.maxTimestamp();
        if (found === null || found.offset >= hw) return null;
        return { offset: found.offset, timestamp: found.timestampMs, leaderEpoch: LEADER_EPOCH };
      }
      default: {
        if (timestamp < 0) return null;
        const found = await this.log.offsetForTimestamp(timestamp);
        if (found === null || found.offset >= hw) return null;
        return { offset: found.offset, timestamp: found.timestampMs, leaderEpoch: LEADER_EPOCH };
      }
    }
  }

  async deleteRecordsBefore(offset: number): Promise<{ errorCode: number; lowWatermark: number }> {
    const target = offset === -1 ? this.#highWatermark : offset;
    if (target < 0 || target > this.#highWatermark) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 };
    }
    await this.log.truncatePrefix(target);
    return { errorCode: ErrorCode.NONE, lowWatermark: this.log.logStartOffset };
  }

  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: number } {
    // One epoch only: every batch here was written at epoch 0, which starts at the log start.
    // Kafka's epoch cache: -1 is undefined; an epoch after the last has no end; one before the
    // first ends where the first starts, and is answered as asked.
    if (epoch === -1 || epoch > LEADER_EPOCH) return { leaderEpoch: -1, endOffset: -1 };
    if (epoch < LEADER_EPOCH) return { leaderEpoch: epoch, endOffset: this.log.logStartOffset };
    return { leaderEpoch: LEADER_EPOCH, endOffset: this.log.logEndOffset };
  }

  activeProducers(): readonly ProducerSnapshotEntry[] {
    return [...this.log.producers.entries()];
  }

  /** Releases fetches waiting on this partition (on close or delete). */
  wakeAll(): void {
    for (const w of this.#waiters) w.resolve();
    this.#waiters.clear();
  }
}
