/**
 * Tables for the APIs operator tooling calls (kafka-acls, kafka-configs, kafka-reassign-partitions,
 * kafka-leader-election, kafka-metadata-quorum, kafka-transactions and admin UIs): ACLs, client
 * quotas, SCRAM users, partition reassignments, leader elections, the metadata quorum, producers
 * and transactions, config resources, paged topic descriptions (Kafka 4.1 stable ranges).
 *
 * Where Kafka's message files start a field at v0 but the API's oldest advertised version is
 * higher (the ACL APIs lost v0 in Kafka 4.0, KIP-896), the field starts at our `minVersion`.
 */
import { type ApiSpec, arr, f, struct } from "./schema.ts";

/** PatternType LITERAL: what a v0 client meant, and the default since patterns exist (KIP-290). */
const PATTERN_LITERAL = 3;

/** One ACL filter: null name, principal or host match anything. */
const aclFilter = [
  f("resourceTypeFilter", "int8", "1+"),
  f("resourceNameFilter", "string", "1+", { nullable: "1+" }),
  f("patternTypeFilter", "int8", "1+", { default: PATTERN_LITERAL }),
  f("principalFilter", "string", "1+", { nullable: "1+" }),
  f("hostFilter", "string", "1+", { nullable: "1+" }),
  f("operation", "int8", "1+"),
  f("permissionType", "int8", "1+"),
];

/** v3 only adds the USER resource type; its wire form is v2's. */
export const DESCRIBE_ACLS: ApiSpec = {
  apiKey: 29,
  name: "DescribeAcls",
  minVersion: 1,
  maxVersion: 3,
  flexibleMin: 2,
  request: aclFilter,
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "1+"),
    f("errorMessage", "string", "1+", { nullable: "1+" }),
    arr("resources", "1+", [
      f("resourceType", "int8", "1+"),
      f("resourceName", "string", "1+"),
      f("patternType", "int8", "1+", { default: PATTERN_LITERAL }),
      arr("acls", "1+", [
        f("principal", "string", "1+"),
        f("host", "string", "1+"),
        f("operation", "int8", "1+"),
        f("permissionType", "int8", "1+"),
      ]),
    ]),
  ],
};

export const CREATE_ACLS: ApiSpec = {
  apiKey: 30,
  name: "CreateAcls",
  minVersion: 1,
  maxVersion: 3,
  flexibleMin: 2,
  request: [
    arr("creations", "1+", [
      f("resourceType", "int8", "1+"),
      f("resourceName", "string", "1+"),
      f("resourcePatternType", "int8", "1+", { default: PATTERN_LITERAL }),
      f("principal", "string", "1+"),
      f("host", "string", "1+"),
      f("operation", "int8", "1+"),
      f("permissionType", "int8", "1+"),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    arr("results", "1+", [
      f("errorCode", "int16", "1+"),
      f("errorMessage", "string", "1+", { nullable: "1+" }),
    ]),
  ],
};

export const DELETE_ACLS: ApiSpec = {
  apiKey: 31,
  name: "DeleteAcls",
  minVersion: 1,
  maxVersion: 3,
  flexibleMin: 2,
  request: [
    arr("filters", "1+", aclFilter),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    arr("filterResults", "1+", [
      f("errorCode", "int16", "1+"),
      f("errorMessage", "string", "1+", { nullable: "1+" }),
      arr("matchingAcls", "1+", [
        f("errorCode", "int16", "1+"),
        f("errorMessage", "string", "1+", { nullable: "1+" }),
        f("resourceType", "int8", "1+"),
        f("resourceName", "string", "1+"),
        f("patternType", "int8", "1+", { default: PATTERN_LITERAL }),
        f("principal", "string", "1+"),
        f("host", "string", "1+"),
        f("operation", "int8", "1+"),
        f("permissionType", "int8", "1+"),
      ]),
    ]),
  ],
};

/** v1 adds the election type (KIP-460) and the top-level error; null topics = every partition. */
export const ELECT_LEADERS: ApiSpec = {
  apiKey: 43,
  name: "ElectLeaders",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 2,
  request: [
    f("electionType", "int8", "1+"),
    arr("topicPartitions", "0+", [
      f("topic", "string", "0+"),
      f("partitions", "[]int32", "0+"),
    ], { nullable: "0+" }),
    f("timeoutMs", "int32", "0+", { default: 60000 }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "1+"),
    arr("replicaElectionResults", "0+", [
      f("topic", "string", "0+"),
      arr("partitionResult", "0+", [
        f("partitionId", "int32", "0+"),
        f("errorCode", "int16", "0+"),
        f("errorMessage", "string", "0+", { nullable: "0+" }),
      ]),
    ]),
  ],
};

/** Null replicas cancel a pending reassignment; v1 may forbid replication-factor changes. */
export const ALTER_PARTITION_REASSIGNMENTS: ApiSpec = {
  apiKey: 45,
  name: "AlterPartitionReassignments",
  minVersion: 0,
  maxVersion: 1,
  flexibleMin: 0,
  request: [
    f("timeoutMs", "int32", "0+", { default: 60000 }),
    f("allowReplicationFactorChange", "bool", "1+", { default: true }),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("replicas", "[]int32", "0+", { nullable: "0+", default: null }),
      ]),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("allowReplicationFactorChange", "bool", "1+", { default: true }),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+" }),
    arr("responses", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("errorCode", "int16", "0+"),
        f("errorMessage", "string", "0+", { nullable: "0+" }),
      ]),
    ]),
  ],
};

/** Null topics list every ongoing reassignment. */
export const LIST_PARTITION_REASSIGNMENTS: ApiSpec = {
  apiKey: 46,
  name: "ListPartitionReassignments",
  minVersion: 0,
  maxVersion: 0,
  flexibleMin: 0,
  request: [
    f("timeoutMs", "int32", "0+", { default: 60000 }),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      f("partitionIndexes", "[]int32", "0+"),
    ], { nullable: "0+", default: null }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+" }),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("replicas", "[]int32", "0+"),
        f("addingReplicas", "[]int32", "0+"),
        f("removingReplicas", "[]int32", "0+"),
      ]),
    ]),
  ],
};

/** matchType: 0 exact name, 1 default entity, 2 any name; a null entity name is the default. */
export const DESCRIBE_CLIENT_QUOTAS: ApiSpec = {
  apiKey: 48,
  name: "DescribeClientQuotas",
  minVersion: 0,
  maxVersion: 1,
  flexibleMin: 1,
  request: [
    arr("components", "0+", [
      f("entityType", "string", "0+"),
      f("matchType", "int8", "0+"),
      f("match", "string", "0+", { nullable: "0+" }),
    ]),
    f("strict", "bool", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+" }),
    arr("entries", "0+", [
      arr("entity", "0+", [
        f("entityType", "string", "0+"),
        f("entityName", "string", "0+", { nullable: "0+" }),
      ]),
      arr("values", "0+", [
        f("key", "string", "0+"),
        f("value", "float64", "0+"),
      ]),
    ], { nullable: "0+" }),
  ],
};

/** Null or empty users describe every user; only mechanism and iterations are disclosed. */
export const DESCRIBE_USER_SCRAM_CREDENTIALS: ApiSpec = {
  apiKey: 50,
  name: "DescribeUserScramCredentials",
  minVersion: 0,
  maxVersion: 0,
  flexibleMin: 0,
  request: [
    arr("users", "0+", [
      f("name", "string", "0+"),
    ], { nullable: "0+" }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+" }),
    arr("results", "0+", [
      f("user", "string", "0+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+" }),
      arr("credentialInfos", "0+", [
        f("mechanism", "int8", "0+"),
        f("iterations", "int32", "0+"),
      ]),
    ]),
  ],
};

/** A voter or observer of the metadata partition (Kafka's common struct ReplicaState). */
const replicaState = [
  f("replicaId", "int32", "0+"),
  f("replicaDirectoryId", "uuid", "2+"),
  f("logEndOffset", "int64", "0+"),
  f("lastFetchTimestamp", "int64", "1+", { default: -1 }),
  f("lastCaughtUpTimestamp", "int64", "1+", { default: -1 }),
];

/**
 * The request never changed; v1 adds the replicas' fetch times (KIP-836), v2 the error messages,
 * directory ids and the controllers' listeners (KIP-853). No throttle time in the response.
 */
export const DESCRIBE_QUORUM: ApiSpec = {
  apiKey: 55,
  name: "DescribeQuorum",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 0,
  request: [
    arr("topics", "0+", [
      f("topicName", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
      ]),
    ]),
  ],
  response: [
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "2+", { nullable: "2+" }),
    arr("topics", "0+", [
      f("topicName", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("errorCode", "int16", "0+"),
        f("errorMessage", "string", "2+", { nullable: "2+" }),
        f("leaderId", "int32", "0+"),
        f("leaderEpoch", "int32", "0+"),
        f("highWatermark", "int64", "0+"),
        arr("currentVoters", "0+", replicaState),
        arr("observers", "0+", replicaState),
      ]),
    ]),
    arr("nodes", "2+", [
      f("nodeId", "int32", "2+"),
      arr("listeners", "2+", [
        f("name", "string", "2+"),
        f("host", "string", "2+"),
        f("port", "uint16", "2+"),
      ]),
    ]),
  ],
};

export const DESCRIBE_PRODUCERS: ApiSpec = {
  apiKey: 61,
  name: "DescribeProducers",
  minVersion: 0,
  maxVersion: 0,
  flexibleMin: 0,
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
      f("partitionIndexes", "[]int32", "0+"),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("errorCode", "int16", "0+"),
        f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
        arr("activeProducers", "0+", [
          f("producerId", "int64", "0+"),
          f("producerEpoch", "int32", "0+"),
          f("lastSequence", "int32", "0+", { default: -1 }),
          f("lastTimestamp", "int64", "0+", { default: -1 }),
          f("coordinatorEpoch", "int32", "0+"),
          f("currentTxnStartOffset", "int64", "0+", { default: -1 }),
        ]),
      ]),
    ]),
  ],
};

export const DESCRIBE_TRANSACTIONS: ApiSpec = {
  apiKey: 65,
  name: "DescribeTransactions",
  minVersion: 0,
  maxVersion: 0,
  flexibleMin: 0,
  request: [
    f("transactionalIds", "[]string", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("transactionStates", "0+", [
      f("errorCode", "int16", "0+"),
      f("transactionalId", "string", "0+"),
      f("transactionState", "string", "0+"),
      f("transactionTimeoutMs", "int32", "0+"),
      f("transactionStartTimeMs", "int64", "0+"),
      f("producerId", "int64", "0+"),
      f("producerEpoch", "int16", "0+"),
      arr("topics", "0+", [
        f("topic", "string", "0+"),
        f("partitions", "[]int32", "0+"),
      ]),
    ]),
  ],
};

/** Empty filters match everything; v1 adds a minimum age (KIP-994), v2 an id regex (KIP-1152). */
export const LIST_TRANSACTIONS: ApiSpec = {
  apiKey: 66,
  name: "ListTransactions",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 0,
  request: [
    f("stateFilters", "[]string", "0+"),
    f("producerIdFilters", "[]int64", "0+"),
    f("durationFilter", "int64", "1+", { default: -1 }),
    f("transactionalIdPattern", "string", "2+", { nullable: "2+", default: null }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("unknownStateFilters", "[]string", "0+"),
    arr("transactionStates", "0+", [
      f("transactionalId", "string", "0+"),
      f("producerId", "int64", "0+"),
      f("transactionState", "string", "0+"),
    ]),
  ],
};

/**
 * v0 is the former ListClientMetricsResources (client-metrics resources only); v1 names the
 * resource types to list and each resource's type (KIP-1142), which a v0 answer leaves at 16
 * (CLIENT_METRICS).
 */
export const LIST_CONFIG_RESOURCES: ApiSpec = {
  apiKey: 74,
  name: "ListConfigResources",
  minVersion: 0,
  maxVersion: 1,
  flexibleMin: 0,
  request: [
    f("resourceTypes", "[]int8", "1+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    arr("configResources", "0+", [
      f("resourceName", "string", "0+"),
      f("resourceType", "int8", "1+", { default: 16 }),
    ]),
  ],
};

/** Where a paged topic description starts (request) or goes on (response). */
const topicCursor = [
  f("topicName", "string", "0+"),
  f("partitionIndex", "int32", "0+"),
];

/**
 * Metadata's topic half, paged (KIP-966): no brokers, at most `responsePartitionLimit` partitions
 * per answer, a cursor to go on from, and each partition's eligible leader replicas.
 */
export const DESCRIBE_TOPIC_PARTITIONS: ApiSpec = {
  apiKey: 75,
  name: "DescribeTopicPartitions",
  minVersion: 0,
  maxVersion: 0,
  flexibleMin: 0,
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
    ]),
    f("responsePartitionLimit", "int32", "0+", { default: 2000 }),
    struct("cursor", "0+", topicCursor, { nullable: "0+", default: null }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("topics", "0+", [
      f("errorCode", "int16", "0+"),
      f("name", "string", "0+", { nullable: "0+" }),
      f("topicId", "uuid", "0+"),
      f("isInternal", "bool", "0+", { default: false }),
      arr("partitions", "0+", [
        f("errorCode", "int16", "0+"),
        f("partitionIndex", "int32", "0+"),
        f("leaderId", "int32", "0+"),
        f("leaderEpoch", "int32", "0+", { default: -1 }),
        f("replicaNodes", "[]int32", "0+"),
        f("isrNodes", "[]int32", "0+"),
        f("eligibleLeaderReplicas", "[]int32", "0+", { nullable: "0+", default: null }),
        f("lastKnownElr", "[]int32", "0+", { nullable: "0+", default: null }),
        f("offlineReplicas", "[]int32", "0+"),
      ]),
      f("topicAuthorizedOperations", "int32", "0+", { default: -2147483648 }),
    ]),
    struct("nextCursor", "0+", topicCursor, { nullable: "0+", default: null }),
  ],
};
