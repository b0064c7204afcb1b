/**
 * Consumer groups and committed offsets: Kafka's classic group protocol (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup) and the offset APIs, coordinated per `__consumer_offsets` partition.
 *
 * ```ts
 * const groups = new GroupCoordinator(meta, partitions, { nodeId, clock: new SystemClock() });
 * await groups.loadAll();                       // replay the partitions led here
 * await groups.locate("g1");                    // FindCoordinator: leader of partition hash(g1) mod N
 * await groups.join({ groupId: "g1", memberId: "", ... });   // resolves when the rebalance completes
 * await groups.sync({ ... }); await groups.heartbeat({ ... }); await groups.leave("g1", [...]);
 * await groups.commit({ groupId, generationId, memberId, groupInstanceId, partitions });
 * await groups.fetchOffsets("g1", null, false); // null topics = every committed offset
 * await groups.close();
 * ```
 *
 * Layers: {@link Group} is the pure state machine of one group (requests + time in, answers and
 * effects out; see `group.ts` for the states). {@link GroupCoordinator} is the I/O shell: it
 * persists what a group asks to persist before answering, parks waiting JoinGroup/SyncGroup
 * calls, and arms timers on the injected {@link Clock} ({@link ManualClock} in tests).
 *
 * Durability: every commit and every group change is a record produced with acks=all to the
 * group's partition of `__consumer_offsets` (created on first use, `offsets.topic.num.partitions`
 * partitions); loading replays the partition. Checkpoints rewrite the live state and delete the
 * log before them, so the topic stays bounded without compaction. Offsets of empty groups expire
 * after `offsets.retention.minutes`, or at the expire time an OffsetCommit v2-v4 gave them.
 * Reasoning: `docs/groups.md`.
 *
 * @module
 */
export { type Clock, ManualClock, SystemClock, type TimerHandle } from "./clock.ts";
export { subscribedTopics } from "./consumer_protocol.ts";
export {
  type CoordinatorLocation,
  type CoordinatorOptions,
  DEFAULT_COORDINATOR_OPTIONS,
  type FetchedOffsets,
  GroupCoordinator,
  javaStringHash,
  OFFSET_EXPIRY_SLICE,
  OFFSETS_TOPIC,
  offsetsPartitionFor,
  type PartitionOffset,
  type TopicPartitionError,
} from "./coordinator.ts";
export {
  Group,
  type GroupEffect,
  type GroupSnapshot,
  type MemberIdFactory,
  type Outcome,
} from "./group.ts";
export * from "./types.ts";
