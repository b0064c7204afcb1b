/**
 * Consumer-group APIs: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * DescribeGroups, ListGroups, DeleteGroups, OffsetDelete. Each handler maps its version's fields
 * to the coordinator (`src/groups/`) and back; group semantics live there, not here.
 *
 * @module
 */
import { GROUP_STATES, type GroupState } from "../../groups/mod.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, big, defineHandler, num } from "./_util.ts";

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
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: bigint;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export const offsetCommitHandler = defineHandler<OffsetCommitRequest>(
  async (broker, { version, body }) => {
    const partitions = body.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: num(p.committedOffset),
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      }))
    );
    const results = await broker.groups.commit({
      groupId: body.groupId,
      generationId: body.generationIdOrMemberEpoch,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      // v5 dropped the field: the broker's offsets.retention.minutes decides from then on.
      retentionTimeMs: version <= 4 ? num(body.retentionTimeMs ?? -1) : -1,
      partitions,
    });
    let i = 0;
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: commitErrorFor(version, results[i++]!.errorCode),
        })),
      })),
    };
  },
);

/** A missing group is GROUP_ID_NOT_FOUND from v9; older clients expect ILLEGAL_GENERATION. */
function commitErrorFor(version: number, errorCode: number): number {
  return version < 9 && errorCode === ErrorCode.GROUP_ID_NOT_FOUND
    ? ErrorCode.ILLEGAL_GENERATION
    : errorCode;
}

interface FetchTopics {
  name: string;
  partitionIndexes: number[];
}

interface OffsetFetchRequest {
  groupId?: string;
  topics?: FetchTopics[] | null;
  groups?: { groupId: string; topics: FetchTopics[] | null }[];
  requireStable: boolean;
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest>(
  async (broker, { version, body }) => {
    const fetchOne = async (groupId: string, topics: FetchTopics[] | null | undefined) => {
      const wanted = topics === null || topics === undefined
        ? null
        : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes }));
      return await broker.groups.fetchOffsets(groupId, wanted, version >= 7 && body.requireStable);
    };
    const partitionsOf = (r: Awaited<ReturnType<typeof fetchOne>>) =>
      r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: big(p.offset),
          committedLeaderEpoch: p.leaderEpoch,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      }));
    if (version >= 8) {
      const groups = [];
      for (const g of body.groups ?? []) {
        const r = await fetchOne(g.groupId, g.topics);
        groups.push({ groupId: g.groupId, topics: partitionsOf(r), errorCode: r.errorCode });
      }
      return { throttleTimeMs: 0, groups };
    }
    const r = await fetchOne(body.groupId ?? "", body.topics);
    if (version < 2 && r.errorCode !== ErrorCode.NONE) {
      // v1 has no top-level error: each requested partition carries it.
      const topics = (body.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({
          partitionIndex: p,
          committedOffset: -1n,
          committedLeaderEpoch: -1,
          metadata: "",
          errorCode: r.errorCode,
        })),
      }));
      return { throttleTimeMs: 0, topics, errorCode: r.errorCode };
    }
    return { throttleTimeMs: 0, topics: partitionsOf(r), errorCode: r.errorCode };
  },
);

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
          errorMessage: missing ? `group ${groupId} not found` : null,
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
