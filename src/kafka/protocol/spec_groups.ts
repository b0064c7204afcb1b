/**
 * Tables for the consumer-group APIs: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete
 * (Kafka 4.1 stable ranges, but OffsetCommit and OffsetFetch to v10 as Kafka 4.3.1: topic ids
 * instead of names).
 */
import { type ApiSpec, arr, f } from "./schema.ts";

export const FIND_COORDINATOR: ApiSpec = {
  apiKey: 10,
  name: "FindCoordinator",
  minVersion: 0,
  maxVersion: 6,
  flexibleMin: 3,
  request: [
    f("key", "string", "0-3"),
    f("keyType", "int8", "1+", { default: 0 }),
    f("coordinatorKeys", "[]string", "4+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "0-3"),
    f("errorMessage", "string", "1-3", { nullable: "1-3" }),
    f("nodeId", "int32", "0-3"),
    f("host", "string", "0-3"),
    f("port", "int32", "0-3"),
    arr("coordinators", "4+", [
      f("key", "string", "4+"),
      f("nodeId", "int32", "4+"),
      f("host", "string", "4+"),
      f("port", "int32", "4+"),
      f("errorCode", "int16", "4+"),
      f("errorMessage", "string", "4+", { nullable: "4+" }),
    ]),
  ],
};

export const JOIN_GROUP: ApiSpec = {
  apiKey: 11,
  name: "JoinGroup",
  minVersion: 0,
  maxVersion: 9,
  flexibleMin: 6,
  request: [
    f("groupId", "string", "0+"),
    f("sessionTimeoutMs", "int32", "0+"),
    f("rebalanceTimeoutMs", "int32", "1+", { default: -1 }),
    f("memberId", "string", "0+"),
    f("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
    f("protocolType", "string", "0+"),
    arr("protocols", "0+", [
      f("name", "string", "0+"),
      f("metadata", "bytes", "0+"),
    ]),
    f("reason", "string", "8+", { nullable: "8+", default: null }),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    f("errorCode", "int16", "0+"),
    f("generationId", "int32", "0+", { default: -1 }),
    f("protocolType", "string", "7+", { nullable: "7+", default: null }),
    f("protocolName", "string", "0+", { nullable: "7+" }),
    f("leader", "string", "0+"),
    f("skipAssignment", "bool", "9+", { default: false }),
    f("memberId", "string", "0+"),
    arr("members", "0+", [
      f("memberId", "string", "0+"),
      f("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
      f("metadata", "bytes", "0+"),
    ]),
  ],
};

export const SYNC_GROUP: ApiSpec = {
  apiKey: 14,
  name: "SyncGroup",
  minVersion: 0,
  maxVersion: 5,
  flexibleMin: 4,
  request: [
    f("groupId", "string", "0+"),
    f("generationId", "int32", "0+"),
    f("memberId", "string", "0+"),
    f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
    f("protocolType", "string", "5+", { nullable: "5+", default: null }),
    f("protocolName", "string", "5+", { nullable: "5+", default: null }),
    arr("assignments", "0+", [
      f("memberId", "string", "0+"),
      f("assignment", "bytes", "0+"),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "0+"),
    f("protocolType", "string", "5+", { nullable: "5+", default: null }),
    f("protocolName", "string", "5+", { nullable: "5+", default: null }),
    f("assignment", "bytes", "0+"),
  ],
};

export const HEARTBEAT: ApiSpec = {
  apiKey: 12,
  name: "Heartbeat",
  minVersion: 0,
  maxVersion: 4,
  flexibleMin: 4,
  request: [
    f("groupId", "string", "0+"),
    f("generationId", "int32", "0+"),
    f("memberId", "string", "0+"),
    f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "0+"),
  ],
};

export const LEAVE_GROUP: ApiSpec = {
  apiKey: 13,
  name: "LeaveGroup",
  minVersion: 0,
  maxVersion: 5,
  flexibleMin: 4,
  request: [
    f("groupId", "string", "0+"),
    f("memberId", "string", "0-2"),
    arr("members", "3+", [
      f("memberId", "string", "3+"),
      f("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
      f("reason", "string", "5+", { nullable: "5+", default: null }),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "0+"),
    arr("members", "3+", [
      f("memberId", "string", "3+"),
      f("groupInstanceId", "string", "3+", { nullable: "3+" }),
      f("errorCode", "int16", "3+"),
    ]),
  ],
};

export const OFFSET_COMMIT: ApiSpec = {
  apiKey: 8,
  name: "OffsetCommit",
  minVersion: 2,
  maxVersion: 10,
  flexibleMin: 8,
  request: [
    f("groupId", "string", "2+"),
    f("generationIdOrMemberEpoch", "int32", "2+", { default: -1 }),
    f("memberId", "string", "2+"),
    f("groupInstanceId", "string", "7+", { nullable: "7+", default: null }),
    f("retentionTimeMs", "int64", "2-4", { default: -1 }),
    arr("topics", "2+", [
      f("name", "string", "2-9"),
      f("topicId", "uuid", "10+"),
      arr("partitions", "2+", [
        f("partitionIndex", "int32", "2+"),
        f("committedOffset", "int64", "2+"),
        f("committedLeaderEpoch", "int32", "6+", { default: -1 }),
        f("committedMetadata", "string", "2+", { nullable: "2+" }),
      ]),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "3+"),
    arr("topics", "2+", [
      f("name", "string", "2-9"),
      f("topicId", "uuid", "10+"),
      arr("partitions", "2+", [
        f("partitionIndex", "int32", "2+"),
        f("errorCode", "int16", "2+"),
      ]),
    ]),
  ],
};

export const OFFSET_FETCH: ApiSpec = {
  apiKey: 9,
  name: "OffsetFetch",
  minVersion: 1,
  maxVersion: 10,
  flexibleMin: 6,
  request: [
    f("groupId", "string", "1-7"),
    arr("topics", "1-7", [
      f("name", "string", "1-7"),
      f("partitionIndexes", "[]int32", "1-7"),
    ], { nullable: "2-7" }),
    arr("groups", "8+", [
      f("groupId", "string", "8+"),
      f("memberId", "string", "9+", { nullable: "9+", default: null }),
      f("memberEpoch", "int32", "9+", { default: -1 }),
      arr("topics", "8+", [
        f("name", "string", "8-9"),
        f("topicId", "uuid", "10+"),
        f("partitionIndexes", "[]int32", "8+"),
      ], { nullable: "8+" }),
    ]),
    f("requireStable", "bool", "7+", { default: false }),
  ],
  response: [
    f("throttleTimeMs", "int32", "3+"),
    arr("topics", "1-7", [
      f("name", "string", "1-7"),
      arr("partitions", "1-7", [
        f("partitionIndex", "int32", "1-7"),
        f("committedOffset", "int64", "1-7"),
        f("committedLeaderEpoch", "int32", "5-7", { default: -1 }),
        f("metadata", "string", "1-7", { nullable: "1-7" }),
        f("errorCode", "int16", "1-7"),
      ]),
    ]),
    f("errorCode", "int16", "2-7", { default: 0 }),
    arr("groups", "8+", [
      f("groupId", "string", "8+"),
      arr("topics", "8+", [
        f("name", "string", "8-9"),
        f("topicId", "uuid", "10+"),
        arr("partitions", "8+", [
          f("partitionIndex", "int32", "8+"),
          f("committedOffset", "int64", "8+"),
          f("committedLeaderEpoch", "int32", "8+", { default: -1 }),
          f("metadata", "string", "8+", { nullable: "8+" }),
          f("errorCode", "int16", "8+"),
        ]),
      ]),
      f("errorCode", "int16", "8+", { default: 0 }),
    ]),
  ],
};

export const DESCRIBE_GROUPS: ApiSpec = {
  apiKey: 15,
  name: "DescribeGroups",
  minVersion: 0,
  maxVersion: 6,
  flexibleMin: 5,
  request: [
    f("groups", "[]string", "0+"),
    f("includeAuthorizedOperations", "bool", "3+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    arr("groups", "0+", [
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "6+", { nullable: "6+", default: null }),
      f("groupId", "string", "0+"),
      f("groupState", "string", "0+"),
      f("protocolType", "string", "0+"),
      f("protocolData", "string", "0+"),
      arr("members", "0+", [
        f("memberId", "string", "0+"),
        f("groupInstanceId", "string", "4+", { nullable: "4+", default: null }),
        f("clientId", "string", "0+"),
        f("clientHost", "string", "0+"),
        f("memberMetadata", "bytes", "0+"),
        f("memberAssignment", "bytes", "0+"),
      ]),
      f("authorizedOperations", "int32", "3+", { default: -2147483648 }),
    ]),
  ],
};

export const LIST_GROUPS: ApiSpec = {
  apiKey: 16,
  name: "ListGroups",
  minVersion: 0,
  maxVersion: 5,
  flexibleMin: 3,
  request: [
    f("statesFilter", "[]string", "4+"),
    f("typesFilter", "[]string", "5+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "0+"),
    arr("groups", "0+", [
      f("groupId", "string", "0+"),
      f("protocolType", "string", "0+"),
      f("groupState", "string", "4+"),
      f("groupType", "string", "5+"),
    ]),
  ],
};

export const DELETE_GROUPS: ApiSpec = {
  apiKey: 42,
  name: "DeleteGroups",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 2,
  request: [
    f("groupsNames", "[]string", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("results", "0+", [
      f("groupId", "string", "0+"),
      f("errorCode", "int16", "0+"),
    ]),
  ],
};

export const OFFSET_DELETE: ApiSpec = {
  apiKey: 47,
  name: "OffsetDelete",
  minVersion: 0,
  maxVersion: 0,
  flexibleMin: null,
  request: [
    f("groupId", "string", "0+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
      ]),
    ]),
  ],
  response: [
    f("errorCode", "int16", "0+"),
    f("throttleTimeMs", "int32", "0+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("errorCode", "int16", "0+"),
      ]),
    ]),
  ],
};
