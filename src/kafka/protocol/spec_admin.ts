/**
 * Tables for the admin APIs: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
 * AlterConfigs, DescribeLogDirs, IncrementalAlterConfigs, DescribeCluster (Kafka 4.1 ranges).
 */
import { type ApiSpec, arr, f } from "./schema.ts";

const I32_MIN = -2147483648;

export const CREATE_TOPICS: ApiSpec = {
  apiKey: 19,
  name: "CreateTopics",
  minVersion: 2,
  maxVersion: 7,
  flexibleMin: 5,
  request: [
    arr("topics", "2+", [
      f("name", "string", "2+"),
      f("numPartitions", "int32", "2+"),
      f("replicationFactor", "int16", "2+"),
      arr("assignments", "2+", [
        f("partitionIndex", "int32", "2+"),
        f("brokerIds", "[]int32", "2+"),
      ]),
      arr("configs", "2+", [
        f("name", "string", "2+"),
        f("value", "string", "2+", { nullable: "2+" }),
      ]),
    ]),
    f("timeoutMs", "int32", "2+", { default: 60000 }),
    f("validateOnly", "bool", "2+", { default: false }),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    arr("topics", "2+", [
      f("name", "string", "2+"),
      f("topicId", "uuid", "7+"),
      f("errorCode", "int16", "2+"),
      f("errorMessage", "string", "2+", { nullable: "2+" }),
      f("topicConfigErrorCode", "int16", "5+", { tag: 0 }),
      f("numPartitions", "int32", "5+", { default: -1 }),
      f("replicationFactor", "int16", "5+", { default: -1 }),
      arr("configs", "5+", [
        f("name", "string", "5+"),
        f("value", "string", "5+", { nullable: "5+" }),
        f("readOnly", "bool", "5+"),
        f("configSource", "int8", "5+", { default: -1 }),
        f("isSensitive", "bool", "5+"),
      ], { nullable: "5+" }),
    ]),
  ],
};

export const DELETE_TOPICS: ApiSpec = {
  apiKey: 20,
  name: "DeleteTopics",
  minVersion: 1,
  maxVersion: 6,
  flexibleMin: 4,
  request: [
    arr("topics", "6+", [
      f("name", "string", "6+", { nullable: "6+", default: null }),
      f("topicId", "uuid", "6+"),
    ]),
    f("topicNames", "[]string", "1-5"),
    f("timeoutMs", "int32", "1+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    arr("responses", "1+", [
      f("name", "string", "1+", { nullable: "6+" }),
      f("topicId", "uuid", "6+"),
      f("errorCode", "int16", "1+"),
      f("errorMessage", "string", "5+", { nullable: "5+", default: null }),
    ]),
  ],
};

export const CREATE_PARTITIONS: ApiSpec = {
  apiKey: 37,
  name: "CreatePartitions",
  minVersion: 0,
  maxVersion: 3,
  flexibleMin: 2,
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
      f("count", "int32", "0+"),
      arr("assignments", "0+", [
        f("brokerIds", "[]int32", "0+"),
      ], { nullable: "0+" }),
    ]),
    f("timeoutMs", "int32", "0+"),
    f("validateOnly", "bool", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("results", "0+", [
      f("name", "string", "0+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    ]),
  ],
};

export const DESCRIBE_CONFIGS: ApiSpec = {
  apiKey: 32,
  name: "DescribeConfigs",
  minVersion: 1,
  maxVersion: 4,
  flexibleMin: 4,
  request: [
    arr("resources", "1+", [
      f("resourceType", "int8", "1+"),
      f("resourceName", "string", "1+"),
      f("configurationKeys", "[]string", "1+", { nullable: "1+" }),
    ]),
    f("includeSynonyms", "bool", "1+", { default: false }),
    f("includeDocumentation", "bool", "3+", { default: false }),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    arr("results", "1+", [
      f("errorCode", "int16", "1+"),
      f("errorMessage", "string", "1+", { nullable: "1+" }),
      f("resourceType", "int8", "1+"),
      f("resourceName", "string", "1+"),
      arr("configs", "1+", [
        f("name", "string", "1+"),
        f("value", "string", "1+", { nullable: "1+" }),
        f("readOnly", "bool", "1+"),
        f("configSource", "int8", "1+", { default: -1 }),
        f("isSensitive", "bool", "1+"),
        arr("synonyms", "1+", [
          f("name", "string", "1+"),
          f("value", "string", "1+", { nullable: "1+" }),
          f("source", "int8", "1+"),
        ]),
        f("configType", "int8", "3+", { default: 0 }),
        f("documentation", "string", "3+", { nullable: "3+" }),
      ]),
    ]),
  ],
};

const alterResourceResponse = [
  f("errorCode", "int16", "0+"),
  f("errorMessage", "string", "0+", { nullable: "0+" }),
  f("resourceType", "int8", "0+"),
  f("resourceName", "string", "0+"),
];

export const ALTER_CONFIGS: ApiSpec = {
  apiKey: 33,
  name: "AlterConfigs",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 2,
  request: [
    arr("resources", "0+", [
      f("resourceType", "int8", "0+"),
      f("resourceName", "string", "0+"),
      arr("configs", "0+", [
        f("name", "string", "0+"),
        f("value", "string", "0+", { nullable: "0+" }),
      ]),
    ]),
    f("validateOnly", "bool", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("responses", "0+", alterResourceResponse),
  ],
};

/**
 * v0 was removed in Kafka 4.0 (KIP-896); v3 adds the top-level error, v4 the volume's sizes, v5
 * (Kafka 4.3) whether the directory is cordoned.
 */
export const DESCRIBE_LOG_DIRS: ApiSpec = {
  apiKey: 35,
  name: "DescribeLogDirs",
  minVersion: 1,
  maxVersion: 5,
  flexibleMin: 2,
  request: [
    arr("topics", "1+", [
      f("topic", "string", "1+"),
      f("partitions", "[]int32", "1+"),
    ], { nullable: "1+" }),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    f("errorCode", "int16", "3+"),
    arr("results", "1+", [
      f("errorCode", "int16", "1+"),
      f("logDir", "string", "1+"),
      arr("topics", "1+", [
        f("name", "string", "1+"),
        arr("partitions", "1+", [
          f("partitionIndex", "int32", "1+"),
          f("partitionSize", "int64", "1+"),
          f("offsetLag", "int64", "1+"),
          f("isFutureKey", "bool", "1+"),
        ]),
      ]),
      f("totalBytes", "int64", "4+", { default: -1 }),
      f("usableBytes", "int64", "4+", { default: -1 }),
      f("isCordoned", "bool", "5+", { default: false }),
    ]),
  ],
};

export const INCREMENTAL_ALTER_CONFIGS: ApiSpec = {
  apiKey: 44,
  name: "IncrementalAlterConfigs",
  minVersion: 0,
  maxVersion: 1,
  flexibleMin: 1,
  request: [
    arr("resources", "0+", [
      f("resourceType", "int8", "0+"),
      f("resourceName", "string", "0+"),
      arr("configs", "0+", [
        f("name", "string", "0+"),
        f("configOperation", "int8", "0+"),
        f("value", "string", "0+", { nullable: "0+" }),
      ]),
    ]),
    f("validateOnly", "bool", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("responses", "0+", alterResourceResponse),
  ],
};

export const DESCRIBE_CLUSTER: ApiSpec = {
  apiKey: 60,
  name: "DescribeCluster",
  minVersion: 0,
  maxVersion: 2,
  flexibleMin: 0,
  request: [
    f("includeClusterAuthorizedOperations", "bool", "0+"),
    f("endpointType", "int8", "1+", { default: 1 }),
    f("includeFencedBrokers", "bool", "2+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    f("endpointType", "int8", "1+", { default: 1 }),
    f("clusterId", "string", "0+"),
    f("controllerId", "int32", "0+", { default: -1 }),
    arr("brokers", "0+", [
      f("brokerId", "int32", "0+"),
      f("host", "string", "0+"),
      f("port", "int32", "0+"),
      f("rack", "string", "0+", { nullable: "0+", default: null }),
      f("isFenced", "bool", "2+"),
    ]),
    f("clusterAuthorizedOperations", "int32", "0+", { default: I32_MIN }),
  ],
};
