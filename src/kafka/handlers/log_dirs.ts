/**
 * DescribeLogDirs (KIP-113; the volume's sizes since v4, KIP-827), answered as a Kafka broker with
 * one log directory answers it: one result, the node's data directory by its absolute path, with
 * every partition whose log is here and its size in bytes. `topics: null` asks for all of them;
 * named topics and partitions that are not here are left out of the answer, not refused. Admin
 * tools (`kafka-log-dirs.sh`, kafka-ui, AKHQ, Redpanda Console) show topic sizes from it.
 *
 * Kafka requires DESCRIBE on the cluster; with no authorizer every request has it, so the
 * top-level error (v3+) is always NONE. v5's `isCordoned` is false: a Kafka 4.3 operator can cordon
 * a log directory so no new partition is placed in it; Chronik has one directory and no cordoning.
 *
 * @module
 */
import type { Partition } from "../../cluster/partition.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { big, byCodeUnits, defineHandler } from "./_util.ts";

interface DescribeLogDirsRequest {
  readonly topics: readonly { topic: string; partitions: readonly number[] }[] | null;
}

/** The first version whose answer carries the volume's total and usable bytes (KIP-827). */
const VERSION_WITH_SPACE = 4;
/** Kafka's answer when the volume's size is unknown. */
const UNKNOWN_BYTES = -1n;

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest>(
  async (broker, { body, version }) => {
    // Only v4+ carries the volume's sizes: older versions need no statfs.
    const space = version >= VERSION_WITH_SPACE ? await broker.logDir.space() : null;
    const wanted = body.topics === null ? null : requestedPartitions(body.topics);
    const byTopic = new Map<string, Partition[]>();
    for (const p of broker.partitions.all()) {
      if (wanted !== null && wanted.get(p.topic)?.has(p.index) !== true) continue;
      let list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, list = []);
      list.push(p);
    }
    const topics = [...byTopic.keys()].sort(byCodeUnits).map((name) => ({
      name,
      partitions: byTopic.get(name)!.sort((a, b) => a.index - b.index).map((p) => ({
        partitionIndex: p.index,
        partitionSize: big(p.sizeBytes()),
        // Kafka's lag of the log end behind the high watermark, floored at 0: a current log
        // (never a future one, which AlterReplicaLogDirs would make) always ends at or past it.
        offsetLag: 0n,
        isFutureKey: false,
      })),
    }));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{
        errorCode: ErrorCode.NONE,
        logDir: broker.logDir.path,
        topics,
        totalBytes: space?.totalBytes ?? UNKNOWN_BYTES,
        usableBytes: space?.usableBytes ?? UNKNOWN_BYTES,
        isCordoned: false,
      }],
    };
  },
);

/** Topic → partition indexes asked for; a topic named twice asks for both lists. */
function requestedPartitions(
  topics: NonNullable<DescribeLogDirsRequest["topics"]>,
): Map<string, Set<number>> {
  const wanted = new Map<string, Set<number>>();
  for (const { topic, partitions } of topics) {
    let indexes = wanted.get(topic);
    if (indexes === undefined) wanted.set(topic, indexes = new Set());
    for (const index of partitions) indexes.add(index);
  }
  return wanted;
}
