/**
 * AlterConfigs (v0-2) and IncrementalAlterConfigs (v0-1) error answers, each as a KRaft-mode
 * Apache Kafka broker gives it to a client: request-shape problems (a resource or key named twice,
 * a null value) are INVALID_REQUEST before anything looks at the resource; a topic's values are
 * checked before its existence; a broker key that cannot change at run time, or a bad value for
 * one, is INVALID_REQUEST (KIP-226 dynamic broker configs, KAFKA-13609); APPEND and SUBTRACT
 * (KIP-339) need a list-type key.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { type Any, createdTopic, type Harness, nodeIdOf, withBroker } from "./_harness.ts";

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

type Resource = {
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string | null; configOperation?: number }[];
};

/** AlterConfigs v2; the error code of each resource, in request order. */
async function alter(h: Harness, resources: Resource[]): Promise<number[]> {
  const res: Any = await h.call(ApiKey.AlterConfigs, 2, { resources, validateOnly: false });
  return res.responses.map((r: Any) => r.errorCode);
}

/** IncrementalAlterConfigs v1; the error code of each resource, in request order. */
async function incremental(h: Harness, resources: Resource[]): Promise<number[]> {
  const res: Any = await h.call(ApiKey.IncrementalAlterConfigs, 1, {
    resources,
    validateOnly: false,
  });
  return res.responses.map((r: Any) => r.errorCode);
}

/** The value a resource holds for `key` as DescribeConfigs shows it, or undefined. */
async function describedValue(
  h: Harness,
  resourceType: number,
  resourceName: string,
  key: string,
): Promise<string | null | undefined> {
  const res: Any = await h.call(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType, resourceName, configurationKeys: [key] }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  return res.results[0].configs.find((c: Any) => c.name === key)?.value;
}

function topic(name: string, configs: Resource["configs"]): Resource {
  return { resourceType: TOPIC, resourceName: name, configs };
}

function broker(name: string, configs: Resource["configs"]): Resource {
  return { resourceType: BROKER, resourceName: name, configs };
}

Deno.test("a resource named twice in one request is INVALID_REQUEST for each naming", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    await createdTopic(h, "u");
    const retention = (value: string) => [{ name: "retention.ms", value }];
    // Kafka answers every naming of a repeated resource, and changes none of them; the others
    // in the request go ahead.
    assert.deepEqual(
      await alter(h, [
        topic("t", retention("1000")),
        topic("u", retention("2000")),
        topic("t", retention("3000")),
      ]),
      [ErrorCode.INVALID_REQUEST, ErrorCode.NONE, ErrorCode.INVALID_REQUEST],
    );
    const set = (value: string) => [{ name: "retention.ms", configOperation: SET, value }];
    assert.deepEqual(
      await incremental(h, [topic("t", set("1000")), topic("t", set("3000"))]),
      [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
    );
    assert.deepEqual(
      await incremental(h, [broker("", set("1000")), broker("", set("3000"))]),
      [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
    );
    assert.notEqual(await describedValue(h, TOPIC, "t", "retention.ms"), "1000");
    assert.notEqual(await describedValue(h, TOPIC, "t", "retention.ms"), "3000");
    assert.equal(await describedValue(h, TOPIC, "u", "retention.ms"), "2000");
    assert.equal(await describedValue(h, BROKER, "", "log.retention.ms"), undefined);
    // The same name under another resource type is another resource.
    assert.deepEqual(
      await incremental(h, [
        topic("1", [{ name: "retention.ms", configOperation: SET, value: "1000" }]),
        broker("1", [{ name: "log.retention.ms", configOperation: SET, value: "1000" }]),
      ]),
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE],
    );
  });
});

Deno.test("a config key named twice within one resource is INVALID_REQUEST", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    assert.deepEqual(
      await alter(h, [topic("t", [
        { name: "retention.ms", value: "1000" },
        { name: "retention.ms", value: "2000" },
      ])]),
      [ErrorCode.INVALID_REQUEST],
    );
    // Even under two different operations.
    assert.deepEqual(
      await incremental(h, [topic("t", [
        { name: "retention.ms", configOperation: SET, value: "1000" },
        { name: "retention.ms", configOperation: DELETE, value: null },
      ])]),
      [ErrorCode.INVALID_REQUEST],
    );
  });
});

Deno.test("a null value is INVALID_REQUEST, before the topic is looked up", async () => {
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const nothing = [{ name: "retention.ms", value: null }];
    assert.deepEqual(await alter(h, [topic("t", nothing)]), [ErrorCode.INVALID_REQUEST]);
    assert.deepEqual(await alter(h, [topic("missing", nothing)]), [ErrorCode.INVALID_REQUEST]);
    assert.deepEqual(
      await alter(h, [broker("", [{ name: "log.retention.ms", value: null }])]),
      [ErrorCode.INVALID_REQUEST],
    );
    for (const op of [SET, APPEND, SUBTRACT]) {
      const configs = [{ name: "cleanup.policy", configOperation: op, value: null }];
      assert.deepEqual(await incremental(h, [topic("t", configs)]), [ErrorCode.INVALID_REQUEST]);
      assert.deepEqual(
        await incremental(h, [topic("missing", configs)]),
        [ErrorCode.INVALID_REQUEST],
      );
    }
    // DELETE takes no value.
    assert.deepEqual(
      await incremental(h, [topic("t", [{
        name: "retention.ms",
        configOperation: DELETE,
        value: null,
      }])]),
      [ErrorCode.NONE],
    );
  });
});

Deno.test("a topic's values are checked before its existence", async () => {
  await withBroker(async (h) => {
    // Kafka's controller validates the configs, then looks for the topic.
    assert.deepEqual(
      await alter(h, [topic("missing", [{ name: "retention.ms", value: "soon" }])]),
      [ErrorCode.INVALID_CONFIG],
    );
    assert.deepEqual(
      await incremental(h, [topic("missing", [{
        name: "no.such.config",
        configOperation: SET,
        value: "1",
      }])]),
      [ErrorCode.INVALID_CONFIG],
    );
    assert.deepEqual(
      await incremental(h, [topic("missing", [{
        name: "retention.ms",
        configOperation: SET,
        value: "1000",
      }])]),
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    );
  });
});

Deno.test("a broker key that cannot change, or a bad value for one, is INVALID_REQUEST", async () => {
  await withBroker(async (h) => {
    for (const name of ["", "1"]) {
      const refused = [
        { name: "num.partitions", value: "3" }, // Kafka's: read-only at run time
        { name: "log.retention.ms", value: "soon" }, // not a long
        { name: "log.retention.ms", value: "-2" }, // out of range
        // Kafka would store a key it does not know (a plugin's); Chronik refuses rather than
        // store and ignore it, with the code of every other broker-key refusal.
        { name: "no.such.key", value: "1" },
      ];
      for (const { name: key, value } of refused) {
        const why = `${key}=${value} on broker "${name}"`;
        assert.deepEqual(
          await alter(h, [broker(name, [{ name: key, value }])]),
          [ErrorCode.INVALID_REQUEST],
          why,
        );
        assert.deepEqual(
          await incremental(h, [broker(name, [{ name: key, configOperation: SET, value }])]),
          [ErrorCode.INVALID_REQUEST],
          why,
        );
      }
    }
    // A topic's bad value stays INVALID_CONFIG (checked by the controller, not the broker).
    await createdTopic(h, "t");
    assert.deepEqual(
      await alter(h, [topic("t", [{ name: "retention.ms", value: "soon" }])]),
      [ErrorCode.INVALID_CONFIG],
    );
  });
});

Deno.test("APPEND and SUBTRACT work on a list-type broker key, and only there", async () => {
  await withBroker(async (h) => {
    const op = (name: string, configOperation: number, value: string) => [
      broker("", [{ name, configOperation, value }]),
    ];
    assert.deepEqual(await incremental(h, op("log.cleanup.policy", APPEND, "delete")), [
      ErrorCode.NONE,
    ]);
    assert.equal(await describedValue(h, BROKER, "", "log.cleanup.policy"), "delete");
    // Removing an item the list does not hold leaves it as it was.
    assert.deepEqual(await incremental(h, op("log.cleanup.policy", SUBTRACT, "compact")), [
      ErrorCode.NONE,
    ]);
    assert.equal(await describedValue(h, BROKER, "", "log.cleanup.policy"), "delete");
    // An item the key does not accept is a bad broker value.
    assert.deepEqual(await incremental(h, op("log.cleanup.policy", APPEND, "compact")), [
      ErrorCode.INVALID_REQUEST,
    ]);
    for (const verb of [APPEND, SUBTRACT]) {
      assert.deepEqual(await incremental(h, op("log.retention.ms", verb, "1")), [
        ErrorCode.INVALID_CONFIG,
      ]);
    }
  });
});

Deno.test("a long setting at its no-limit value shows Long.MAX_VALUE, as Kafka shows it", async () => {
  const key = "log.message.timestamp.before.max.ms";
  const LONG_MAX = "9223372036854775807";
  await withBroker(async (h) => {
    await createdTopic(h, "t");
    const node = String(await nodeIdOf(h));
    // Kafka's default is Long.MAX_VALUE (no limit); the node holds it as 2^53-1.
    assert.equal(await describedValue(h, BROKER, node, key), LONG_MAX);
    assert.equal(await describedValue(h, TOPIC, "t", "message.timestamp.before.max.ms"), LONG_MAX);
    // Any other value is shown as it is.
    assert.equal(await describedValue(h, BROKER, node, "log.retention.ms"), "3600000");
  }, { "log.retention.ms": "3600000" });
  // Set to Long.MAX_VALUE by the operator: shown the same way.
  await withBroker(async (h) => {
    const node = String(await nodeIdOf(h));
    assert.equal(await describedValue(h, BROKER, node, "log.retention.ms"), LONG_MAX);
  }, { "log.retention.ms": LONG_MAX });
});
