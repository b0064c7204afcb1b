/**
 * Walking produced batches without holding the event loop. Produce walks every record of a batch
 * before storing it ({@link walkRecords}), decompressing it first. Measured here, a 303 KiB gzip
 * batch that decompresses to 60 MB took 75 ms and a 136 KiB zstd one 40 ms: that long, no other
 * request, heartbeat or timer of the node runs. So a batch whose records are larger than a budget
 * (stored or decompressed) is walked by a worker thread instead; smaller ones, the usual case, are
 * still walked inline, where a round trip to a worker would cost more than the walk.
 *
 * ```ts
 * const pool = new RecordWalkPool({ threads: 1, inlineMaxBytes: 1 << 20, maxQueuedBytes: 64 << 20 });
 * const maxTs = await pool.walk(view, { timestamps }); // a number, or a promise of one
 * await pool.close();
 * ```
 *
 * Workers start on first use. Where the worker module cannot load (a bundle without its worker
 * file), the pool says so once and walks every batch inline: correct, only slower to others.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { BatchView } from "./batch.ts";
import {
  RecordBatchError,
  type RecordError,
  type RecordErrorKind,
  RecordTimestampError,
} from "./errors.ts";
import { type RecordWalkOptions, walkRecords, walkRecordsWithin } from "./records.ts";

const log = getLogger(["chronik", "records"]);

/** Walks a produced batch: returns its records' max timestamp or throws as {@link walkRecords}. */
export interface RecordWalker {
  walk(view: BatchView, options?: RecordWalkOptions): number | Promise<number>;
}

/** Walks every batch on the calling thread (tests, tools). */
export const inlineWalker: RecordWalker = {
  walk: (view, options) => walkRecords(view, options),
};

/** A batch handed to a worker: a copy of its bytes, transferred. */
export interface WalkRequest {
  readonly id: number;
  readonly batch: Uint8Array;
  readonly options: RecordWalkOptions;
}

/** A worker's answer: ready once loaded, then one per request. */
export type WalkReply =
  | { readonly ready: true }
  | { readonly id: number; readonly maxTimestamp: number }
  | { readonly id: number; readonly batchError: { kind: RecordErrorKind; message: string } }
  | { readonly id: number; readonly timestampErrors: readonly RecordError[] }
  | { readonly id: number; readonly failure: string };

/** More batch bytes are waiting for the workers than `maxQueuedBytes` allows. */
export class WalkQueueFullError extends Error {
  override readonly name = "WalkQueueFullError";
}

export interface RecordWalkPoolOptions {
  /** Worker threads at most (`produce.validation.threads`); 0 walks every batch inline. */
  readonly threads: number;
  /** Largest records, stored or decompressed, walked on the main thread. */
  readonly inlineMaxBytes: number;
  /**
   * Most records walked on the main thread (default: no bound). A walk costs per record: 1 MiB
   * of records with no key or value (about 110,000) took 2.6 ms uncompressed and 3.5-4.4 ms
   * compressed (median of 31), where 1,000 compressed records of 1,000 B took 0.2-0.7 ms.
   */
  readonly inlineMaxRecords?: number;
  /** Bound on the bytes of batches handed to workers and not yet answered. */
  readonly maxQueuedBytes: number;
  /** The worker module; by default the one beside this module (see {@link defaultWorkerUrl}). */
  readonly workerUrl?: URL;
  /** Called for each batch handed to a worker (a metric). */
  readonly onOffload?: () => void;
}

interface Job {
  readonly view: BatchView;
  readonly options: RecordWalkOptions;
  readonly bytes: number;
  resolve(maxTimestamp: number): void;
  reject(e: unknown): void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  readonly jobs: Map<number, Job>;
  queuedBytes: number;
}

/**
 * The worker module: `walk_worker.ts` next to this module when run from source (or a compiled
 * binary that includes it), `chronik-walker.js` next to the bundle when bundled
 * (`deno task bundle` writes both).
 */
export function defaultWorkerUrl(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL("./walk_worker.ts", import.meta.url)
    : new URL("./chronik-walker.js", import.meta.url);
}

export class RecordWalkPool implements RecordWalker {
  readonly #o: RecordWalkPoolOptions;
  readonly #threads: Thread[] = [];
  #nextId = 0;
  #queuedBytes = 0;
  /** Why batches are walked inline for good (the worker module did not load), if so. */
  #broken: string | undefined;
  #closed = false;

  constructor(options: RecordWalkPoolOptions) {
    this.#o = options;
  }

  walk(view: BatchView, options: RecordWalkOptions = {}): number | Promise<number> {
    if (this.#o.threads === 0 || this.#broken !== undefined || this.#closed) {
      return walkRecords(view, options);
    }
    if (view.recordCount <= (this.#o.inlineMaxRecords ?? Infinity)) {
      const inline = walkRecordsWithin(view, this.#o.inlineMaxBytes, options);
      if (inline !== undefined) return inline;
    }
    return this.#offload(view, options);
  }

  /** Stops the workers; batches still with them are walked inline. */
  close(): Promise<void> {
    this.#closed = true;
    for (const thread of this.#threads.splice(0)) {
      thread.worker.terminate();
      this.#walkInline(thread);
    }
    return Promise.resolve();
  }

  #offload(view: BatchView, options: RecordWalkOptions): Promise<number> {
    const bytes = view.sizeBytes;
    if (this.#queuedBytes + bytes > this.#o.maxQueuedBytes) {
      throw new WalkQueueFullError(
        `${this.#queuedBytes} bytes of batches wait for a walk, bound ${this.#o.maxQueuedBytes}`,
      );
    }
    const thread = this.#pick();
    const id = ++this.#nextId;
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    thread.jobs.set(id, { view, options, bytes, resolve, reject });
    thread.queuedBytes += bytes;
    this.#queuedBytes += bytes;
    this.#o.onOffload?.();
    const batch = view.bytes.slice();
    const request: WalkRequest = { id, batch, options };
    thread.worker.postMessage(request, [batch.buffer]);
    return promise;
  }

  /** An idle thread, else a new one while under the bound, else the least loaded. */
  #pick(): Thread {
    const idle = this.#threads.find((t) => t.jobs.size === 0);
    if (idle !== undefined) return idle;
    if (this.#threads.length < this.#o.threads) return this.#spawn();
    return this.#threads.reduce((a, b) => (b.queuedBytes < a.queuedBytes ? b : a));
  }

  #spawn(): Thread {
    const url = this.#o.workerUrl ?? defaultWorkerUrl();
    const worker = new Worker(url, { type: "module", name: "chronik-record-walker" });
    const thread: Thread = { worker, ready: false, jobs: new Map(), queuedBytes: 0 };
    worker.onmessage = (e: MessageEvent<WalkReply>) => this.#answer(thread, e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#lose(thread, e.message);
    };
    worker.onmessageerror = () => this.#lose(thread, "a reply could not be read");
    this.#threads.push(thread);
    return thread;
  }

  #answer(thread: Thread, reply: WalkReply): void {
    if ("ready" in reply) {
      thread.ready = true;
      return;
    }
    const job = thread.jobs.get(reply.id);
    if (job === undefined) return;
    this.#settle(thread, reply.id, job);
    if ("maxTimestamp" in reply) job.resolve(reply.maxTimestamp);
    else if ("batchError" in reply) {
      job.reject(new RecordBatchError(reply.batchError.kind, reply.batchError.message));
    } else if ("timestampErrors" in reply) {
      job.reject(new RecordTimestampError(reply.timestampErrors));
    } else job.reject(new Error(`record walk failed in its worker: ${reply.failure}`));
  }

  #settle(thread: Thread, id: number, job: Job): void {
    thread.jobs.delete(id);
    thread.queuedBytes -= job.bytes;
    this.#queuedBytes -= job.bytes;
  }

  /**
   * A worker that failed: one that never loaded breaks the pool for good (every later batch is
   * walked inline); one that failed later is replaced on next use. Its batches are walked inline.
   */
  #lose(thread: Thread, why: string): void {
    const at = this.#threads.indexOf(thread);
    if (at === -1) return;
    this.#threads.splice(at, 1);
    thread.worker.terminate();
    if (!thread.ready && this.#broken === undefined) {
      this.#broken = why;
      log.warn("record walks run on the main thread: the walk worker did not start: {why}", {
        why,
      });
    } else if (thread.ready) {
      log.error("a record walk worker failed, replacing it: {why}", { why });
    }
    this.#walkInline(thread);
  }

  #walkInline(thread: Thread): void {
    for (const [id, job] of [...thread.jobs]) {
      this.#settle(thread, id, job);
      try {
        job.resolve(walkRecords(job.view, job.options));
      } catch (e) {
        job.reject(e);
      }
    }
  }
}
