/**
 * {@link Disk} on `Deno.FsFile`. Deno has no pread/pwrite and serializes operations on one
 * handle, so each file uses up to three: writes (seek skipped when appending where the last
 * write ended), reads (seek+read pairs, queued among themselves), and sync (fdatasync covers the
 * file whichever descriptor asks, so writes and group commit proceed while a sync is in flight).
 *
 * Descriptors are a bounded cache shared by every file of one {@link DenoDisk}: each handle
 * opens on first use, and once more than `maxOpenFiles` are open the least recently used idle
 * ones close, to reopen when next needed. A handle in use (an operation in flight, or a file
 * held by {@link DiskFile.hold}) never closes, so the count can pass the bound by those.
 * Closing a descriptor loses nothing: written bytes stay in the page cache and a later
 * fdatasync on any descriptor of the file makes them durable.
 *
 * @module
 */

import type { Disk, DiskFile } from "./disk.ts";

/** Default of {@link DenoDiskOptions.maxOpenFiles}. */
const DEFAULT_MAX_OPEN_FILES = 10_000;

/** What a cache of descriptors reports: a handle opened, closed when idle, or closed with its file. */
export type HandleEvent = "opened" | "evicted" | "closed";

export interface DenoDiskOptions {
  /** Descriptors kept open over all files before idle ones close. Default 10,000. */
  readonly maxOpenFiles?: number;
  /** Called on every descriptor opened or closed, with the count open afterwards. */
  readonly onHandle?: (event: HandleEvent, openNow: number) => void;
}

/** One descriptor of a file, open while used or cached. */
class Handle {
  fs: Deno.FsFile | undefined;
  #opening: Promise<Deno.FsFile> | undefined;
  /** Operations and holds using it; it closes only at 0. */
  users = 0;
  /** Set when its file closes: the descriptor goes as soon as the last user leaves. */
  retired = false;

  constructor(readonly cache: HandleCache, readonly path: string, readonly write: boolean) {}

  /** Settles once an open in progress has finished (or failed). */
  get settled(): Promise<unknown> {
    return this.#opening?.catch(() => {}) ?? Promise.resolve();
  }

  /** The open descriptor, opened if needed; the caller must {@link release} it. */
  acquire(): Deno.FsFile | Promise<Deno.FsFile> {
    this.users++;
    this.cache.using(this);
    if (this.fs !== undefined) return this.fs;
    this.#opening ??= Deno.open(this.path, { read: true, write: this.write }).then(
      (fs) => {
        this.#opening = undefined;
        this.fs = fs;
        this.cache.opened();
        return fs;
      },
      (e) => {
        this.#opening = undefined;
        throw e;
      },
    );
    return this.#opening.catch((e) => {
      this.release();
      throw e;
    });
  }

  /** Takes `fs`, just opened by the caller, as this handle's descriptor (idle). */
  adopt(fs: Deno.FsFile): void {
    this.fs = fs;
    this.cache.opened();
    this.cache.idle(this);
  }

  release(): void {
    this.users--;
    if (this.users > 0) return;
    if (this.retired) this.shut("closed");
    else this.cache.idle(this);
  }

  shut(event: HandleEvent): void {
    if (this.fs === undefined) return;
    this.fs.close();
    this.fs = undefined;
    this.cache.closed(this, event);
  }
}

/** Open descriptors of one disk; the idle ones in least-recently-used order. */
class HandleCache {
  /** Idle open handles, oldest first (a Set keeps insertion order). */
  readonly #idle = new Set<Handle>();
  open = 0;

  constructor(
    readonly maxOpen: number,
    readonly onHandle: ((event: HandleEvent, openNow: number) => void) | undefined,
  ) {}

  /** `h` is in use: not idle until released. */
  using(h: Handle): void {
    this.#idle.delete(h);
  }

  opened(): void {
    this.open++;
    this.onHandle?.("opened", this.open);
    this.#evict();
  }

  idle(h: Handle): void {
    if (h.fs === undefined) return;
    this.#idle.add(h);
    this.#evict();
  }

  closed(h: Handle, event: HandleEvent): void {
    this.#idle.delete(h);
    this.open--;
    this.onHandle?.(event, this.open);
  }

  #evict(): void {
    if (this.open <= this.maxOpen) return;
    for (const h of this.#idle) {
      if (this.open <= this.maxOpen) return;
      h.shut("evicted");
    }
  }
}

class DenoFile implements DiskFile {
  /** Writes and truncates, one at a time (each seek+write pair must not interleave). */
  #writeQueue: Promise<unknown> = Promise.resolve();
  /** Reads, one at a time on their own handle, so fetches never wait behind appends. */
  #readQueue: Promise<unknown> = Promise.resolve();
  readonly #writer: Handle;
  readonly #reader: Handle;
  readonly #syncer: Handle;
  /** The descriptor and its position after the last write: appending there needs no seek. */
  #writeAt: { fs: Deno.FsFile; position: number } | undefined;
  #closed = false;

  /**
   * `opened`, a descriptor of the file just opened, becomes an idle handle: the write handle
   * for a file just created (writes come next), else the read handle (an existing file is
   * mostly measured and read: recovery, index files).
   */
  constructor(
    readonly path: string,
    cache: HandleCache,
    opened: { fs: Deno.FsFile; forWrite: boolean },
    readonly onClose: (f: DenoFile) => void,
  ) {
    this.#writer = new Handle(cache, path, true);
    this.#reader = new Handle(cache, path, false);
    this.#syncer = new Handle(cache, path, true);
    (opened.forWrite ? this.#writer : this.#reader).adopt(opened.fs);
  }

  #closedError(): Promise<never> {
    return Promise.reject(new Deno.errors.BadResource(`${this.path}: file is closed`));
  }

  async #use<T>(h: Handle, fn: (fs: Deno.FsFile) => Promise<T>): Promise<T> {
    const got = h.acquire();
    const fs = got instanceof Promise ? await got : got;
    try {
      return await fn(fs);
    } finally {
      h.release();
    }
  }

  #serialWrite<T>(fn: (fs: Deno.FsFile) => Promise<T>): Promise<T> {
    const op = () => this.#use(this.#writer, fn);
    const run = this.#writeQueue.then(op, op);
    this.#writeQueue = run.catch(() => {});
    return run;
  }

  read(position: number, lengthBytes: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) return this.#closedError();
    if (into !== undefined && into.length < lengthBytes) {
      return Promise.reject(new RangeError(`read of ${lengthBytes} bytes into ${into.length}`));
    }
    const run = this.#readQueue.then(() =>
      this.#use(this.#reader, async (handle) => {
        const buf = into?.subarray(0, lengthBytes) ?? new Uint8Array(lengthBytes);
        await handle.seek(position, Deno.SeekMode.Start);
        let got = 0;
        while (got < lengthBytes) {
          const n = await handle.read(buf.subarray(got));
          if (n === null || n === 0) break;
          got += n;
        }
        return got === lengthBytes ? buf : buf.subarray(0, got);
      })
    );
    this.#readQueue = run.catch(() => {});
    return run;
  }

  write(position: number, data: Uint8Array): Promise<void> {
    if (this.#closed) return this.#closedError();
    return this.#serialWrite(async (fs) => {
      const at = this.#writeAt;
      this.#writeAt = undefined;
      if (at?.fs !== fs || at.position !== position) {
        await fs.seek(position, Deno.SeekMode.Start);
      }
      let done = 0;
      while (done < data.length) done += await fs.write(data.subarray(done));
      this.#writeAt = { fs, position: position + data.length };
    });
  }

  sync(): Promise<void> {
    if (this.#closed) return this.#closedError();
    return this.#use(this.#syncer, (fs) => fs.syncData());
  }

  truncate(sizeBytes: number): Promise<void> {
    if (this.#closed) return this.#closedError();
    return this.#serialWrite((fs) => fs.truncate(sizeBytes));
  }

  size(): Promise<number> {
    if (this.#closed) return this.#closedError();
    // stat moves no file position, so it needs no place in either queue.
    return this.#use(this.#reader, async (fs) => (await fs.stat()).size);
  }

  async hold(): Promise<void> {
    if (this.#closed) return this.#closedError();
    await this.#reader.acquire();
  }

  release(): void {
    this.#reader.release();
  }

  /** Settles once a hold's descriptor is open, so removing the name cannot beat it. */
  holdsSettled(): Promise<unknown> {
    return this.#reader.users > 0 ? this.#reader.settled : Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose(this);
    // Operations already queued finish first; each descriptor goes when its last user leaves.
    for (const h of [this.#writer, this.#reader, this.#syncer]) {
      h.retired = true;
      if (h.users === 0) h.shut("closed");
    }
  }
}

export class DenoDisk implements Disk {
  readonly #cache: HandleCache;
  /** Open files by path, for {@link remove}. */
  readonly #files = new Map<string, Set<DenoFile>>();

  constructor(options: DenoDiskOptions = {}) {
    const maxOpen = options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES;
    if (!(Number.isInteger(maxOpen) && maxOpen >= 1)) {
      throw new RangeError(`maxOpenFiles must be a positive integer, got ${maxOpen}`);
    }
    this.#cache = new HandleCache(maxOpen, options.onHandle);
  }

  /** Descriptors open now over all files of this disk. */
  get openHandles(): number {
    return this.#cache.open;
  }

  async open(path: string, options: { create?: boolean } = {}): Promise<DiskFile> {
    // Opened now so a missing file fails here; the descriptor then joins the cache. Deno
    // creates only with write access, so a read-only open is for existing files.
    const create = options.create ?? false;
    const probe = await Deno.open(path, { read: true, write: create, create });
    const opened = { fs: probe, forWrite: create };
    const file = new DenoFile(path, this.#cache, opened, (f) => {
      const same = this.#files.get(path);
      same?.delete(f);
      if (same?.size === 0) this.#files.delete(path);
    });
    const same = this.#files.get(path);
    if (same === undefined) this.#files.set(path, new Set([file]));
    else same.add(file);
    return file;
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
    // A reader holding the file must have its descriptor before the name goes.
    await Promise.all([...this.#files.get(path) ?? []].map((f) => f.holdsSettled()));
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
