import assert from "node:assert/strict";
import { LocalMetaStore } from "../../../src/cluster/meta/local_store.ts";
import type { MetaCommand } from "../../../src/cluster/meta/commands.ts";

const create = (name: string): MetaCommand => ({
  type: "createTopic",
  name,
  topicId: `id-${name}`,
  partitions: [{ replicas: [1] }],
  configs: {},
});

Deno.test("local metadata store survives reopen and truncates a torn tail", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chronik-meta-" });
  try {
    await t.step("commands are applied and replayed on reopen", async () => {
      const { store } = await LocalMetaStore.open(dir);
      const seen: string[] = [];
      store.onApply((cmd) => seen.push(cmd.type));
      await Promise.all([store.propose(create("a")), store.propose(create("b"))]);
      assert.deepEqual(seen, ["createTopic", "createTopic"]);
      await store.close();
      const reopened = await LocalMetaStore.open(dir);
      assert.equal(reopened.replayed, 2);
      assert.equal(reopened.truncatedBytes, 0);
      assert.ok(reopened.store.tables.topic("b"));
      await reopened.store.close();
    });
    await t.step("a torn last frame is cut off and later appends still replay", async () => {
      const path = `${dir}/commands.log`;
      const whole = await Deno.readFile(path);
      await Deno.writeFile(path, whole.subarray(0, whole.length - 3));
      const torn = await LocalMetaStore.open(dir);
      assert.equal(torn.replayed, 1);
      assert.ok(torn.truncatedBytes > 0);
      assert.equal(torn.store.tables.topic("b"), undefined);
      await torn.store.propose(create("c"));
      await torn.store.close();
      const again = await LocalMetaStore.open(dir);
      assert.equal(again.replayed, 2);
      assert.ok(again.store.tables.topic("c"));
      await again.store.close();
    });
    await t.step("a flipped byte fails the CRC and ends replay there", async () => {
      const path = `${dir}/commands.log`;
      const bytes = await Deno.readFile(path);
      bytes[bytes.length - 2]! ^= 0xff;
      await Deno.writeFile(path, bytes);
      const damaged = await LocalMetaStore.open(dir);
      assert.equal(damaged.replayed, 1);
      assert.equal(damaged.store.tables.topic("c"), undefined);
      await damaged.store.close();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
