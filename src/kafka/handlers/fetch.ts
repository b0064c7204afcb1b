/**
 * Fetch: whole batches up to the high watermark within per-partition and total byte budgets, with
 * long-polling: when fewer than `minBytes` are ready the request waits, woken by appends (no
 * polling loop), until enough data arrives or `maxWaitMs` passes. No incremental fetch sessions:
 * the response always carries session id 0, which tells clients to keep sending full fetches.
 * A full fetch (session epoch 0 or -1, KIP-227) is answered whatever session id it names: Kafka
 * closes that session and answers, and a broker that creates no new session answers id 0. An
 * incremental fetch (any other epoch) names a session this node never created: as Kafka answers an
 * unknown session, FETCH_SESSION_ID_NOT_FOUND, also for session id 0 (never a real session).
 * A partition's error is answered with -1 offsets (high watermark, last stable, log start), as
 * Kafka's; any negative current leader epoch means none.
 *
 * @module
 */
import type { BufferPool } from "../../buffer_pool.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { Partition, ReadResult } from "../../cluster/partition.ts";
import {
  epochError,
  NO_LEADER_EPOCH,
  oncePerPartition,
  resolvePartition,
  topicName,
} from "./_partitions.ts";
import { big, defineHandler, num } from "./_util.ts";

interface FetchPartitionRequest {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
}

interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: { topic?: string; topicId?: string; partitions: FetchPartitionRequest[] }[];
}

/** A requested partition: resolved to a local partition, or an error to report. */
type Slot =
  | { readonly partition: Partition; readonly request: FetchPartitionRequest }
  | { readonly errorCode: number; readonly request: FetchPartitionRequest };

const EMPTY = new Uint8Array(0);
/** KIP-227 session epochs that mark a full fetch: open a session (0) or use none (-1). */
const INITIAL_EPOCH = 0;
const FINAL_EPOCH = -1;
/** Fetch isolation level 1: only records below the last stable offset. */
const READ_COMMITTED = 1;
/** Fetch v5 and older: clients may not know KAFKA_STORAGE_ERROR and would not retry it. */
const LAST_VERSION_WITHOUT_STORAGE_ERROR = 5;

export const fetchHandler = defineHandler<FetchRequest>(async (broker, request) => {
  const { version, body, buffers } = request;
  const byId = version >= 13;
  if (body.sessionEpoch !== INITIAL_EPOCH && body.sessionEpoch !== FINAL_EPOCH) {
    return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  }
  // A partition named twice is read once, from its last naming's offset, as Kafka's map of the
  // request keeps it.
  const { topics } = oncePerPartition(
    body.topics,
    (t) => byId ? t.topicId : t.topic,
    (t) => t.partitions,
    (p) => p.partition,
    (t, partitions) => ({ ...t, partitions }),
  );
  const slots: Slot[][] = topics.map((t) => {
    const name = topicName(broker, byId, t.topic, t.topicId);
    return t.partitions.map((request): Slot => {
      const resolved = resolvePartition(broker, name, request.partition, byId);
      if (!resolved.ok) return { errorCode: resolved.errorCode, request };
      // Fetch takes any negative current epoch as none (Kafka's FetchRequest); only ListOffsets
      // and OffsetForLeaderEpoch fence the others.
      const epoch = request.currentLeaderEpoch < 0 ? NO_LEADER_EPOCH : request.currentLeaderEpoch;
      const fenced = epochError(resolved.partition, epoch);
      if (fenced !== ErrorCode.NONE) return { errorCode: fenced, request };
      return { partition: resolved.partition, request };
    });
  });
  const maxBytes = Math.min(Math.max(body.maxBytes, 0), broker.settings.fetchMaxBytes);
  const deadline = performance.now() + Math.min(body.maxWaitMs, broker.settings.fetchMaxWaitMs);
  const pool = buffers?.pool;
  // As in Kafka: no more than the response may hold is waited for, and partitions the broker does
  // not know do not cut the wait short (with no known partition, waitForAny has nothing to wait on).
  const minBytes = Math.min(body.minBytes, maxBytes);
  let results = await readAll(slots, maxBytes, body.isolationLevel, pool);
  while (
    totalBytes(results) < minBytes && !hasReadError(slots, results) && performance.now() < deadline
  ) {
    const woken = await waitForAny(slots, results, deadline);
    if (!woken) break;
    // Read again from the same offsets: the batches read so far are not answered.
    for (const row of results) for (const r of row) if (r.buffer) pool?.give(r.buffer);
    results = await readAll(slots, maxBytes, body.isolationLevel, pool);
  }
  for (const row of results) {
    for (const r of row) if (r.buffer) buffers?.giveAfterEncoding(r.buffer);
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: topics.map((t, ti) => ({
      topic: t.topic ?? "",
      topicId: t.topicId,
      partitions: t.partitions.map((p, pi) => {
        const r = results[ti]![pi]!;
        return {
          partitionIndex: p.partition,
          errorCode: clientErrorCode(r.errorCode, version),
          highWatermark: big(r.highWatermark),
          lastStableOffset: big(r.lastStableOffset),
          logStartOffset: big(r.logStartOffset),
          // Kafka's read_committed read lists the aborted transactions it spans, here none; only
          // a read_uncommitted read or an error carries no list.
          abortedTransactions: body.isolationLevel === READ_COMMITTED &&
              r.errorCode === ErrorCode.NONE
            ? []
            : null,
          preferredReadReplica: -1,
          records: r.records,
        };
      }),
    })),
  };
});

/**
 * As Kafka does, a storage error goes to old clients as NOT_LEADER_OR_FOLLOWER, which makes them
 * refresh metadata and retry; they would take the unknown code as fatal.
 */
function clientErrorCode(errorCode: number, version: number): number {
  return errorCode === ErrorCode.KAFKA_STORAGE_ERROR &&
      version <= LAST_VERSION_WITHOUT_STORAGE_ERROR
    ? ErrorCode.NOT_LEADER_OR_FOLLOWER
    : errorCode;
}

function topLevelError(errorCode: number) {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] };
}

/** Reads every slot in request order, sharing one byte budget; the first data may exceed it. */
async function readAll(
  slots: Slot[][],
  maxBytes: number,
  isolationLevel: number,
  pool: BufferPool | undefined,
): Promise<ReadResult[][]> {
  let remaining = maxBytes;
  let first = true;
  const out: ReadResult[][] = [];
  for (const topic of slots) {
    const row: ReadResult[] = [];
    for (const slot of topic) {
      if (!("partition" in slot)) {
        row.push(errorResult(slot.errorCode));
        continue;
      }
      const budget = Math.max(0, Math.min(slot.request.partitionMaxBytes, remaining));
      const result = await slot.partition.read(num(slot.request.fetchOffset), {
        maxBytes: budget,
        minOneBatch: first,
        isolationLevel,
        ...(pool === undefined ? {} : { buffers: pool }),
      });
      if (result.errorCode !== ErrorCode.NONE) {
        // As Kafka answers a partition's error: no records and unknown (-1) offsets, whatever the
        // log holds.
        if (result.buffer) pool?.give(result.buffer);
        row.push(errorResult(result.errorCode));
        continue;
      }
      if (result.records.length > 0) first = false;
      remaining -= result.records.length;
      row.push(result);
    }
    out.push(row);
  }
  return out;
}

function errorResult(errorCode: number): ReadResult {
  return {
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    records: EMPTY,
  };
}

function totalBytes(results: ReadResult[][]): number {
  let n = 0;
  for (const row of results) for (const r of row) n += r.records.length;
  return n;
}

function isUnknown(slot: Slot): boolean {
  return "errorCode" in slot &&
    (slot.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
      slot.errorCode === ErrorCode.UNKNOWN_TOPIC_ID);
}

/** An error other than an unknown topic or partition: answered at once. */
function hasReadError(slots: Slot[][], results: ReadResult[][]): boolean {
  return results.some((row, t) =>
    row.some((r, p) => r.errorCode !== ErrorCode.NONE && !isUnknown(slots[t]![p]!))
  );
}

/** Waits until one partition's high watermark passes the fetch position, or the deadline. */
async function waitForAny(
  slots: Slot[][],
  results: ReadResult[][],
  deadline: number,
): Promise<boolean> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, Math.max(0, deadline - performance.now()));
  try {
    const waits: Promise<void>[] = [];
    slots.forEach((topic, ti) =>
      topic.forEach((slot, pi) => {
        if (!("partition" in slot)) return;
        const fetchOffset = num(slot.request.fetchOffset);
        const position = Math.max(fetchOffset, results[ti]![pi]!.highWatermark);
        waits.push(slot.partition.waitForData(position, controller.signal));
      })
    );
    if (waits.length === 0) return false;
    await Promise.race(waits);
    return !timedOut;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
