/**
 * The Kafka TCP server: listener, framing, pipelining with in-order answers, bounds, graceful
 * shutdown. It knows nothing about APIs: each request frame goes to a {@link RequestHandler}.
 *
 * ```ts
 * const server = startKafkaServer({ hostname: "127.0.0.1", port: 9092, limits: config.server,
 *   handler, probe: metrics.server });
 * // …
 * await server.close(); // stop accepting, answer what was read, close
 * ```
 *
 * Framing: every request is an int32 big-endian size then that many bytes. A size above
 * `maxFrameBytes`, negative, or below 8 (api key, version, correlation id) closes the connection
 * with one log line, before anything is allocated; so does a stream ending inside a frame.
 *
 * Pipelining: the handler is called in request order as frames arrive, without waiting for earlier
 * responses; responses are written strictly in request order. `null` answers nothing (acks=0);
 * {@link CloseConnection} or a throw closes the connection.
 *
 * Bounds (all from `Config.server`): `maxConnections` (extra accepts are closed),
 * `maxInflightBytesPerConnection` and `maxInflightBytesTotal` (request bytes plus queued response
 * bytes; when a frame would exceed either, or `maxQueuedRequestsPerConnection` is reached, the
 * server stops reading that socket until enough is answered), `idleTimeoutMs` (nothing in flight and
 * no complete request for that long, or one response write stuck that long, closes the connection;
 * partial frames are not activity), `shutdownGraceMs`.
 *
 * @module
 */
export {
  type KafkaServer,
  type KafkaServerOptions,
  type KafkaServerStats,
  startKafkaServer,
} from "./server.ts";
export {
  CloseConnection,
  type HandlerResult,
  MIN_FRAME_BYTES,
  type RequestContext,
  type RequestHandler,
  type ServerLimits,
} from "./types.ts";
