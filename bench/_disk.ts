/**
 * The disk's own synced sequential write rate: 1 MiB blocks appended to a fresh file, each
 * followed by fdatasync (what `O_DSYNC` does per write; `dd oflag=dsync bs=1M` measures the same),
 * in the directory the broker's data lives in, so both figures come from one filesystem.
 */

/** Bounds of one disk measurement. */
export interface DiskRateOptions {
  readonly blockBytes: number;
  readonly seconds: number;
  /** Stops earlier once this much is written, so a fast disk cannot fill the filesystem. */
  readonly maxBytes: number;
}

export interface DiskRate {
  readonly blockBytes: number;
  readonly blocks: number;
  readonly seconds: number;
  readonly mbPerSec: number;
  readonly syncsPerSec: number;
}

export const DEFAULT_DISK_RATE: DiskRateOptions = {
  blockBytes: 1024 * 1024,
  seconds: 3,
  maxBytes: 4 * 1024 * 1024 * 1024,
};

/** Writes into `dir`, removes its file afterwards, returns the rate in MB/s (10^6 bytes). */
export async function syncedWriteRate(
  dir: string,
  options: DiskRateOptions = DEFAULT_DISK_RATE,
): Promise<DiskRate> {
  if (options.blockBytes <= 0 || options.seconds <= 0 || options.maxBytes < options.blockBytes) {
    throw new Error(`bad disk rate options: ${JSON.stringify(options)}`);
  }
  const path = `${dir}/disk-rate-${Deno.pid}.tmp`;
  const block = new Uint8Array(options.blockBytes);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131) & 0xff;
  const maxBlocks = Math.floor(options.maxBytes / options.blockBytes);
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  let blocks = 0;
  const t0 = performance.now();
  const until = t0 + options.seconds * 1000;
  try {
    while (performance.now() < until && blocks < maxBlocks) {
      await writeAll(file, block);
      await file.syncData();
      blocks++;
    }
  } finally {
    file.close();
    await Deno.remove(path);
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    blockBytes: options.blockBytes,
    blocks,
    seconds,
    mbPerSec: (blocks * options.blockBytes) / seconds / 1e6,
    syncsPerSec: blocks / seconds,
  };
}

/** Latency of one small synced append: a floor under any acks=all produce latency. */
export interface SyncLatency {
  readonly blockBytes: number;
  readonly syncs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Appends `blockBytes` + fdatasync back to back for `seconds` (at most `maxSyncs` times). */
export async function syncLatency(
  dir: string,
  blockBytes = 64 * 1024,
  seconds = 2,
  maxSyncs = 100_000,
): Promise<SyncLatency> {
  const path = `${dir}/sync-latency-${Deno.pid}.tmp`;
  const block = new Uint8Array(blockBytes).fill(7);
  const samplesMs: number[] = [];
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until && samplesMs.length < maxSyncs) {
      const t0 = performance.now();
      await writeAll(file, block);
      await file.syncData();
      samplesMs.push(performance.now() - t0);
    }
  } finally {
    file.close();
    await Deno.remove(path);
  }
  samplesMs.sort((a, b) => a - b);
  return { blockBytes, syncs: samplesMs.length, ...quantilesMs(samplesMs) };
}

/** How long {@link settleDisk} waited, and its slowest probe. */
export interface Settled {
  readonly waitedMs: number;
  readonly worstSyncMs: number;
  /** False when `maxMs` ran out before the disk went quiet. */
  readonly quiet: boolean;
}

export interface SettleOptions {
  /** The disk counts as quiet after this long with no probe over `slowMs`. */
  readonly quietMs: number;
  readonly slowMs: number;
  readonly maxMs: number;
  /** Pause between probes, so probing adds little load of its own. */
  readonly probeGapMs: number;
}

export const DEFAULT_SETTLE: SettleOptions = {
  quietMs: 3000,
  slowMs: 10,
  maxMs: 30_000,
  probeGapMs: 5,
};

/**
 * Waits for the disk to go quiet after a removal: small synced appends in `dir` until `quietMs`
 * pass with none over `slowMs` (at most `maxMs`). Removing a run's gigabytes on a filesystem
 * mounted with `discard` (this machine's `/`) trims the freed extents over the next seconds, and
 * fdatasyncs stall meanwhile: after removing a 700 MB file, 64 KiB append + fdatasync stalled
 * 35-197 ms at 1.5-1.7 s and again at 3.8-3.9 s, against a max of 4.7-6.1 ms with nothing
 * removed. Without this wait, each run would pay for the clean-up of the run before it.
 */
export async function settleDisk(
  dir: string,
  options: SettleOptions = DEFAULT_SETTLE,
): Promise<Settled> {
  const path = `${dir}/settle-${Deno.pid}.tmp`;
  const block = new Uint8Array(4096).fill(5);
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  const t0 = performance.now();
  let quietSince = t0;
  let worstSyncMs = 0;
  try {
    for (;;) {
      const now = performance.now();
      if (now - quietSince >= options.quietMs) {
        return { waitedMs: now - t0, worstSyncMs, quiet: true };
      }
      if (now - t0 >= options.maxMs) return { waitedMs: now - t0, worstSyncMs, quiet: false };
      await writeAll(file, block);
      await file.syncData();
      const syncMs = performance.now() - now;
      worstSyncMs = Math.max(worstSyncMs, syncMs);
      if (syncMs > options.slowMs) quietSince = performance.now();
      await new Promise((r) => setTimeout(r, options.probeGapMs));
    }
  } finally {
    file.close();
    await Deno.remove(path);
  }
}

/** What a writer that did nothing but group-commit at a given rate would see. */
export interface DiskFloor {
  readonly bytesPerSec: number;
  readonly seconds: number;
  readonly syncs: number;
  /** From a tick's arrival to the end of the fdatasync that covered it. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/**
 * The disk's own latency floor at a load: data "arrives" at `bytesPerSec` in 1 ms ticks and is
 * appended and fdatasynced with no broker, no network and no client. Each tick's latency runs from
 * its arrival to the end of the sync that covered it.
 *
 * - `overlap: false`: one loop appends everything that has arrived, fdatasyncs, and repeats (group
 *   commit, writes and syncs in turn): the least any acks=all produce at this rate could wait.
 * - `overlap: true`: the broker's pattern. Arrived data is appended at once, also while a sync
 *   runs, and a sync covers everything written when it started; on ext4 an append that overlaps a
 *   sync of the same file can wait for the sync's journal commit.
 */
export async function syncFloorAtRate(
  dir: string,
  bytesPerSec: number,
  seconds: number,
  overlap = false,
): Promise<DiskFloor> {
  if (!(bytesPerSec > 0) || !(seconds > 0)) {
    throw new Error(`bad floor options: ${bytesPerSec} B/s for ${seconds} s`);
  }
  const path = `${dir}/sync-floor-${Deno.pid}.tmp`;
  const tickBytes = Math.max(1, Math.round(bytesPerSec / 1000));
  const totalTicks = Math.round(seconds * 1000);
  // One buffer serves every write: at most 64 MiB arrives while one sync is outstanding.
  const chunk = new Uint8Array(Math.min(64 * 1024 * 1024, tickBytes * 256)).fill(11);
  const latencies = new Float64Array(totalTicks);
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  let written = 0; // ticks written
  let synced = 0; // ticks written and synced
  let syncs = 0;
  let wake: (() => void) | undefined;
  const t0 = performance.now();
  const syncUpTo = async (upTo: number) => {
    await file.syncData();
    syncs++;
    const done = performance.now();
    for (let tick = synced; tick < upTo; tick++) latencies[tick] = done - (t0 + tick + 1);
    synced = upTo;
  };
  let stopped = false;
  let syncError: unknown;
  const syncLoop = async () => {
    while (synced < totalTicks && !stopped) {
      if (synced < written) await syncUpTo(written);
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const wakeSyncLoop = () => {
    wake?.();
    wake = undefined;
  };
  // Caught at once so a failed sync cannot go unhandled while the writer still runs.
  const syncing = overlap ? syncLoop().catch((e) => (syncError = e ?? "sync failed")) : undefined;
  try {
    while (written < totalTicks && syncError === undefined) {
      const arrived = Math.min(totalTicks, Math.floor(performance.now() - t0));
      if (arrived <= written) {
        await new Promise((r) => setTimeout(r, Math.max(0, t0 + written + 1 - performance.now())));
        continue;
      }
      let left = (arrived - written) * tickBytes;
      for (; left > 0; left -= chunk.length) {
        await writeAll(file, chunk.subarray(0, Math.min(left, chunk.length)));
      }
      written = arrived;
      if (overlap) wakeSyncLoop();
      else await syncUpTo(arrived);
    }
  } finally {
    stopped = written < totalTicks; // the writer failed: let the sync loop end
    wakeSyncLoop();
    await syncing;
    file.close();
    await Deno.remove(path);
  }
  if (syncError !== undefined) throw syncError;
  latencies.sort();
  return { bytesPerSec, seconds, syncs, ...quantilesMs(latencies) };
}

/** `write` until every byte is taken (one call may take fewer). */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

/** p50/p99/p999/max of ascending samples (0 for none). */
function quantilesMs(
  sorted: ArrayLike<number>,
): { p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number } {
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: at(1) };
}
