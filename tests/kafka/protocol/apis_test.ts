import assert from "node:assert/strict";
import {
  ApiKey,
  APIS,
  apiSpec,
  isFlexible,
  isSupported,
  requestHeaderVersion,
  responseHeaderVersion,
  supportedApiVersions,
} from "../../../src/kafka/protocol/apis.ts";

// The ranges an Apache Kafka 4.3.1 broker lists in its ApiVersions answer (checked against a
// running one), except Produce: Kafka lists it from v0 but serves it from v3 (KAFKA-18659), and so
// does Chronik (api_versions.ts); the table covers what is served.
const KAFKA_4_3: Record<string, [number, number]> = {
  ApiVersions: [0, 4],
  Metadata: [0, 13],
  Produce: [3, 13],
  Fetch: [4, 18],
  ListOffsets: [1, 11],
  InitProducerId: [0, 5],
  CreateTopics: [2, 7],
  DeleteTopics: [1, 6],
  CreatePartitions: [0, 3],
  DescribeConfigs: [1, 4],
  AlterConfigs: [0, 2],
  DescribeLogDirs: [1, 5],
  IncrementalAlterConfigs: [0, 1],
  DescribeCluster: [0, 2],
  OffsetForLeaderEpoch: [2, 4],
  DeleteRecords: [0, 2],
  FindCoordinator: [0, 6],
  JoinGroup: [0, 9],
  SyncGroup: [0, 5],
  Heartbeat: [0, 4],
  LeaveGroup: [0, 5],
  OffsetCommit: [2, 10],
  OffsetFetch: [1, 10],
  DescribeGroups: [0, 6],
  ListGroups: [0, 5],
  DeleteGroups: [0, 2],
  OffsetDelete: [0, 0],
  DescribeAcls: [1, 3],
  CreateAcls: [1, 3],
  DeleteAcls: [1, 3],
  ElectLeaders: [0, 2],
  AlterPartitionReassignments: [0, 1],
  ListPartitionReassignments: [0, 0],
  DescribeClientQuotas: [0, 1],
  DescribeUserScramCredentials: [0, 0],
  DescribeQuorum: [0, 2],
  DescribeProducers: [0, 0],
  DescribeTransactions: [0, 0],
  ListTransactions: [0, 2],
  ListConfigResources: [0, 1],
  DescribeTopicPartitions: [0, 0],
};

Deno.test("api registry", async (t) => {
  await t.step("covers every required API with at least Kafka 4.3's range", () => {
    for (const [name, [min, max]] of Object.entries(KAFKA_4_3)) {
      const key = ApiKey[name as keyof typeof ApiKey];
      const api = apiSpec(key);
      assert.ok(api, name);
      assert.equal(api.name, name);
      assert.ok(
        api.minVersion <= min && api.maxVersion >= max,
        `${name} ${api.minVersion}-${api.maxVersion}`,
      );
    }
    assert.equal(APIS.length, Object.keys(KAFKA_4_3).length);
  });

  await t.step("APIS is ordered by key and ApiKey names every entry", () => {
    const keys = APIS.map((a) => a.apiKey);
    assert.deepStrictEqual(keys, [...keys].sort((a, b) => a - b));
    for (const api of APIS) assert.equal(ApiKey[api.name as keyof typeof ApiKey], api.apiKey);
  });

  await t.step("old clients' versions are in range (kafkajs, kafka-python)", () => {
    for (const [key, v] of [[3, 0], [3, 1], [1, 4], [0, 3], [18, 0], [11, 0], [9, 1], [2, 1]]) {
      assert.ok(isSupported(key!, v!), `${key} v${v}`);
    }
    assert.ok(!isSupported(0, 2));
    assert.ok(!isSupported(1, 19));
    assert.ok(!isSupported(7, 0));
  });

  await t.step("header versions follow flexible versions, ApiVersions response excepted", () => {
    const produce = apiSpec(ApiKey.Produce)!;
    assert.equal(requestHeaderVersion(produce, 8), 1);
    assert.equal(requestHeaderVersion(produce, 9), 2);
    assert.equal(responseHeaderVersion(produce, 8), 0);
    assert.equal(responseHeaderVersion(produce, 9), 1);
    const av = apiSpec(ApiKey.ApiVersions)!;
    assert.ok(isFlexible(av, 3));
    assert.equal(requestHeaderVersion(av, 3), 2);
    assert.equal(responseHeaderVersion(av, 3), 0);
    assert.equal(responseHeaderVersion(av, 4), 0);
    const od = apiSpec(ApiKey.OffsetDelete)!;
    assert.ok(!isFlexible(od, 0));
    assert.ok(isFlexible(apiSpec(ApiKey.DescribeCluster)!, 0));
  });

  await t.step("supportedApiVersions lists the registry", () => {
    const list = supportedApiVersions();
    assert.equal(list.length, APIS.length);
    assert.deepStrictEqual(list.find((a) => a.apiKey === 1), {
      apiKey: 1,
      minVersion: 4,
      maxVersion: 18,
    });
  });
});
