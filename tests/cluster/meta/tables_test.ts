import assert from "node:assert/strict";
import type { MetaCommand } from "../../../src/cluster/meta/commands.ts";
import { MetaTables } from "../../../src/cluster/meta/tables.ts";

const create = (name: string, topicId: string, partitions = 2): MetaCommand => ({
  type: "createTopic",
  name,
  topicId,
  partitions: Array.from({ length: partitions }, () => ({ replicas: [1] })),
  configs: { "retention.ms": "1000" },
});

Deno.test("tables apply commands deterministically and reject stale ones", async (t) => {
  const tables = new MetaTables();
  await t.step("create, then a racing second create of the same name is rejected", () => {
    assert.deepEqual(tables.apply(create("orders", "id-1")), { ok: true });
    assert.deepEqual(tables.apply(create("orders", "id-2")), { ok: false, reason: "topicExists" });
    assert.equal(tables.topic("orders")?.topicId, "id-1");
    assert.equal(tables.topicById("id-1")?.name, "orders");
    assert.equal(tables.topicById("id-2"), undefined);
  });
  await t.step("partitions are added at the end", () => {
    tables.apply({ type: "createPartitions", name: "orders", added: [{ replicas: [1] }] });
    assert.equal(tables.topic("orders")?.partitions.length, 3);
  });
  await t.step("configs are set and removed", () => {
    tables.apply({
      type: "alterConfigs",
      resource: "topic",
      name: "orders",
      set: { "segment.bytes": "4096" },
      remove: ["retention.ms"],
    });
    assert.deepEqual(tables.topic("orders")?.configs, { "segment.bytes": "4096" });
  });
  await t.step("a delete names the topic id, so an old delete cannot remove a new topic", () => {
    assert.deepEqual(tables.apply({ type: "deleteTopic", name: "orders", topicId: "id-0" }), {
      ok: false,
      reason: "unknownTopic",
    });
    assert.deepEqual(tables.apply({ type: "deleteTopic", name: "orders", topicId: "id-1" }), {
      ok: true,
    });
    assert.equal(tables.topic("orders"), undefined);
    assert.equal(tables.topicById("id-1"), undefined);
  });
  assert.equal(tables.appliedCount, 6);
});

Deno.test("two tables fed the same commands are equal", () => {
  const cmds: MetaCommand[] = [
    create("a", "1"),
    create("b", "2", 5),
    { type: "deleteTopic", name: "a", topicId: "1" },
    create("a", "3", 1),
    { type: "registerBroker", nodeId: 1, host: "h", port: 9092, rack: null },
  ];
  const one = new MetaTables();
  const two = new MetaTables();
  for (const c of cmds) one.apply(c);
  for (const c of cmds) two.apply(c);
  assert.deepEqual([...one.topics()], [...two.topics()]);
  assert.deepEqual([...one.brokers()], [...two.brokers()]);
  assert.equal(one.topic("a")?.topicId, "3");
});
