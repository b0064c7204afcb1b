/**
 * Plain data shared by the group state machine, its persistence and the handlers: requests and
 * responses in the coordinator's own terms (numbers, not the codec's bigints), and limits.
 *
 * @module
 */

/** Kafka's classic group states, spelled as DescribeGroups and ListGroups show them. */
export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export const GROUP_STATES: readonly GroupState[] = [
  "Empty",
  "PreparingRebalance",
  "CompletingRebalance",
  "Stable",
  "Dead",
];

export interface Protocol {
  readonly name: string;
  readonly metadata: Uint8Array;
}

export interface JoinRequest {
  readonly groupId: string;
  /** "" for a member joining for the first time. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
  readonly sessionTimeoutMs: number;
  /** v0 has none: the handler passes the session timeout (Kafka's rule). */
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id (KIP-394). */
  readonly requireKnownMemberId: boolean;
}

export interface JoinMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Uint8Array;
}

export interface JoinResponse {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  /** KIP-814: a static leader rejoining a stable group must not reassign. */
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Non-empty for the leader only. */
  readonly members: readonly JoinMember[];
}

export interface SyncRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v5+; null when the client did not send them. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { memberId: string; assignment: Uint8Array }[];
}

export interface SyncResponse {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Uint8Array;
}

export interface HeartbeatRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveResult {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly errorCode: number;
}

/** One committed offset as stored and fetched. */
export interface CommittedOffset {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /**
   * When the offset expires, set by an OffsetCommit v2-v4 `retentionTimeMs` other than -1 (Kafka's
   * expireTimestamp); null: `offsets.retention.minutes` after its base applies instead.
   */
  readonly expireTimestampMs: number | null;
  /** Id of the topic committed to; null in records written before ids were stored. */
  readonly topicId: string | null;
}

export interface OffsetCommitPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface CommitRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v2-v4: how long to keep these offsets; -1 (and v5+) means `offsets.retention.minutes`. */
  readonly retentionTimeMs: number;
  readonly partitions: readonly OffsetCommitPartition[];
}

export interface DescribedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly metadata: Uint8Array;
  readonly assignment: Uint8Array;
}

export interface DescribedGroup {
  readonly groupId: string;
  readonly state: GroupState;
  readonly protocolType: string;
  /** The selected protocol when Stable, else "". */
  readonly protocolData: string;
  readonly members: readonly DescribedMember[];
}

/** Bounds and Kafka's group.* broker settings. */
export interface GroupLimits {
  /** group.min.session.timeout.ms (Kafka: 6000). */
  readonly minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms (Kafka: 1800000). */
  readonly maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms (Kafka: 3000): wait for more members of a new group. */
  readonly initialRebalanceDelayMs: number;
  /** group.max.size: members beyond it get GROUP_MAX_SIZE_REACHED. */
  readonly maxMembers: number;
  /**
   * offset.metadata.max.bytes (Kafka: 4096). Despite the name Kafka compares it with the
   * metadata's UTF-16 length (Java `String.length`), as we do.
   */
  readonly maxOffsetMetadataChars: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxMembers: 1_000,
  maxOffsetMetadataChars: 4_096,
};
