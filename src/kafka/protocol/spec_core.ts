/**
 * Tables for the data-path APIs: ApiVersions, Metadata, Produce, Fetch, ListOffsets,
 * InitProducerId, OffsetForLeaderEpoch, DeleteRecords. Written from the Kafka protocol guide and
 * message specs (Kafka 4.1); see docs/protocol.md for how to add a version.
 */
import { type ApiSpec, arr, f, struct } from "./schema.ts";

const I32_MIN = -2147483648;

export const API_VERSIONS: ApiSpec = {
  apiKey: 18,
  name: "ApiVersions",
  minVersion: 0,
  maxVersion: 4,
  flexibleMin: 3,
  request: [
    f("clientSoftwareName", "string", "3+"),
    f("clientSoftwareVersion", "string", "3+"),
  ],
  response: [
    f("errorCode", "int16", "0+"),
    arr("apiKeys", "0+", [
      f("apiKey", "int16", "0+"),
      f("minVersion", "int16", "0+"),
      f("maxVersion", "int16", "0+"),
    ]),
    f("throttleTimeMs", "int32", "1+"),
    arr("supportedFeatures", "3+", [
      f("name", "string", "3+"),
      f("minVersion", "int16", "3+"),
      f("maxVersion", "int16", "3+"),
    ], { tag: 0 }),
    f("finalizedFeaturesEpoch", "int64", "3+", { tag: 1, default: -1 }),
    arr("finalizedFeatures", "3+", [
      f("name", "string", "3+"),
      f("maxVersionLevel", "int16", "3+"),
      f("minVersionLevel", "int16", "3+"),
    ], { tag: 2 }),
    f("zkMigrationReady", "bool", "3+", { tag: 3, default: false }),
  ],
};

export const METADATA: ApiSpec = {
  apiKey: 3,
  name: "Metadata",
  minVersion: 0,
  maxVersion: 13,
  flexibleMin: 9,
  request: [
    arr("topics", "0+", [
      f("topicId", "uuid", "10+"),
      f("name", "string", "0+", { nullable: "10+" }),
    ], { nullable: "1+" }),
    f("allowAutoTopicCreation", "bool", "4+", { default: true }),
    f("includeClusterAuthorizedOperations", "bool", "8-10"),
    f("includeTopicAuthorizedOperations", "bool", "8+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "3+"),
    arr("brokers", "0+", [
      f("nodeId", "int32", "0+"),
      f("host", "string", "0+"),
      f("port", "int32", "0+"),
      f("rack", "string", "1+", { nullable: "1+", default: null }),
    ]),
    f("clusterId", "string", "2+", { nullable: "2+", default: null }),
    f("controllerId", "int32", "1+", { default: -1 }),
    arr("topics", "0+", [
      f("errorCode", "int16", "0+"),
      f("name", "string", "0+", { nullable: "12+" }),
      f("topicId", "uuid", "10+"),
      f("isInternal", "bool", "1+", { default: false }),
      arr("partitions", "0+", [
        f("errorCode", "int16", "0+"),
        f("partitionIndex", "int32", "0+"),
        f("leaderId", "int32", "0+"),
        f("leaderEpoch", "int32", "7+", { default: -1 }),
        f("replicaNodes", "[]int32", "0+"),
        f("isrNodes", "[]int32", "0+"),
        f("offlineReplicas", "[]int32", "5+"),
      ]),
      f("topicAuthorizedOperations", "int32", "8+", { default: I32_MIN }),
    ]),
    f("clusterAuthorizedOperations", "int32", "8-10", { default: I32_MIN }),
    f("errorCode", "int16", "13+"),
  ],
};

const leaderIdAndEpoch = (versions: string) => [
  f("leaderId", "int32", versions, { default: -1 }),
  f("leaderEpoch", "int32", versions, { default: -1 }),
];

const nodeEndpoint = (versions: string) => [
  f("nodeId", "int32", versions),
  f("host", "string", versions),
  f("port", "int32", versions),
  f("rack", "string", versions, { nullable: versions, default: null }),
];

export const PRODUCE: ApiSpec = {
  apiKey: 0,
  name: "Produce",
  minVersion: 3,
  maxVersion: 13,
  flexibleMin: 9,
  request: [
    f("transactionalId", "string", "3+", { nullable: "3+", default: null }),
    f("acks", "int16", "3+"),
    f("timeoutMs", "int32", "3+"),
    arr("topicData", "3+", [
      f("name", "string", "3-12"),
      f("topicId", "uuid", "13+"),
      arr("partitionData", "3+", [
        f("index", "int32", "3+"),
        f("records", "records", "3+", { nullable: "3+" }),
      ]),
    ]),
  ],
  response: [
    arr("responses", "3+", [
      f("name", "string", "3-12"),
      f("topicId", "uuid", "13+"),
      arr("partitionResponses", "3+", [
        f("index", "int32", "3+"),
        f("errorCode", "int16", "3+"),
        f("baseOffset", "int64", "3+"),
        f("logAppendTimeMs", "int64", "3+", { default: -1 }),
        f("logStartOffset", "int64", "5+", { default: -1 }),
        arr("recordErrors", "8+", [
          f("batchIndex", "int32", "8+"),
          f("batchIndexErrorMessage", "string", "8+", { nullable: "8+", default: null }),
        ]),
        f("errorMessage", "string", "8+", { nullable: "8+", default: null }),
        struct("currentLeader", "10+", leaderIdAndEpoch("10+"), { tag: 0 }),
      ]),
    ]),
    f("throttleTimeMs", "int32", "3+", { default: 0 }),
    arr("nodeEndpoints", "10+", nodeEndpoint("10+"), { tag: 0 }),
  ],
};

export const FETCH: ApiSpec = {
  apiKey: 1,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 18,
  flexibleMin: 12,
  request: [
    f("clusterId", "string", "12+", { nullable: "12+", tag: 0, default: null }),
    f("replicaId", "int32", "4-14", { default: -1 }),
    struct("replicaState", "15+", [
      f("replicaId", "int32", "15+", { default: -1 }),
      f("replicaEpoch", "int64", "15+", { default: -1 }),
    ], { tag: 1 }),
    f("maxWaitMs", "int32", "4+"),
    f("minBytes", "int32", "4+"),
    f("maxBytes", "int32", "4+", { default: 0x7fffffff }),
    f("isolationLevel", "int8", "4+", { default: 0 }),
    f("sessionId", "int32", "7+", { default: 0 }),
    f("sessionEpoch", "int32", "7+", { default: -1 }),
    arr("topics", "4+", [
      f("topic", "string", "4-12"),
      f("topicId", "uuid", "13+"),
      arr("partitions", "4+", [
        f("partition", "int32", "4+"),
        f("currentLeaderEpoch", "int32", "9+", { default: -1 }),
        f("fetchOffset", "int64", "4+"),
        f("lastFetchedEpoch", "int32", "12+", { default: -1 }),
        f("logStartOffset", "int64", "5+", { default: -1 }),
        f("partitionMaxBytes", "int32", "4+"),
        f("replicaDirectoryId", "uuid", "17+", { tag: 0 }),
        f("highWatermark", "int64", "18+", { tag: 1, default: 0x7fffffffffffffffn }),
      ]),
    ]),
    arr("forgottenTopicsData", "7+", [
      f("topic", "string", "7-12"),
      f("topicId", "uuid", "13+"),
      f("partitions", "[]int32", "7+"),
    ]),
    f("rackId", "string", "11+", { default: "" }),
  ],
  response: [
    f("throttleTimeMs", "int32", "4+"),
    f("errorCode", "int16", "7+"),
    f("sessionId", "int32", "7+", { default: 0 }),
    arr("responses", "4+", [
      f("topic", "string", "4-12"),
      f("topicId", "uuid", "13+"),
      arr("partitions", "4+", [
        f("partitionIndex", "int32", "4+"),
        f("errorCode", "int16", "4+"),
        f("highWatermark", "int64", "4+"),
        f("lastStableOffset", "int64", "4+", { default: -1 }),
        f("logStartOffset", "int64", "5+", { default: -1 }),
        struct("divergingEpoch", "12+", [
          f("epoch", "int32", "12+", { default: -1 }),
          f("endOffset", "int64", "12+", { default: -1 }),
        ], { tag: 0 }),
        struct("currentLeader", "12+", leaderIdAndEpoch("12+"), { tag: 1 }),
        struct("snapshotId", "12+", [
          f("endOffset", "int64", "12+", { default: -1 }),
          f("epoch", "int32", "12+", { default: -1 }),
        ], { tag: 2 }),
        arr("abortedTransactions", "4+", [
          f("producerId", "int64", "4+"),
          f("firstOffset", "int64", "4+"),
        ], { nullable: "4+" }),
        f("preferredReadReplica", "int32", "11+", { default: -1 }),
        f("records", "records", "4+", { nullable: "4+" }),
      ]),
    ]),
    arr("nodeEndpoints", "16+", nodeEndpoint("16+"), { tag: 0 }),
  ],
};

export const LIST_OFFSETS: ApiSpec = {
  apiKey: 2,
  name: "ListOffsets",
  minVersion: 1,
  maxVersion: 11,
  flexibleMin: 6,
  request: [
    f("replicaId", "int32", "1+"),
    f("isolationLevel", "int8", "2+"),
    arr("topics", "1+", [
      f("name", "string", "1+"),
      arr("partitions", "1+", [
        f("partitionIndex", "int32", "1+"),
        f("currentLeaderEpoch", "int32", "4+", { default: -1 }),
        f("timestamp", "int64", "1+"),
      ]),
    ]),
    f("timeoutMs", "int32", "10+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    arr("topics", "1+", [
      f("name", "string", "1+"),
      arr("partitions", "1+", [
        f("partitionIndex", "int32", "1+"),
        f("errorCode", "int16", "1+"),
        f("timestamp", "int64", "1+", { default: -1 }),
        f("offset", "int64", "1+", { default: -1 }),
        f("leaderEpoch", "int32", "4+", { default: -1 }),
      ]),
    ]),
  ],
};

export const INIT_PRODUCER_ID: ApiSpec = {
  apiKey: 22,
  name: "InitProducerId",
  minVersion: 0,
  maxVersion: 5,
  flexibleMin: 2,
  request: [
    f("transactionalId", "string", "0+", { nullable: "0+" }),
    f("transactionTimeoutMs", "int32", "0+"),
    f("producerId", "int64", "3+", { default: -1 }),
    f("producerEpoch", "int16", "3+", { default: -1 }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("producerId", "int64", "0+", { default: -1 }),
    f("producerEpoch", "int16", "0+"),
  ],
};

export const OFFSET_FOR_LEADER_EPOCH: ApiSpec = {
  apiKey: 23,
  name: "OffsetForLeaderEpoch",
  minVersion: 2,
  maxVersion: 4,
  flexibleMin: 4,
  request: [
    f("replicaId", "int32", "3+", { default: -2 }),
    arr("topics", "2+", [
      f("topic", "string", "2+"),
      arr("partitions", "2+", [
        f("partition", "int32", "2+"),
        f("currentLeaderEpoch", "int32", "2+", { default: -1 }),
        f("leaderEpoch", "int32", "2+"),
      ]),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    arr("topics", "2+", [
      f("topic", "string", "2+"),
      arr("partitions", "2+", [
        f("errorCode", "int16", "2+"),
        f("partition", "int32", "2+"),
        f("leaderEpoch", "int32", "2+", { default: -1 }),
        f("endOffset", "int64", "2+", { default: -1 }),
      ]),
    ]),
  ],
};

export const DELETE_RECORDS: ApiSpec = {
  apiKey: 21,
  name: "DeleteRecords",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 2,
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("offset", "int64", "0+"),
      ]),
    ]),
    f("timeoutMs", "int32", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("lowWatermark", "int64", "0+"),
        f("errorCode", "int16", "0+"),
      ]),
    ]),
  ],
};
