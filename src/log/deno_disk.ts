/**
 * {@link Disk} on `Deno.FsFile`. Deno has no pread/pwrite and serializes operations on one
 * handle, so each file uses up to three: writes (seek skipped when appending where the last
 * write ended), reads (seek+read pairs, queued among themselves), and sync (fdatasync covers the
 * file whichever descriptor asks, so writes and group commit proceed while a sync is in flight).
 *
 * @module
 */

import type { Disk, DiskFile } from "./disk.ts";

class DenoFile implements DiskFile {
  /** Writes and truncates, one at a time (each seek+write pair must not interleave). */
  #writeQueue: Promise<unknown> = Promise.resolve();
  /** Reads, one at a time on their own handle, so fetches never wait behind appends. */
  #readQueue: Promise<unknown> = Promise.resolve();
  #readHandle: Deno.FsFile | undefined;
  /** The write handle's file position, when known: an append there needs no seek. */
  #writePosition: number | undefined;
  #closed = false;
  constructor(
    readonly path: string,
    readonly file: Deno.FsFile,
    readonly syncHandle: Deno.FsFile,
  ) {}

  #serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writeQueue.then(fn, fn);
    this.#writeQueue = run.catch(() => {});
    return run;
  }

  read(position: number, lengthBytes: number, into?: Uint8Array): Promise<Uint8Array> {
    if (into !== undefined && into.length < lengthBytes) {
      return Promise.reject(new RangeError(`read of ${lengthBytes} bytes into ${into.length}`));
    }
    const run = this.#readQueue.then(async () => {
      // Opened on first read: sealed segments that are never read cost no descriptor.
      this.#readHandle ??= await Deno.open(this.path, { read: true });
      const handle = this.#readHandle;
      const buf = into?.subarray(0, lengthBytes) ?? new Uint8Array(lengthBytes);
      await handle.seek(position, Deno.SeekMode.Start);
      let got = 0;
      while (got < lengthBytes) {
        const n = await handle.read(buf.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      return got === lengthBytes ? buf : buf.subarray(0, got);
    });
    this.#readQueue = run.catch(() => {});
    return run;
  }

  write(position: number, data: Uint8Array): Promise<void> {
    return this.#serialWrite(async () => {
      if (this.#writePosition !== position) {
        this.#writePosition = undefined;
        await this.file.seek(position, Deno.SeekMode.Start);
      }
      let done = 0;
      try {
        while (done < data.length) done += await this.file.write(data.subarray(done));
      } catch (e) {
        this.#writePosition = undefined;
        throw e;
      }
      this.#writePosition = position + data.length;
    });
  }

  sync(): Promise<void> {
    return this.syncHandle.syncData();
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.#serialWrite(() => this.file.truncate(sizeBytes));
  }

  async size(): Promise<number> {
    return (await this.file.stat()).size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Let queued operations finish before the handles go away.
    this.syncHandle.close();
    this.#writeQueue.finally(() => this.file.close());
    this.#readQueue.finally(() => this.#readHandle?.close());
  }
}

export class DenoDisk implements Disk {
  async open(path: string, options: { create?: boolean } = {}): Promise<DiskFile> {
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: options.create ?? false,
    });
    try {
      return new DenoFile(path, file, await Deno.open(path, { read: true, write: true }));
    } catch (e) {
      file.close();
      throw e;
    }
  }

  async list(dir: string): Promise<string[]> {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
    return names;
  }

  async mkdirp(dir: string): Promise<void> {
    await Deno.mkdir(dir, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return Deno.rename(from, to);
  }

  async remove(path: string): Promise<void> {
    try {
      await Deno.remove(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  async syncDir(dir: string): Promise<void> {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  }
}
