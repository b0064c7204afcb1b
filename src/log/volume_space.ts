/**
 * The size of the volume a directory is on, as DescribeLogDirs v4 reports it (KIP-827): total
 * bytes and the bytes a writer may still use, or `null` when unknown. The `statfs` call runs on
 * Deno's blocking-I/O threads, never on the event loop.
 *
 * Unknown means this process may not ask (Deno gates `statfs` behind `--allow-sys=statfs`; the
 * permission is queried, never prompted, as a prompt would stop a broker started from a terminal)
 * or the call failed.
 *
 * @module
 */
import { statfs } from "node:fs/promises";

export interface VolumeSpace {
  /** Bytes of the whole volume: blocks times the fragment size. */
  readonly totalBytes: bigint;
  /** Bytes an unprivileged writer may still use: available blocks times the fragment size. */
  readonly usableBytes: bigint;
}

const INT64_MAX = (1n << 63n) - 1n;

/** The volume holding `path`; `null` when the permission is missing or `statfs` fails. */
export async function volumeSpace(path: string): Promise<VolumeSpace | null> {
  if (Deno.permissions.querySync({ name: "sys", kind: "statfs" }).state !== "granted") return null;
  try {
    const s = await statfs(path, { bigint: true });
    // Block counts are in units of the fragment size (`f_frsize`, what Java's FileStore uses).
    // Deno reports it; Node's typings only know `bsize`, equal to it on common Linux filesystems.
    const unit = (s as { frsize?: bigint }).frsize ?? s.bsize;
    return { totalBytes: toInt64(s.blocks * unit), usableBytes: toInt64(s.bavail * unit) };
  } catch {
    return null;
  }
}

/** Kafka reports a volume too large for a signed 64-bit count as Long.MAX_VALUE. */
function toInt64(bytes: bigint): bigint {
  return bytes > INT64_MAX ? INT64_MAX : bytes;
}
