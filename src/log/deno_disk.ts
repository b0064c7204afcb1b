/**
 * {@link Disk} on `Deno.FsFile`. Deno has no pread/pwrite, so each file's seek+read and
 * seek+write pairs run one at a time through a per-file queue. `sync` goes through a second
 * handle: Deno serializes operations on one handle, and fdatasync covers the file whichever
 * descriptor asks, so writes (and group commit) proceed while a sync is in flight.
 *
 * @module
 */

import type { Disk, DiskFile } from "./disk.ts";

class DenoFile implements DiskFile {
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  constructor(
    readonly path: string,
    readonly file: Deno.FsFile,
    readonly syncHandle: Deno.FsFile,
  ) {}

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  read(position: number, lengthBytes: number): Promise<Uint8Array> {
    return this.#serial(async () => {
      const buf = new Uint8Array(lengthBytes);
      await this.file.seek(position, Deno.SeekMode.Start);
      let got = 0;
      while (got < lengthBytes) {
        const n = await this.file.read(buf.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      return got === lengthBytes ? buf : buf.subarray(0, got);
    });
  }

  write(position: number, data: Uint8Array): Promise<void> {
    return this.#serial(async () => {
      await this.file.seek(position, Deno.SeekMode.Start);
      let done = 0;
      while (done < data.length) done += await this.file.write(data.subarray(done));
    });
  }

  sync(): Promise<void> {
    return this.syncHandle.syncData();
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.#serial(() => this.file.truncate(sizeBytes));
  }

  async size(): Promise<number> {
    return (await this.file.stat()).size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Let queued operations finish before the handle goes away.
    this.syncHandle.close();
    this.#queue.finally(() => this.file.close());
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
