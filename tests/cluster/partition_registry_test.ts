import assert from "node:assert/strict";
import {
  LocalPartitionRegistry,
  type RegistryOptions,
} from "../../src/cluster/partition_registry.ts";
import { LocalMetaStore } from "../../src/cluster/meta/local_store.ts";
import { type Disk, MemoryDisk, PRODUCER_EXPIRY_SLICE } from "../../src/log/mod.ts";
import { buildBatch } from "../../src/kafka/records/mod.ts";

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

/** A registry over `store` with data under `dir`: a memory disk, no timers, unless `extra` says. */
function openRegistry(store: LocalMetaStore, dir: string, extra: Partial<RegistryOptions> = {}) {
  return LocalPartitionRegistry.open(store, {
    dataDir: `${dir}/data`,
    nodeId: 1,
    brokerDefaults: () => ({}),
    logOptions: { disk: new MemoryDisk() },
    retentionCheckIntervalMs: 0,
    openConcurrency: 1,
    ...extra,
  });
}

async function openWith(dir: string, disk: Disk, openConcurrency: number) {
  const { store } = await LocalMetaStore.open(`${dir}/meta`);
  const registry = await openRegistry(store, dir, { logOptions: { disk }, openConcurrency });
  return { store, registry };
}

/** The metadata store under `dir` with topic "t" of `count` partitions created; left open. */
async function withTopic(dir: string, topicId: string, count: number): Promise<LocalMetaStore> {
  const { store } = await LocalMetaStore.open(`${dir}/meta`);
  await store.propose({
    type: "createTopic",
    name: "t",
    topicId,
    partitions: Array.from({ length: count }, () => ({ replicas: [1] })),
    // What the broker's settings would otherwise supply.
    configs: {
      "segment.bytes": "1048576",
      "segment.ms": "604800000",
      "retention.ms": "-1",
      "retention.bytes": "-1",
      "max.message.bytes": "1048588",
      "min.insync.replicas": "1",
      "message.timestamp.before.max.ms": "9223372036854775807",
      "message.timestamp.after.max.ms": "3600000",
    },
  });
  return store;
}

/**
 * Runs `fn` on a registry (see {@link openRegistry}) over a fresh data dir holding topic "t" of
 * `partitions` partitions; closes and removes everything after.
 */
async function withRegistry(
  topicId: string,
  partitions: number,
  extra: Partial<RegistryOptions>,
  fn: (registry: LocalPartitionRegistry) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chronik-registry-" });
  try {
    const store = await withTopic(dir, topicId, partitions);
    try {
      const registry = await openRegistry(store, dir, extra);
      try {
        await fn(registry);
      } finally {
        await registry.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("partition registry: opens partition logs up to openConcurrency at a time", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chronik-registry-" });
  try {
    await (await withTopic(dir, "AAAAAAAAAAAAAAAAAAAAAA", 12)).close();

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

Deno.test("partition registry: its timer forgets expired producers (producer.id.expiration.ms)", async () => {
  let now = 1_700_000_000_000;
  const options = {
    logOptions: { disk: new MemoryDisk(), nowMs: () => now, producerIdExpirationMs: 60_000 },
    producerIdExpirationCheckIntervalMs: 5,
  };
  await withRegistry("AAAAAAAAAAAAAAAAAAAAAQ", 1, options, async (registry) => {
    const log = [...registry.all()][0]!.log;
    const records = [{ value: new Uint8Array([1]), timestampMs: now }];
    await log.append([
      buildBatch(records, { producerId: 4n, producerEpoch: 0, baseSequence: 0 }),
    ]);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(30); // several checks, none with anything to expire
    assert.equal(log.producers.size, 1);
    now += 60_000;
    for (let waited = 0; log.producers.size > 0 && waited < 2_000; waited += 5) await sleep(5);
    assert.equal(log.producers.size, 0, "expired by the registry's timer");
  });
});

Deno.test("partition registry: a pass over many small producer tables lets timers run", async () => {
  // 3 partitions of 600 producers: each log's own pass is one slice, the three are not.
  await withRegistry("AAAAAAAAAAAAAAAAAAAAAg", 3, {}, async (registry) => {
    const perLog = Math.ceil(PRODUCER_EXPIRY_SLICE * 0.6);
    for (const p of registry.all()) {
      await p.log.append(
        Array.from(
          { length: perLog },
          (_, i) =>
            buildBatch([{ value: new Uint8Array([1]), timestampMs: Date.now() }], {
              producerId: BigInt(i + 1),
              producerEpoch: 0,
              baseSequence: 0,
            }),
        ),
      );
      assert.equal(p.log.producers.size, perLog);
    }
    let timerRan = false;
    const timer = setTimeout(() => (timerRan = true), 0);
    try {
      assert.equal(await registry.removeExpiredProducers(), 0);
      assert.ok(timerRan, "the pass paused for a timer");
    } finally {
      clearTimeout(timer);
    }
  });
});
