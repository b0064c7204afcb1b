/**
 * An in-memory {@link Disk} for tests and the simulator. Each file keeps its current bytes and
 * the bytes as of its last `sync`; {@link MemoryDisk.crash} drops everything unsynced, and the
 * fault helpers tear or corrupt what a crash leaves behind. Directory operations (create,
 * rename, remove) are durable at once: the model is about file contents.
 *
 * @module
 */

import { type Disk, DiskFaultError, type DiskFile } from "./disk.ts";

interface MemNode {
  data: Uint8Array;
  length: number;
  durable: Uint8Array;
  /** Undo record of the last write, for tearing it. */
  lastWrite: { position: number; data: Uint8Array; oldLength: number; old: Uint8Array } | null;
}

export type DiskOp = "read" | "write" | "sync" | "truncate" | "open";

export interface MemoryDiskOptions {
  /** Delay of each sync, so concurrent appends can pile up behind it. Default 0 (a macrotask). */
  readonly syncDelayMs?: number;
}

class MemFile implements DiskFile {
  #closed = false;
  constructor(readonly path: string, readonly disk: MemoryDisk, readonly epoch: number) {}

  #node(op: DiskOp): MemNode {
    if (this.#closed) throw new Error(`${this.path}: file is closed`);
    if (this.epoch !== this.disk.epoch) {
      throw new DiskFaultError(`${this.path}: handle lost in crash`);
    }
    this.disk.takeFault(op, this.path);
    const node = this.disk.nodes.get(this.path);
    if (!node) throw new DiskFaultError(`${this.path}: file was removed`);
    return node;
  }

  // deno-lint-ignore require-await
  async read(position: number, lengthBytes: number, into?: Uint8Array): Promise<Uint8Array> {
    const n = this.#node("read");
    const end = Math.min(n.length, position + lengthBytes);
    const bytes = n.data.subarray(Math.min(position, end), end);
    if (into === undefined) return bytes.slice();
    into.set(bytes);
    return into.subarray(0, bytes.length);
  }

  // deno-lint-ignore require-await
  async write(position: number, data: Uint8Array): Promise<void> {
    const n = this.#node("write");
    const end = position + data.length;
    const old = n.data.slice(position, Math.min(end, n.length));
    n.lastWrite = { position, data: data.slice(), oldLength: n.length, old };
    ensure(n, end);
    if (position > n.length) n.data.fill(0, n.length, position);
    n.data.set(data, position);
    n.length = Math.max(n.length, end);
    this.disk.writes++;
  }

  async sync(): Promise<void> {
    const n = this.#node("sync");
    // Only bytes present when the sync starts are promised durable.
    const snapshot = n.data.slice(0, n.length);
    await new Promise((r) => setTimeout(r, this.disk.syncDelayMs));
    if (this.epoch !== this.disk.epoch) throw new DiskFaultError(`${this.path}: crashed mid-sync`);
    n.durable = snapshot;
    n.lastWrite = null;
    this.disk.syncs++;
  }

  // deno-lint-ignore require-await
  async truncate(sizeBytes: number): Promise<void> {
    const n = this.#node("truncate");
    ensure(n, sizeBytes);
    if (sizeBytes > n.length) n.data.fill(0, n.length, sizeBytes);
    n.length = sizeBytes;
    n.lastWrite = null;
  }

  // deno-lint-ignore require-await
  async size(): Promise<number> {
    return this.#node("read").length;
  }

  /** Checks only that the handle is open: this model does not read a file after its removal. */
  // deno-lint-ignore require-await
  async hold(): Promise<void> {
    if (this.#closed) throw new Error(`${this.path}: file is closed`);
  }

  release(): void {}

  close(): void {
    this.#closed = true;
  }
}

function ensure(n: MemNode, size: number): void {
  if (size <= n.data.length) return;
  let cap = Math.max(1024, n.data.length * 2);
  while (cap < size) cap *= 2;
  const next = new Uint8Array(cap);
  next.set(n.data.subarray(0, n.length));
  n.data = next;
}

export class MemoryDisk implements Disk {
  readonly nodes = new Map<string, MemNode>();
  readonly dirs = new Set<string>();
  /** Bumped by every crash; handles from an older epoch are dead. */
  epoch = 0;
  syncs = 0;
  writes = 0;
  syncDelayMs: number;
  readonly #faults = new Map<DiskOp, number>();

  constructor(options: MemoryDiskOptions = {}) {
    this.syncDelayMs = options.syncDelayMs ?? 0;
  }

  // deno-lint-ignore require-await
  async open(path: string, options: { create?: boolean } = {}): Promise<DiskFile> {
    this.takeFault("open", path);
    if (!this.nodes.has(path)) {
      if (!options.create) throw new Deno.errors.NotFound(path);
      this.nodes.set(path, {
        data: new Uint8Array(0),
        length: 0,
        durable: new Uint8Array(0),
        lastWrite: null,
      });
    }
    return new MemFile(path, this, this.epoch);
  }

  list(dir: string): Promise<string[]> {
    const prefix = dir.endsWith("/") ? dir : dir + "/";
    const out: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes("/")) {
        out.push(p.slice(prefix.length));
      }
    }
    return Promise.resolve(out);
  }

  mkdirp(dir: string): Promise<void> {
    this.dirs.add(dir);
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    const n = this.nodes.get(from);
    if (!n) return Promise.reject(new Deno.errors.NotFound(from));
    this.nodes.delete(from);
    this.nodes.set(to, n);
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    this.nodes.delete(path);
    return Promise.resolve();
  }

  syncDir(_dir: string): Promise<void> {
    return Promise.resolve();
  }

  /** Makes the next `count` calls of `op` throw {@link DiskFaultError}. */
  failNext(op: DiskOp, count = 1): void {
    this.#faults.set(op, (this.#faults.get(op) ?? 0) + count);
  }

  /** @internal Consumes one injected fault for `op`, throwing it. */
  takeFault(op: DiskOp, path: string): void {
    const left = this.#faults.get(op) ?? 0;
    if (left <= 0) return;
    this.#faults.set(op, left - 1);
    throw new DiskFaultError(`injected ${op} fault on ${path}`);
  }

  /** Power loss: every file reverts to its last synced bytes; open handles die. */
  crash(): void {
    this.epoch++;
    for (const n of this.nodes.values()) {
      n.data = n.durable.slice();
      n.length = n.durable.length;
      n.lastWrite = null;
    }
  }

  /**
   * Tears the last (unsynced) write of `path`: only its first `keptBytes` reach the file, as if
   * power failed mid-write. Call before {@link crash}'s effect is wanted, or instead of it.
   */
  tearLastWrite(path: string, keptBytes: number): void {
    const n = this.#get(path);
    const w = n.lastWrite;
    if (!w) throw new Error(`${path}: no unsynced write to tear`);
    n.data.set(w.old, w.position);
    n.length = w.oldLength;
    const kept = w.data.subarray(0, Math.min(keptBytes, w.data.length));
    ensure(n, w.position + kept.length);
    n.data.set(kept, w.position);
    n.length = Math.max(n.length, w.position + kept.length);
    n.durable = n.data.slice(0, n.length);
    n.lastWrite = null;
  }

  /** Cuts `path` to `sizeBytes`, durably (a torn tail at an arbitrary point). */
  cut(path: string, sizeBytes: number): void {
    const n = this.#get(path);
    n.length = Math.min(n.length, sizeBytes);
    n.durable = n.data.slice(0, n.length);
  }

  /** XORs `mask` into the byte at `position`, durably (bit rot). */
  corrupt(path: string, position: number, mask = 0xff): void {
    const n = this.#get(path);
    if (position >= n.length) throw new RangeError(`${path}: ${position} beyond ${n.length}`);
    n.data[position]! ^= mask;
    n.durable = n.data.slice(0, n.length);
  }

  /** Current bytes of a file (a copy). */
  contents(path: string): Uint8Array {
    const n = this.#get(path);
    return n.data.slice(0, n.length);
  }

  #get(path: string): MemNode {
    const n = this.nodes.get(path);
    if (!n) throw new Error(`${path}: no such file`);
    return n;
  }
}
