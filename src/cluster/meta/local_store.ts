/**
 * The standalone node's metadata log: one append-only file `meta/commands.log` of frames
 * `[u32 length][u32 crc32c][command bytes]`, fdatasync'd before a command is applied. On open the
 * file is replayed; a torn or corrupt tail (a crash mid-append) is truncated, which loses only a
 * command that was never acknowledged.
 *
 * @module
 */
import { crc32c } from "../../kafka/records/crc32c.ts";
import { decodeMetaCommand, encodeMetaCommand, type MetaCommand } from "./commands.ts";
import type { ApplyListener, MetaStore } from "./store.ts";
import { type ApplyResult, MetaTables } from "./tables.ts";

const FRAME_HEADER_BYTES = 8;

export interface LocalMetaStoreOptions {
  /** Largest encoded command accepted; bounds memory on replay of a damaged file too. */
  readonly maxCommandBytes: number;
}

export const DEFAULT_LOCAL_META_OPTIONS: LocalMetaStoreOptions = { maxCommandBytes: 1 << 20 };

export class MetaCommandTooLargeError extends Error {
  override readonly name = "MetaCommandTooLargeError";
}

export class LocalMetaStore implements MetaStore {
  readonly tables = new MetaTables();
  readonly #file: Deno.FsFile;
  readonly #options: LocalMetaStoreOptions;
  readonly #listeners: ApplyListener[] = [];
  /** Serializes appends so frames never interleave and apply order equals file order. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(file: Deno.FsFile, options: LocalMetaStoreOptions) {
    this.#file = file;
    this.#options = options;
  }

  /** Opens (creating if needed) `<dir>/commands.log`, replays it and truncates a damaged tail. */
  static async open(
    dir: string,
    options: LocalMetaStoreOptions = DEFAULT_LOCAL_META_OPTIONS,
  ): Promise<{ store: LocalMetaStore; replayed: number; truncatedBytes: number }> {
    await Deno.mkdir(dir, { recursive: true });
    const path = `${dir}/commands.log`;
    const file = await Deno.open(path, { read: true, write: true, create: true });
    const store = new LocalMetaStore(file, options);
    try {
      const bytes = await Deno.readFile(path);
      const { commands, validBytes } = parseFrames(bytes, options.maxCommandBytes);
      for (const cmd of commands) store.tables.apply(cmd);
      if (validBytes < bytes.length) {
        await file.truncate(validBytes);
        await file.syncData();
      }
      await file.seek(validBytes, Deno.SeekMode.Start);
      return { store, replayed: commands.length, truncatedBytes: bytes.length - validBytes };
    } catch (err) {
      file.close();
      throw err;
    }
  }

  onApply(listener: ApplyListener): void {
    this.#listeners.push(listener);
  }

  propose(cmd: MetaCommand): Promise<ApplyResult> {
    if (this.#closed) return Promise.reject(new Error("metadata store is closed"));
    const payload = encodeMetaCommand(cmd);
    if (payload.length > this.#options.maxCommandBytes) {
      return Promise.reject(
        new MetaCommandTooLargeError(
          `metadata command of ${payload.length} bytes exceeds ${this.#options.maxCommandBytes}`,
        ),
      );
    }
    const run = this.#tail.then(async () => {
      await writeAll(this.#file, frame(payload));
      await this.#file.syncData();
      const result = this.tables.apply(cmd);
      for (const listener of this.#listeners) listener(cmd, result);
      return result;
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    this.#file.close();
  }
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32c(payload));
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Frames up to the first one that is truncated, oversized, fails its CRC or does not decode. */
export function parseFrames(
  bytes: Uint8Array,
  maxCommandBytes: number,
): { commands: MetaCommand[]; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commands: MetaCommand[] = [];
  let pos = 0;
  while (pos + FRAME_HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(pos);
    const crc = view.getUint32(pos + 4);
    const end = pos + FRAME_HEADER_BYTES + length;
    if (length > maxCommandBytes || end > bytes.length) break;
    const payload = bytes.subarray(pos + FRAME_HEADER_BYTES, end);
    if (crc32c(payload) !== crc) break;
    try {
      commands.push(decodeMetaCommand(payload));
    } catch {
      break;
    }
    pos = end;
  }
  return { commands, validBytes: pos };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
