/**
 * Consumer-group APIs: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * DescribeGroups, ListGroups, DeleteGroups, OffsetDelete. Each handler maps its version's fields
 * to the coordinator (`src/groups/`) and back; group semantics live there, not here. OffsetCommit
 * v10 and OffsetFetch v10 name topics by id: the handlers resolve ids to the names the coordinator
 * keeps offsets under, and refuse unknown ids themselves, as Kafka 4.3.1's KafkaApis does.
 *
 * @module
 */
import { type FetchedOffsets, GROUP_STATES, type GroupState } from "../../groups/mod.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import { topicName } from "./_partitions.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, big, defineHandler, num } from "./_util.ts";
import type { BrokerContext } from "./context.ts";

// READ 3, DELETE 6, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11: Kafka 4.x's operations on a
// group (AclEntry.supportedOperations(GROUP)), all allowed without an authorizer.
const GROUP_OPERATIONS_ALL = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
}

export const joinGroupHandler = defineHandler<JoinGroupRequest>(
  async (broker, { header, clientHost, version, body }) => {
    const r = await broker.groups.join({
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: version >= 5 ? body.groupInstanceId : null,
      protocolType: body.protocolType,
      protocols: body.protocols,
      sessionTimeoutMs: body.sessionTimeoutMs,
      // v0 has no rebalance timeout: Kafka uses the session timeout.
      rebalanceTimeoutMs: version >= 1 ? body.rebalanceTimeoutMs : body.sessionTimeoutMs,
      clientId: header.clientId ?? "",
      clientHost,
      requireKnownMemberId: version >= 4,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Before v7 the name is not nullable: "" stands for none.
      protocolName: version >= 7 ? r.protocolName : r.protocolName ?? "",
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: m.metadata,
      })),
    };
  },
);

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export const syncGroupHandler = defineHandler<SyncGroupRequest>(
  async (broker, { version, body }) => {
    if (version >= 5 && (body.protocolType === null || body.protocolName === null)) {
      // Mandatory from v5: Kafka refuses their absence before looking at the group.
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
        protocolType: null,
        protocolName: null,
        assignment: new Uint8Array(0),
      };
    }
    const r = await broker.groups.sync({
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      protocolType: body.protocolType,
      protocolName: body.protocolName,
      assignments: body.assignments,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      assignment: r.assignment,
    };
  },
);

interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const heartbeatHandler = defineHandler<HeartbeatRequest>(async (broker, { body }) => ({
  throttleTimeMs: 0,
  errorCode: await broker.groups.heartbeat(body),
}));

interface LeaveGroupRequest {
  groupId: string;
  memberId?: string;
  members?: { memberId: string; groupInstanceId: string | null }[];
}

export const leaveGroupHandler = defineHandler<LeaveGroupRequest>(
  async (broker, { version, body }) => {
    const leaving = version >= 3
      ? (body.members ?? []).map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
      }))
      : [{ memberId: body.memberId ?? "", groupInstanceId: null }];
    const r = await broker.groups.leave(body.groupId, leaving);
    if (version < 3) {
      // One member, one error: the member's own is the answer.
      return { throttleTimeMs: 0, errorCode: r.members[0]?.errorCode ?? r.errorCode };
    }
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      members: r.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        errorCode: m.errorCode,
      })),
    };
  },
);

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-v4 only. */
  retentionTimeMs?: bigint | number;
  topics: {
    /** v2-v9. */
    name?: string;
    /** v10+. */
    topicId?: string;
    partitions: {
      partitionIndex: number;
      committedOffset: bigint;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

/** A topic of an OffsetCommit answer: named by id from v10 (KIP-848), by name before. */
interface CommitAnswerTopic {
  name: string;
  topicId: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

/**
 * v10 names topics by id: an id the metadata does not know (the zero id too) is UNKNOWN_TOPIC_ID
 * for each of its partitions, echoing the id, and never reaches the group (KafkaApis).
 */
export const offsetCommitHandler = defineHandler<OffsetCommitRequest>(
  async (broker, { version, body }) => {
    const byId = version >= 10;
    // Kafka refuses unknown topics and partitions before asking the group, so they lead the
    // answer; the group answers the rest.
    const refused: CommitAnswerTopic[] = [];
    const asked = [];
    for (const t of body.topics) {
      const topic = { name: t.name ?? "", topicId: t.topicId ?? ZERO_UUID };
      const refuse = (partitions: typeof t.partitions, errorCode: number) =>
        refused.push({
          ...topic,
          partitions: partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
        });
      const name = topicName(broker, byId, t.name, t.topicId);
      if (name === undefined) {
        refuse(t.partitions, ErrorCode.UNKNOWN_TOPIC_ID);
        continue;
      }
      if (broker.meta.tables.topic(name) === undefined) {
        refuse(t.partitions, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const exists = (p: { partitionIndex: number }) =>
        broker.meta.tables.partition(name, p.partitionIndex) !== undefined;
      const missing = t.partitions.filter((p) => !exists(p));
      if (missing.length > 0) refuse(missing, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const present = t.partitions.filter(exists);
      if (present.length > 0) asked.push({ topic, name, partitions: present });
    }
    if (asked.length === 0) return { throttleTimeMs: 0, topics: commitAnswer(byId, refused, []) };
    const results = await broker.groups.commit({
      groupId: body.groupId,
      generationId: body.generationIdOrMemberEpoch,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      // v5 dropped the field: the broker's offsets.retention.minutes decides from then on.
      retentionTimeMs: version <= 4 ? num(body.retentionTimeMs ?? -1) : -1,
      partitions: asked.flatMap(({ name, partitions }) =>
        partitions.map((p) => ({
          topic: name,
          partition: p.partitionIndex,
          offset: num(p.committedOffset),
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
        }))
      ),
    });
    let next = 0;
    const committed = asked.map(({ topic, partitions }) => ({
      ...topic,
      partitions: partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: commitErrorFor(version, results[next++]!.errorCode),
      })),
    }));
    return { throttleTimeMs: 0, topics: commitAnswer(byId, refused, committed) };
  },
);

/**
 * Kafka's OffsetCommitResponse.Builder: the refused partitions gathered into one entry per topic
 * (its id from v10, else its name) in the order topics first appear, then the group's answer merged
 * into them the same way; with nothing refused, the group's answer as it is (a topic requested
 * twice is then answered twice).
 */
function commitAnswer(
  byId: boolean,
  refused: readonly CommitAnswerTopic[],
  committed: readonly CommitAnswerTopic[],
): CommitAnswerTopic[] {
  if (refused.length === 0) return [...committed];
  const byKey = new Map<string, CommitAnswerTopic>();
  for (const t of [...refused, ...committed]) {
    const key = byId ? t.topicId : t.name;
    const entry = byKey.get(key);
    if (entry === undefined) byKey.set(key, { ...t, partitions: [...t.partitions] });
    else entry.partitions.push(...t.partitions);
  }
  return [...byKey.values()];
}

/** A missing group is GROUP_ID_NOT_FOUND from v9; older clients expect ILLEGAL_GENERATION. */
function commitErrorFor(version: number, errorCode: number): number {
  return version < 9 && errorCode === ErrorCode.GROUP_ID_NOT_FOUND
    ? ErrorCode.ILLEGAL_GENERATION
    : errorCode;
}

interface FetchTopics {
  /** v1-v9. */
  name?: string;
  /** v10+. */
  topicId?: string;
  partitionIndexes: number[];
}

interface OffsetFetchRequest {
  groupId?: string;
  topics?: FetchTopics[] | null;
  groups?: { groupId: string; topics: FetchTopics[] | null }[];
  requireStable: boolean;
}

type FetchedPartition = FetchedOffsets["topics"][number]["partitions"][number];

/** A partition's committed offset (or -1) as the answer carries it. */
function fetchedPartition(p: FetchedPartition) {
  return {
    partitionIndex: p.partition,
    committedOffset: big(p.offset),
    committedLeaderEpoch: p.leaderEpoch,
    metadata: p.metadata,
    errorCode: p.errorCode,
  };
}

/** A requested partition answered with an error instead of an offset. */
function unfetched(partitionIndex: number, errorCode: number) {
  return {
    partitionIndex,
    committedOffset: -1n,
    committedLeaderEpoch: -1,
    metadata: "",
    errorCode,
  };
}

/**
 * v10 names topics by id. A requested id the metadata does not know (the zero id too) is answered
 * UNKNOWN_TOPIC_ID per partition, echoing the id, after the known topics; null topics (every
 * committed offset) name each topic by its current id and leave out topics that have none, as
 * Kafka's KafkaApis does.
 */
export const offsetFetchHandler = defineHandler<OffsetFetchRequest>(
  async (broker, { version, body }) => {
    const requireStable = version >= 7 && body.requireStable;
    if (version >= 8) {
      const groups = [];
      for (const g of body.groups ?? []) {
        groups.push(await fetchGroup(broker, version >= 10, g.groupId, g.topics, requireStable));
      }
      return { throttleTimeMs: 0, groups };
    }
    const topics = body.topics ?? null;
    const r = await fetchGroup(broker, false, body.groupId ?? "", topics, requireStable);
    if (version < 2 && r.errorCode !== ErrorCode.NONE) {
      // v1 has no top-level error: each requested partition carries it.
      const answer = (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => unfetched(p, r.errorCode)),
      }));
      return { throttleTimeMs: 0, topics: answer, errorCode: r.errorCode };
    }
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
  },
);

/** One group of an OffsetFetch request (all of it before v8). */
async function fetchGroup(
  broker: BrokerContext,
  byId: boolean,
  groupId: string,
  topics: FetchTopics[] | null,
  requireStable: boolean,
) {
  // From v10 topics come by id: those the metadata knows are asked for by name.
  const unknown: FetchTopics[] = [];
  const wanted = topics?.flatMap((t) => {
    const name = topicName(broker, byId, t.name, t.topicId);
    if (name === undefined) {
      unknown.push(t);
      return [];
    }
    return [{ name, topicId: t.topicId ?? ZERO_UUID, partitions: t.partitionIndexes }];
  }) ?? null;
  const r = await broker.groups.fetchOffsets(groupId, wanted, requireStable);
  // A group-level error answers for the whole group, unknown ids included.
  if (r.errorCode !== ErrorCode.NONE) return { groupId, topics: [], errorCode: r.errorCode };
  const answer = r.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map(fetchedPartition),
  }));
  if (!byId) return { groupId, topics: answer, errorCode: ErrorCode.NONE };
  // fetchOffsets answers the topics asked for in order; for null topics, every committed one, of
  // which those without a current id (deleted) are left out.
  const known = answer.flatMap((t, i) => {
    const topicId = wanted?.[i]?.topicId ?? broker.meta.tables.topic(t.name)?.topicId;
    return topicId === undefined ? [] : [{ ...t, topicId }];
  });
  const unknownIds = unknown.map((t) => ({
    topicId: t.topicId ?? ZERO_UUID,
    partitions: t.partitionIndexes.map((p) => unfetched(p, ErrorCode.UNKNOWN_TOPIC_ID)),
  }));
  return { groupId, topics: [...known, ...unknownIds], errorCode: ErrorCode.NONE };
}

interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest>(
  async (broker, { version, body }) => {
    const groups = [];
    for (const groupId of body.groups) {
      const { errorCode, group } = await broker.groups.describe(groupId);
      // Kafka fills the operations in only for entries without an error (KafkaApis).
      const operations = (entryError: number) =>
        body.includeAuthorizedOperations && entryError === ErrorCode.NONE
          ? GROUP_OPERATIONS_ALL
          : AUTHORIZED_OPERATIONS_OMITTED;
      if (errorCode !== ErrorCode.NONE || group === undefined || group.state === "Dead") {
        // A missing group is "Dead"; v6 (KIP-1043) says so with GROUP_ID_NOT_FOUND.
        const missing = errorCode === ErrorCode.NONE && version >= 6;
        const entryError = missing ? ErrorCode.GROUP_ID_NOT_FOUND : errorCode;
        groups.push({
          groupId,
          authorizedOperations: operations(entryError),
          errorCode: entryError,
          errorMessage: missing ? `Group ${groupId} not found.` : null,
          groupState: errorCode === ErrorCode.NONE ? "Dead" : "",
          protocolType: "",
          protocolData: "",
          members: [],
        });
        continue;
      }
      groups.push({
        groupId,
        authorizedOperations: operations(ErrorCode.NONE),
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupState: group.state,
        protocolType: group.protocolType,
        protocolData: group.protocolData,
        members: group.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
      });
    }
    return { throttleTimeMs: 0, groups };
  },
);

interface ListGroupsRequest {
  statesFilter: string[];
  typesFilter: string[];
}

export const listGroupsHandler = defineHandler<ListGroupsRequest>(
  async (broker, { version, body }) => {
    // Filters match case-insensitively, as Kafka's; every group here is a "classic" group.
    const wantedStates = version >= 4 && body.statesFilter.length > 0
      ? GROUP_STATES.filter((s) =>
        body.statesFilter.some((f) => f.toLowerCase() === s.toLowerCase())
      )
      : null;
    const types = version >= 5 ? body.typesFilter.map((t) => t.toLowerCase()) : [];
    if (types.length > 0 && !types.includes("classic")) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: [] };
    }
    const groups = await broker.groups.list(wantedStates as GroupState[] | null);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: g.state,
        groupType: "classic",
      })),
    };
  },
);

interface DeleteGroupsRequest {
  groupsNames: string[];
}

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest>(async (broker, { body }) => {
  const results = [];
  // Kafka answers a group named twice once.
  for (const groupId of new Set(body.groupsNames)) {
    results.push({ groupId, errorCode: await broker.groups.deleteGroup(groupId) });
  }
  return { throttleTimeMs: 0, results };
});

interface OffsetDeleteRequest {
  groupId: string;
  topics: { name: string; partitions: { partitionIndex: number }[] }[];
}

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest>(async (broker, { body }) => {
  const r = await broker.groups.deleteOffsets(
    body.groupId,
    body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => p.partitionIndex),
    })),
  );
  const byTopic = new Map<string, { partitionIndex: number; errorCode: number }[]>();
  for (const p of r.results) {
    let list = byTopic.get(p.topic);
    if (list === undefined) byTopic.set(p.topic, list = []);
    list.push({ partitionIndex: p.partition, errorCode: p.errorCode });
  }
  return {
    errorCode: r.errorCode,
    throttleTimeMs: 0,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  };
});
