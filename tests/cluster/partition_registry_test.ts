import assert from "node:assert/strict";
import { LocalPartitionRegistry } from "../../src/cluster/partition_registry.ts";
import { LocalMetaStore } from "../../src/cluster/meta/local_store.ts";
import { type Disk, MemoryDisk } from "../../src/log/mod.ts";

/** A disk whose directory listings (one at the start of every log open) take `delayMs`. */
class SlowListing extends MemoryDisk {
  inFlight = 0;
  maxInFlight = 0;

  constructor(readonly delayMs: number) {
    super();
  }

  override async list(dir: string): Promise<string[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      return await super.list(dir);
    } finally {
      this.inFlight--;
    }
  }
}

async function openWith(dir: string, disk: Disk, openConcurrency: number) {
  const { store } = await LocalMetaStore.open(`${dir}/meta`);
  const registry = await LocalPartitionRegistry.open(store, {
    dataDir: `${dir}/data`,
    nodeId: 1,
    brokerDefaults: () => ({}),
    logOptions: { disk },
    retentionCheckIntervalMs: 0,
    openConcurrency,
  });
  return { store, registry };
}

Deno.test("partition registry: opens partition logs up to openConcurrency at a time", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chronik-registry-" });
  try {
    const { store } = await LocalMetaStore.open(`${dir}/meta`);
    await store.propose({
      type: "createTopic",
      name: "t",
      topicId: "AAAAAAAAAAAAAAAAAAAAAA",
      partitions: Array.from({ length: 12 }, () => ({ replicas: [1] })),
      // What the broker's settings would otherwise supply.
      configs: {
        "segment.bytes": "1048576",
        "segment.ms": "604800000",
        "retention.ms": "-1",
        "retention.bytes": "-1",
        "max.message.bytes": "1048588",
      },
    });
    await store.close();

    for (const [concurrency, expected] of [[1, 1], [4, 4], [64, 12]] as const) {
      await t.step(`openConcurrency ${concurrency}: ${expected} at once`, async () => {
        const disk = new SlowListing(10);
        const { store, registry } = await openWith(dir, disk, concurrency);
        try {
          assert.equal(disk.maxInFlight, expected);
          for (let i = 0; i < 12; i++) assert.ok(registry.get("t", i), `partition ${i} open`);
        } finally {
          await registry.close();
          await store.close();
        }
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
