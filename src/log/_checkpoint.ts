// The log's checkpoint file: the recovery point (everything below it was synced and verified)
// and the log start offset. Written to a temp file, synced, then renamed over the old one.

import { crc32c } from "../kafka/records/mod.ts";
import { type Disk, joinPath } from "./disk.ts";

export const CHECKPOINT_FILE = "log.checkpoint";
const MAGIC = "chronik-log-checkpoint v1";

export interface Checkpoint {
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
}

export async function writeCheckpoint(disk: Disk, dir: string, c: Checkpoint): Promise<void> {
  const body = `${MAGIC} ${c.recoveryPoint} ${c.logStartOffset}`;
  const text = `${body} ${crc32c(new TextEncoder().encode(body)).toString(16)}\n`;
  const tmp = joinPath(dir, CHECKPOINT_FILE + ".tmp");
  const f = await disk.open(tmp, { create: true });
  try {
    await f.truncate(0);
    await f.write(0, new TextEncoder().encode(text));
    await f.sync();
  } finally {
    f.close();
  }
  await disk.rename(tmp, joinPath(dir, CHECKPOINT_FILE));
  await disk.syncDir(dir);
}

/** The checkpoint, or null when missing or damaged (then everything is rescanned). */
export async function readCheckpoint(disk: Disk, dir: string): Promise<Checkpoint | null> {
  let f;
  try {
    f = await disk.open(joinPath(dir, CHECKPOINT_FILE));
  } catch {
    return null;
  }
  let text: string;
  try {
    text = new TextDecoder().decode(await f.read(0, 256)).trim();
  } finally {
    f.close();
  }
  const m = /^(chronik-log-checkpoint v1 (\d+) (\d+)) ([0-9a-f]+)$/.exec(text);
  if (!m || crc32c(new TextEncoder().encode(m[1]!)).toString(16) !== m[4]) return null;
  return { recoveryPoint: Number(m[2]), logStartOffset: Number(m[3]) };
}
