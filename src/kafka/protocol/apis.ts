/**
 * The API registry: every API the codec speaks, with its supported version range (the stable
 * ranges Apache Kafka 4.1 advertises) and which request/response header version each uses.
 */
import type { ApiSpec } from "./schema.ts";
import {
  API_VERSIONS,
  DELETE_RECORDS,
  FETCH,
  INIT_PRODUCER_ID,
  LIST_OFFSETS,
  METADATA,
  OFFSET_FOR_LEADER_EPOCH,
  PRODUCE,
} from "./spec_core.ts";
import {
  ALTER_CONFIGS,
  CREATE_PARTITIONS,
  CREATE_TOPICS,
  DELETE_TOPICS,
  DESCRIBE_CLUSTER,
  DESCRIBE_CONFIGS,
  DESCRIBE_LOG_DIRS,
  INCREMENTAL_ALTER_CONFIGS,
} from "./spec_admin.ts";
import {
  DELETE_GROUPS,
  DESCRIBE_GROUPS,
  FIND_COORDINATOR,
  HEARTBEAT,
  JOIN_GROUP,
  LEAVE_GROUP,
  LIST_GROUPS,
  OFFSET_COMMIT,
  OFFSET_DELETE,
  OFFSET_FETCH,
  SYNC_GROUP,
} from "./spec_groups.ts";
import {
  ALTER_PARTITION_REASSIGNMENTS,
  CREATE_ACLS,
  DELETE_ACLS,
  DESCRIBE_ACLS,
  DESCRIBE_CLIENT_QUOTAS,
  DESCRIBE_PRODUCERS,
  DESCRIBE_QUORUM,
  DESCRIBE_TOPIC_PARTITIONS,
  DESCRIBE_TRANSACTIONS,
  DESCRIBE_USER_SCRAM_CREDENTIALS,
  ELECT_LEADERS,
  LIST_CONFIG_RESOURCES,
  LIST_PARTITION_REASSIGNMENTS,
  LIST_TRANSACTIONS,
} from "./spec_ops.ts";

/** Numeric API keys by name. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  DescribeLogDirs: 35,
  CreatePartitions: 37,
  DeleteGroups: 42,
  ElectLeaders: 43,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  OffsetDelete: 47,
  DescribeClientQuotas: 48,
  DescribeUserScramCredentials: 50,
  DescribeQuorum: 55,
  DescribeCluster: 60,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
  ListConfigResources: 74,
  DescribeTopicPartitions: 75,
} as const;
export type ApiKey = typeof ApiKey[keyof typeof ApiKey];

/** All supported APIs, ordered by key. */
export const APIS: readonly ApiSpec[] = [
  PRODUCE,
  FETCH,
  LIST_OFFSETS,
  METADATA,
  OFFSET_COMMIT,
  OFFSET_FETCH,
  FIND_COORDINATOR,
  JOIN_GROUP,
  HEARTBEAT,
  LEAVE_GROUP,
  SYNC_GROUP,
  DESCRIBE_GROUPS,
  LIST_GROUPS,
  API_VERSIONS,
  CREATE_TOPICS,
  DELETE_TOPICS,
  DELETE_RECORDS,
  INIT_PRODUCER_ID,
  OFFSET_FOR_LEADER_EPOCH,
  DESCRIBE_ACLS,
  CREATE_ACLS,
  DELETE_ACLS,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  DESCRIBE_LOG_DIRS,
  CREATE_PARTITIONS,
  DELETE_GROUPS,
  ELECT_LEADERS,
  INCREMENTAL_ALTER_CONFIGS,
  ALTER_PARTITION_REASSIGNMENTS,
  LIST_PARTITION_REASSIGNMENTS,
  OFFSET_DELETE,
  DESCRIBE_CLIENT_QUOTAS,
  DESCRIBE_USER_SCRAM_CREDENTIALS,
  DESCRIBE_QUORUM,
  DESCRIBE_CLUSTER,
  DESCRIBE_PRODUCERS,
  DESCRIBE_TRANSACTIONS,
  LIST_TRANSACTIONS,
  LIST_CONFIG_RESOURCES,
  DESCRIBE_TOPIC_PARTITIONS,
];

const byKey: (ApiSpec | undefined)[] = [];
for (const api of APIS) {
  if (byKey[api.apiKey] !== undefined) throw new Error(`duplicate api key ${api.apiKey}`);
  byKey[api.apiKey] = api;
}

/** The spec of an API key, or `undefined` for a key we do not speak. */
export function apiSpec(apiKey: number): ApiSpec | undefined {
  return byKey[apiKey];
}

export function isSupported(apiKey: number, version: number): boolean {
  const api = byKey[apiKey];
  return api !== undefined && version >= api.minVersion && version <= api.maxVersion;
}

export function isFlexible(api: ApiSpec, version: number): boolean {
  return api.flexibleMin !== null && version >= api.flexibleMin;
}

/** Request header version: 2 for flexible versions, else 1. */
export function requestHeaderVersion(api: ApiSpec, version: number): 1 | 2 {
  return isFlexible(api, version) ? 2 : 1;
}

/**
 * Response header version: 1 for flexible versions, else 0. ApiVersions always answers with
 * header v0, so a client that does not yet know our versions can parse the answer (KIP-511).
 */
export function responseHeaderVersion(api: ApiSpec, version: number): 0 | 1 {
  if (api.apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(api, version) ? 1 : 0;
}

/** The `apiKeys` list of an ApiVersions response. */
export function supportedApiVersions(): {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}[] {
  return APIS.map((a) => ({
    apiKey: a.apiKey,
    minVersion: a.minVersion,
    maxVersion: a.maxVersion,
  }));
}
