/**
 * Partition log throughput with fdatasync: appends/s and MB/s for 1 KiB and 64 KiB batches with
 * 1 and 16 concurrent appenders, beside the raw synced write rate of the same disk (the ceiling
 * group commit works against). Prints figures; asserts nothing.
 *
 * `deno run --allow-read --allow-write --allow-env bench/log_bench.ts [seconds per case]`
 *
 * @module
 */

import { buildBatch } from "../src/kafka/records/mod.ts";
import { PartitionLog } from "../src/log/mod.ts";

const secondsPerCase = Math.min(Number(Deno.args[0] ?? 2), 30);
const maxAppendsPerCase = 200_000;

function batchOf(bytes: number): Uint8Array {
  const value = new Uint8Array(bytes - 80);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
  return buildBatch([{ value }]);
}

async function rawSynced(
  dir: string,
  bytes: number,
): Promise<{ perSec: number; mbPerSec: number }> {
  const f = await Deno.open(`${dir}/raw`, { create: true, write: true, truncate: true });
  const buf = new Uint8Array(bytes);
  const until = performance.now() + secondsPerCase * 1000;
  let n = 0;
  const t0 = performance.now();
  try {
    while (performance.now() < until && n < maxAppendsPerCase) {
      await f.write(buf);
      await f.syncData();
      n++;
    }
  } finally {
    f.close();
    await Deno.remove(`${dir}/raw`);
  }
  const s = (performance.now() - t0) / 1000;
  return { perSec: n / s, mbPerSec: (n * bytes) / s / 1e6 };
}

async function logCase(dir: string, bytes: number, appenders: number) {
  const path = `${dir}/log-${bytes}-${appenders}`;
  const log = await PartitionLog.open(path, { retentionMs: -1, segmentBytes: 256 * 1024 * 1024 });
  const template = batchOf(bytes);
  const until = performance.now() + secondsPerCase * 1000;
  let n = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < until && n < maxAppendsPerCase) {
      n++;
      await log.append([template.slice()]);
    }
  };
  await Promise.all(Array.from({ length: appenders }, worker));
  const s = (performance.now() - t0) / 1000;
  const syncs = log.syncCount;
  await log.close();
  await Deno.remove(path, { recursive: true });
  return { perSec: n / s, mbPerSec: (n * template.length) / s / 1e6, appendsPerSync: n / syncs };
}

const dir = await Deno.makeTempDir({ prefix: "chronik-log-bench-" });
try {
  console.log(`log bench: ${secondsPerCase} s per case, dir ${dir}`);
  for (const bytes of [1024, 64 * 1024]) {
    const raw = await rawSynced(dir, bytes);
    console.log(
      `raw write+fdatasync ${bytes / 1024} KiB: ${raw.perSec.toFixed(0)} syncs/s, ` +
        `${raw.mbPerSec.toFixed(1)} MB/s`,
    );
    for (const appenders of [1, 16]) {
      const r = await logCase(dir, bytes, appenders);
      console.log(
        `log append ${bytes / 1024} KiB x${appenders}: ${r.perSec.toFixed(0)} appends/s, ` +
          `${r.mbPerSec.toFixed(1)} MB/s, ${r.appendsPerSync.toFixed(1)} appends per sync`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
