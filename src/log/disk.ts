/**
 * The storage seam: the partition log reaches files only through {@link Disk}, so a simulator can
 * swap in a disk that loses unsynced bytes, tears writes or fails calls.
 *
 * @module
 */

/** One open file with positional I/O. */
export interface DiskFile {
  readonly path: string;
  /**
   * Reads up to `lengthBytes` at `position`; fewer only at end of file. With `into` (at least
   * `lengthBytes` long) the bytes land there and the result is a view of it; otherwise the result
   * is a new array.
   */
  read(position: number, lengthBytes: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * Writes all of `data` at `position` (extending the file as needed). The caller may reuse
   * `data` once the promise settles, so an implementation keeps no reference to it.
   */
  write(position: number, data: Uint8Array): Promise<void>;
  /** fdatasync: once resolved, every byte written before the call survives a crash. */
  sync(): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  size(): Promise<number>;
  /**
   * Keeps the file readable until {@link release}, even if its name is removed meanwhile (the
   * read descriptor stays open). Each resolved hold needs one release.
   */
  hold(): Promise<void>;
  release(): void;
  close(): void;
}

export interface Disk {
  /** Opens read-write; creates the file when `create` is set, else a missing file throws. */
  open(path: string, options?: { create?: boolean }): Promise<DiskFile>;
  /** Names (not paths) of the files in `dir`. */
  list(dir: string): Promise<string[]>;
  mkdirp(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Makes creations, renames and removals in `dir` durable. */
  syncDir(dir: string): Promise<void>;
}

/** A fault injected by a test or simulator disk. */
export class DiskFaultError extends Error {
  override readonly name = "DiskFaultError";
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
