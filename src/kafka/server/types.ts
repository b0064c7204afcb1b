/**
 * The seam between the TCP server and the broker: a {@link RequestHandler} gets one request frame
 * and returns the response frame, `null` (no response), or {@link CloseConnection}.
 */

/** What the server peeked from the request header (full decoding is the codec's job). */
export interface RequestContext {
  /** Server-unique id of the connection, stable for its life. */
  readonly connectionId: number;
  /** `host:port` of the client. */
  readonly remoteAddr: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** `performance.now()` when the whole frame had been read. */
  readonly receivedAtMs: number;
}

/** A handler's request to close the connection instead of answering (e.g. undecodable header). */
export class CloseConnection {
  constructor(readonly reason: string) {}
}

/**
 * What a handler returns: the response bytes (request header → response header and body,
 * *without* the 4-byte size prefix, which the server adds), `null` for no response (acks=0), or
 * a {@link CloseConnection}.
 */
export type HandlerResult = Uint8Array | null | CloseConnection;

/**
 * The broker side of the server. `handle` is called in request order per connection, possibly
 * while earlier requests of the same connection are still pending (pipelining); the server writes
 * the responses strictly in request order whatever order the promises settle in. A throw or
 * rejection closes the connection (logged), as the server cannot build an error response itself.
 * The frame excludes the size prefix and is owned by the handler from then on.
 */
export interface RequestHandler {
  handle(frame: Uint8Array, context: RequestContext): HandlerResult | Promise<HandlerResult>;
  /**
   * True when nothing keeps a reference into a request frame of this API once `handle`'s result
   * has settled, so the server may read the next request into the same memory. Default false.
   */
  releasesFrame?(apiKey: number): boolean;
  /**
   * Called with a response `handle` returned once the server no longer needs its bytes (written
   * to the socket), so pooled memory can be reused. Not called for a response dropped on close.
   */
  releaseResponse?(response: Uint8Array): void;
  /** Called once per connection after it closed, for per-connection state. */
  connectionClosed?(connectionId: number): void;
}

/** Bounds of the server; `Config["server"]` satisfies it. */
export interface ServerLimits {
  readonly maxFrameBytes: number;
  readonly maxConnections: number;
  readonly maxInflightBytesPerConnection: number;
  readonly maxInflightBytesTotal: number;
  readonly maxQueuedRequestsPerConnection: number;
  readonly idleTimeoutMs: number;
  readonly shutdownGraceMs: number;
}

/** Smallest frame with a request header prefix: api key, api version, correlation id. */
export const MIN_FRAME_BYTES = 8;
