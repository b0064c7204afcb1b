/**
 * One client connection: a read loop that frames requests and hands them to the handler
 * (pipelined), and a write loop that answers them strictly in request order.
 */
import type { Logger } from "@logtape/logtape";
import { type BufferPool, MIN_POOLED_FRAME_BYTES } from "../../buffer_pool.ts";
import type { CloseReason, ServerProbe } from "../../observability/metrics.ts";
import type { ByteBudget } from "./_budget.ts";
import { FrameReader, type ReadableSocket, TruncatedError } from "./_reader.ts";
import {
  CloseConnection,
  type HandlerResult,
  MIN_FRAME_BYTES,
  type RequestContext,
  type RequestHandler,
  type ServerLimits,
} from "./types.ts";

/** The socket surface a connection uses (a `Deno.Conn` fits). */
export interface ClientSocket extends ReadableSocket {
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** Shared by every connection of one server. */
export interface ConnectionEnv {
  readonly limits: ServerLimits;
  readonly handler: RequestHandler;
  readonly probe: ServerProbe;
  readonly budget: ByteBudget;
  readonly log: Logger;
  readonly readBufferBytes: number;
  /** Buffers for frames the handler releases when it settles; absent: a fresh array per frame. */
  readonly framePool?: BufferPool;
}

type Outcome =
  | { readonly kind: "answer"; readonly bytes: Uint8Array }
  | { readonly kind: "none" }
  | { readonly kind: "close"; readonly reason: string }
  | { readonly kind: "failed"; readonly error: unknown };

/** One pipelined request, from frame read to response written. */
interface Slot {
  readonly context: RequestContext;
  /** Bytes this slot holds against both budgets: the request, then also the response. */
  heldBytes: number;
  readonly outcome: Promise<Outcome>;
  /** The outcome once settled: responses already ready behind the head go out in one write. */
  settled?: Outcome;
  /** The pooled buffer holding the request frame; back to the pool once the slot is released. */
  buffer?: Uint8Array | undefined;
}

/**
 * Responses up to this size are written with their size prefix in one write, and ready responses
 * of one connection are written together up to this many bytes.
 */
const COALESCE_MAX_BYTES = 64 * 1024;

export class Connection {
  readonly id: number;
  readonly remoteAddr: string;
  /** `performance.now()` of the last complete request or response; partial frames don't count. */
  lastActivityMs = performance.now();

  readonly #socket: ClientSocket;
  readonly #env: ConnectionEnv;
  readonly #reader: FrameReader;
  /** Unanswered requests in request order; the head is the next response to write. */
  readonly #slots: Slot[] = [];
  /** Sum of `heldBytes` of this connection's slots, answered or not. */
  #heldBytes = 0;
  #closeReason: CloseReason | undefined;
  #draining = false;
  #readerDone = false;
  #wake: () => void = () => {};
  #changed: Promise<void>;
  /** What close() ends: the waits of {@link Connection.#unlessClosed} in progress. */
  readonly #closeWaiters = new Set<() => void>();
  /** `performance.now()` when the current response write began; undefined when not writing. */
  #writeStartedMs: number | undefined;
  #waitingForRoom = false;

  constructor(id: number, socket: ClientSocket, remoteAddr: string, env: ConnectionEnv) {
    this.id = id;
    this.remoteAddr = remoteAddr;
    this.#socket = socket;
    this.#env = env;
    this.#reader = new FrameReader(socket, env.readBufferBytes);
    this.#changed = this.#newChanged();
  }

  /**
   * Whether the idle timeout applies: nothing in flight and no complete request or response for
   * `idleTimeoutMs`, or one response write stuck (peer not reading) for that long.
   */
  isIdle(nowMs: number, idleTimeoutMs: number): boolean {
    // Held back by our own backpressure: not the client's idleness.
    if (this.#waitingForRoom) return false;
    if (this.#writeStartedMs !== undefined) return nowMs - this.#writeStartedMs > idleTimeoutMs;
    return this.#slots.length === 0 && nowMs - this.lastActivityMs > idleTimeoutMs;
  }

  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Requests read but not yet answered. */
  get pendingRequests(): number {
    return this.#slots.length;
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Runs both loops; settles once the socket is closed and both loops have ended. */
  async run(): Promise<void> {
    await Promise.all([this.#readLoop(), this.#writeLoop()]);
    this.close("client");
  }

  /** Stop reading new requests; close once every read request has been answered. */
  drain(): void {
    this.#draining = true;
    if (this.#slots.length === 0) this.close("shutdown");
    this.#notify();
  }

  /** Closes the socket now; requests still in the handler release their bytes when they settle. */
  close(reason: CloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    try {
      this.#socket.close();
    } catch {
      // Already closed by the peer or the runtime.
    }
    for (const slot of this.#slots.splice(0)) {
      void slot.outcome.then(() => this.#release(slot));
    }
    this.#env.probe.connectionClosed(reason);
    for (const wake of this.#closeWaiters) wake();
    this.#closeWaiters.clear();
    this.#notify();
  }

  /**
   * `p`'s value, or undefined if the connection closes first, so no loop waits on a handler past
   * close. Not `Promise.race` with one promise that settles at close: every race leaves a reaction
   * on that promise, and each held its race's result, so a connection kept every response it had
   * written until it closed (measured: about 13 MB of heap a second at 60,000 msg/s).
   */
  #unlessClosed<T>(p: Promise<T>): Promise<T | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const wake = () => resolve(undefined);
      this.#closeWaiters.add(wake);
      p.then(resolve, reject).finally(() => this.#closeWaiters.delete(wake));
    });
  }

  async #readLoop(): Promise<void> {
    try {
      while (!this.closed && !this.#draining) {
        const size = await this.#reader.readInt32OrEnd();
        if (size === null || this.closed || this.#draining) break;
        if (!this.#frameSizeOk(size)) return;
        if (!(await this.#waitForRoom(size))) break;
        let frame: Uint8Array;
        let buffer: Uint8Array | undefined;
        try {
          buffer = await this.#pooledBuffer(size);
          frame = await this.#reader.readExact(size, buffer?.subarray(0, size));
        } catch (error) {
          this.#env.budget.release(size);
          this.#heldBytes -= size;
          if (buffer !== undefined) this.#env.framePool?.give(buffer);
          throw error;
        }
        this.#env.probe.bytesIn(size + 4);
        if (this.closed || this.#draining) {
          this.#env.budget.release(size);
          this.#heldBytes -= size;
          if (buffer !== undefined) this.#env.framePool?.give(buffer);
          break;
        }
        this.#dispatch(frame, buffer);
      }
    } catch (error) {
      this.#onReadError(error);
    } finally {
      this.#readerDone = true;
      this.#notify();
    }
  }

  /**
   * A pooled buffer for a frame of `size` whose API the handler releases on settling (it reads
   * the API key ahead), or undefined for a fresh array.
   */
  async #pooledBuffer(size: number): Promise<Uint8Array | undefined> {
    const pool = this.#env.framePool;
    const releases = this.#env.handler.releasesFrame;
    if (pool === undefined || releases === undefined) return undefined;
    // Frames of half the smallest size class or more: a buffer holds at most 4 times its frame.
    if (size < MIN_POOLED_FRAME_BYTES / 2 || size > pool.maxBufferBytes) return undefined;
    const apiKey = await this.#reader.peekInt16();
    return releases.call(this.#env.handler, apiKey) ? pool.take(size) : undefined;
  }

  #frameSizeOk(size: number): boolean {
    const max = this.#env.limits.maxFrameBytes;
    if (size > max || size < 0) {
      this.#env.log.warn("closing {remote}: frame size {size} outside [0, {max}]", {
        remote: this.remoteAddr,
        size,
        max,
      });
      this.close("frame_too_large");
      return false;
    }
    if (size < MIN_FRAME_BYTES) {
      this.#env.log.warn("closing {remote}: frame of {size} bytes is shorter than a header", {
        remote: this.remoteAddr,
        size,
      });
      this.close("frame_too_small");
      return false;
    }
    return true;
  }

  /** Backpressure: waits until both budgets and the queue bound admit a frame of `size`. */
  async #waitForRoom(size: number): Promise<boolean> {
    const limits = this.#env.limits;
    this.#waitingForRoom = true;
    try {
      while (!this.closed && !this.#draining) {
        const roomHere = this.#heldBytes + size <= limits.maxInflightBytesPerConnection &&
          this.#slots.length < limits.maxQueuedRequestsPerConnection;
        if (roomHere && this.#env.budget.tryAcquire(size)) {
          this.#heldBytes += size;
          return true;
        }
        await Promise.race([this.#changed, this.#env.budget.released()]);
      }
      return false;
    } finally {
      this.#waitingForRoom = false;
      // The frame body may follow at once; give it a full idle period from here.
      this.lastActivityMs = performance.now();
    }
  }

  #dispatch(frame: Uint8Array, buffer: Uint8Array | undefined): void {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const context: RequestContext = {
      connectionId: this.id,
      remoteAddr: this.remoteAddr,
      apiKey: view.getInt16(0),
      apiVersion: view.getInt16(2),
      correlationId: view.getInt32(4),
      receivedAtMs: performance.now(),
    };
    this.lastActivityMs = context.receivedAtMs;
    this.#env.probe.requestStarted(context.apiKey);
    let result: Promise<HandlerResult>;
    try {
      result = Promise.resolve(this.#env.handler.handle(frame, context));
    } catch (error) {
      result = Promise.reject(error);
    }
    const slot: Slot = {
      context,
      heldBytes: frame.byteLength,
      buffer,
      outcome: result.then(
        (value) => slot.settled = this.#settle(slot, value),
        (error: unknown): Outcome => {
          this.#finish(context, true);
          return slot.settled = { kind: "failed", error };
        },
      ),
    };
    this.#slots.push(slot);
    this.#notify();
  }

  /** Records the handler's result; a response's bytes count against the budgets until written. */
  #settle(slot: Slot, value: HandlerResult): Outcome {
    if (value instanceof CloseConnection) {
      this.#finish(slot.context, false);
      return { kind: "close", reason: value.reason };
    }
    if (value === null) {
      this.#finish(slot.context, false);
      return { kind: "none" };
    }
    if (!(value instanceof Uint8Array)) {
      this.#finish(slot.context, true);
      return { kind: "failed", error: new TypeError(`handler returned ${typeof value}`) };
    }
    this.#finish(slot.context, false);
    if (!this.closed) {
      slot.heldBytes += value.byteLength;
      this.#heldBytes += value.byteLength;
      this.#env.budget.forceAcquire(value.byteLength);
    }
    return { kind: "answer", bytes: value };
  }

  #finish(context: RequestContext, failed: boolean): void {
    const seconds = (performance.now() - context.receivedAtMs) / 1000;
    this.#env.probe.requestFinished(context.apiKey, seconds, failed);
  }

  async #writeLoop(): Promise<void> {
    while (!this.closed) {
      const slot = this.#slots[0];
      if (slot === undefined) {
        if (this.#readerDone || this.#draining) break;
        await this.#changed;
        continue;
      }
      const outcome = await this.#unlessClosed(slot.outcome);
      if (outcome === undefined || this.closed) return;
      let answered = 1;
      if (outcome.kind === "answer" || outcome.kind === "none") {
        const ready = this.#readyResponses();
        answered = ready.slots;
        this.#writeStartedMs = performance.now();
        try {
          if (ready.frames.length > 0) await this.#writeFrames(ready.frames);
        } catch (error) {
          this.#onWriteError(error);
          return;
        } finally {
          this.#writeStartedMs = undefined;
        }
      } else if (outcome.kind === "close") {
        this.#env.log.info("closing {remote}: handler asked ({reason})", {
          remote: this.remoteAddr,
          reason: outcome.reason,
        });
        this.close("handler");
        return;
      } else if (outcome.kind === "failed") {
        this.#env.log.error(
          "closing {remote}: handler failed on api {apiKey} v{apiVersion} correlation {correlationId}: {error}",
          { remote: this.remoteAddr, ...slot.context, error: String(outcome.error) },
        );
        this.close("handler");
        return;
      }
      if (this.closed) return;
      for (const done of this.#slots.splice(0, answered)) {
        // Written: the handler may reuse the response's memory.
        if (done.settled?.kind === "answer") {
          this.#env.handler.releaseResponse?.(done.settled.bytes);
        }
        this.#release(done);
      }
      this.lastActivityMs = performance.now();
      if (this.#draining && this.#slots.length === 0) break;
    }
    if (this.#draining) this.close("shutdown");
  }

  /**
   * The run of settled slots at the head that need only writing (answers, or no answer), and their
   * response bodies, up to {@link COALESCE_MAX_BYTES} together; the head slot always counts.
   */
  #readyResponses(): { slots: number; frames: Uint8Array[] } {
    const frames: Uint8Array[] = [];
    let bytes = 0;
    let slots = 0;
    for (const slot of this.#slots) {
      const outcome = slot.settled;
      if (outcome === undefined || (outcome.kind !== "answer" && outcome.kind !== "none")) break;
      if (outcome.kind === "answer") {
        const size = outcome.bytes.byteLength + 4;
        if (slots > 0 && bytes + size > COALESCE_MAX_BYTES) break;
        bytes += size;
        frames.push(outcome.bytes);
      }
      slots++;
    }
    return { slots, frames };
  }

  /**
   * Responses, each with its size prefix, in one socket write. A single response whose prefix
   * is already in front of it goes as it is; a single one over {@link COALESCE_MAX_BYTES}
   * otherwise gets its prefix written first, so the body is not copied.
   */
  async #writeFrames(bodies: readonly Uint8Array[]): Promise<void> {
    const framed = bodies.length === 1 ? framedInPlace(bodies[0]!) : undefined;
    if (framed !== undefined) {
      await this.#writeAll(framed);
      this.#env.probe.bytesOut(framed.byteLength);
      return;
    }
    let total = 0;
    for (const body of bodies) total += body.byteLength + 4;
    const big = bodies.length === 1 && total > COALESCE_MAX_BYTES;
    const whole = new Uint8Array(big ? 4 : total);
    const view = new DataView(whole.buffer);
    let at = 0;
    for (const body of bodies) {
      view.setInt32(at, body.byteLength);
      if (!big) whole.set(body, at + 4);
      at += body.byteLength + 4;
    }
    await this.#writeAll(whole);
    if (big) await this.#writeAll(bodies[0]!);
    this.#env.probe.bytesOut(total);
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) {
      offset += await this.#socket.write(bytes.subarray(offset));
    }
  }

  /** Once the slot's outcome has settled: its bytes leave the budgets, its buffer the slot. */
  #release(slot: Slot): void {
    if (slot.buffer !== undefined) {
      this.#env.framePool?.give(slot.buffer);
      slot.buffer = undefined;
    }
    if (slot.heldBytes === 0) return;
    this.#heldBytes -= slot.heldBytes;
    this.#env.budget.release(slot.heldBytes);
    slot.heldBytes = 0;
    this.#notify();
  }

  #onReadError(error: unknown): void {
    if (this.closed) return;
    if (error instanceof TruncatedError) {
      this.#env.log.warn("closing {remote}: truncated frame ({detail})", {
        remote: this.remoteAddr,
        detail: error.message,
      });
      this.close("truncated");
    } else if (isDisconnect(error)) {
      this.#env.log.debug("connection {remote} reset while reading", { remote: this.remoteAddr });
      this.close("reset");
    } else {
      this.#env.log.error("closing {remote}: read failed: {error}", {
        remote: this.remoteAddr,
        error: String(error),
      });
      this.close("error");
    }
  }

  #onWriteError(error: unknown): void {
    if (this.closed) return;
    if (isDisconnect(error)) {
      this.#env.log.debug("connection {remote} reset while writing", { remote: this.remoteAddr });
      this.close("reset");
    } else {
      this.#env.log.error("closing {remote}: write failed: {error}", {
        remote: this.remoteAddr,
        error: String(error),
      });
      this.close("error");
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#changed = this.#newChanged();
    wake();
  }

  #newChanged(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}

/**
 * `body` together with the 4 bytes in front of it, when those hold its size, as they do for a
 * response cut from an encoded frame: one response is then written without a copy.
 */
function framedInPlace(body: Uint8Array): Uint8Array | undefined {
  if (body.byteOffset < 4) return undefined;
  const frame = new Uint8Array(body.buffer, body.byteOffset - 4, body.byteLength + 4);
  const size = (frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!;
  return size === body.byteLength ? frame : undefined;
}

function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.UnexpectedEof;
}
