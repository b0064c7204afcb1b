/**
 * Request and response headers, and whole-frame helpers.
 *
 * Request header v1: apiKey int16, apiVersion int16, correlationId int32, clientId nullable
 * string (never compact); v2 adds a tagged-field section. Response header v0: correlationId;
 * v1 adds a tagged-field section. Frames passed to `decode*` exclude the 4-byte size prefix (the
 * server's framing strips it); `encode*` return complete frames including it.
 */
import {
  ApiKey,
  apiSpec,
  isSupported,
  requestHeaderVersion,
  responseHeaderVersion,
  supportedApiVersions,
} from "./apis.ts";
import { type Message, messagePlan } from "./codec.ts";
import { ErrorCode } from "./errors.ts";
import { ProtocolError, Reader, type ReaderOptions } from "./reader.ts";
import type { ApiSpec } from "./schema.ts";
import { Writer, type WriterOptions } from "./writer.ts";

export interface RequestHeader {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface ResponseHeader {
  correlationId: number;
}

export function encodeRequestHeader(w: Writer, h: RequestHeader, headerVersion: 0 | 1 | 2): void {
  w.int16(h.requestApiKey);
  w.int16(h.requestApiVersion);
  w.int32(h.correlationId);
  if (headerVersion >= 1) w.nullableString(h.clientId);
  if (headerVersion >= 2) w.uvarint(0);
}

/** Reads a request header; unknown tagged fields in v2 are skipped. */
export function decodeRequestHeader(r: Reader, headerVersion: 0 | 1 | 2): RequestHeader {
  const requestApiKey = r.int16();
  const requestApiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = headerVersion >= 1 ? r.nullableString() : null;
  if (headerVersion >= 2) skipTaggedFields(r);
  return { requestApiKey, requestApiVersion, correlationId, clientId };
}

export function encodeResponseHeader(w: Writer, h: ResponseHeader, headerVersion: 0 | 1): void {
  w.int32(h.correlationId);
  if (headerVersion >= 1) w.uvarint(0);
}

export function decodeResponseHeader(r: Reader, headerVersion: 0 | 1): ResponseHeader {
  const correlationId = r.int32();
  if (headerVersion >= 1) skipTaggedFields(r);
  return { correlationId };
}

function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  if (n > r.remaining) {
    throw new ProtocolError(`${n} tagged fields cannot fit in ${r.remaining} bytes`);
  }
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

/** The outcome of {@link decodeRequest}: the request, or why it cannot be served. */
export type DecodedRequest =
  /**
   * `trailingBytes`: bytes after the body, which Kafka's request parser never reads (so neither
   * does this); 0 from every client seen.
   */
  | { kind: "ok"; api: ApiSpec; header: RequestHeader; body: Message; trailingBytes: number }
  /** The key is not one we speak; `header` holds what could be read (answer, then close). */
  | { kind: "unknown_api_key"; header: RequestHeader; message: string }
  /** Known API, version outside our range; ApiVersions gets the v0 fallback answer. */
  | { kind: "unsupported_version"; api: ApiSpec; header: RequestHeader; message: string }
  /** Garbage: `header` is null when not even the fixed part could be read. Close the connection. */
  | { kind: "malformed"; header: RequestHeader | null; message: string };

/** Decodes one request frame (without its size prefix). Never throws on bad input. */
export function decodeRequest(frame: Uint8Array, options: ReaderOptions = {}): DecodedRequest {
  if (frame.length < 8) {
    return { kind: "malformed", header: null, message: `frame of ${frame.length} bytes` };
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const requestApiKey = view.getInt16(0);
  const requestApiVersion = view.getInt16(2);
  const correlationId = view.getInt32(4);
  const api = apiSpec(requestApiKey);
  if (api === undefined || !isSupported(requestApiKey, requestApiVersion)) {
    // The fixed part is the same in every header version; the client id is best effort.
    let clientId: string | null = null;
    try {
      clientId = new Reader(frame, 8, frame.length).nullableString();
    } catch {
      clientId = null;
    }
    const header = { requestApiKey, requestApiVersion, correlationId, clientId };
    if (api === undefined) {
      return { kind: "unknown_api_key", header, message: `unknown api key ${requestApiKey}` };
    }
    return {
      kind: "unsupported_version",
      api,
      header,
      message: `${api.name} v${requestApiVersion} outside ${api.minVersion}-${api.maxVersion}`,
    };
  }
  const r = new Reader(frame, 0, frame.length, options);
  let header: RequestHeader | null = null;
  try {
    header = decodeRequestHeader(r, requestHeaderVersion(api, requestApiVersion));
    const body = messagePlan(requestApiKey, requestApiVersion, "request").decode(r);
    return { kind: "ok", api, header, body, trailingBytes: r.remaining };
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    header ??= { requestApiKey, requestApiVersion, correlationId, clientId: null };
    return { kind: "malformed", header, message: e.message };
  }
}

/**
 * One writer serves every frame: encoding is synchronous, so uses never overlap, and each frame
 * costs one exactly sized copy instead of a fresh growing buffer (allocations are a measurable
 * part of a small request's cost).
 */
const scratch = new Writer();

/**
 * The scratch writer keeps a buffer of up to this size between frames unless a frame says
 * otherwise ({@link FrameOptions.keepScratchBytes}). With Writer's default (64 KiB) every fetch
 * response of about 166 KB regrew it from 256 bytes: 1.5 GB of fresh arrays in 9 s for one
 * consumer tailing a 124 MB/s producer, and 4-13 full GCs instead of 1 (measured,
 * docs/benchmarks.md). 16 MiB is the largest frame the server's pools keep.
 */
export const SCRATCH_KEEP_BYTES = 16 * 1024 * 1024;

/** Encoding options of a whole frame. */
export interface FrameOptions extends WriterOptions {
  /**
   * Memory for the frame: called with its size, returns an array at least that long (a pooled
   * buffer, say); the frame is then a view of its start. Default: a new array of the exact size.
   */
  alloc?: (bytes: number) => Uint8Array;
  /** Largest buffer the scratch keeps after this frame; default {@link SCRATCH_KEEP_BYTES}. */
  keepScratchBytes?: number;
}

function sizePrefixed(options: FrameOptions, write: (w: Writer) => void): Uint8Array {
  const w = scratch;
  w.reset(options.maxBytes, options.keepScratchBytes ?? SCRATCH_KEEP_BYTES);
  w.int32(0);
  write(w);
  w.patchInt32(0, w.offset - 4);
  const frame = w.bytes();
  if (options.alloc === undefined) return frame.slice();
  const into = options.alloc(frame.length);
  if (into.length < frame.length) {
    throw new RangeError(`alloc gave ${into.length} bytes for a frame of ${frame.length}`);
  }
  into.set(frame);
  return into.subarray(0, frame.length);
}

/** A complete request frame (size prefix, header, body). */
export function encodeRequest(
  header: RequestHeader,
  body: Message,
  options: FrameOptions = {},
): Uint8Array {
  const api = apiSpec(header.requestApiKey);
  if (api === undefined) throw new RangeError(`unknown api key ${header.requestApiKey}`);
  const plan = messagePlan(header.requestApiKey, header.requestApiVersion, "request");
  return sizePrefixed(options, (w) => {
    encodeRequestHeader(w, header, requestHeaderVersion(api, header.requestApiVersion));
    plan.encode(w, body);
  });
}

/** A complete response frame (size prefix, header, body). */
export function encodeResponse(
  apiKey: number,
  version: number,
  correlationId: number,
  body: Message,
  options: FrameOptions = {},
): Uint8Array {
  const api = apiSpec(apiKey);
  if (api === undefined) throw new RangeError(`unknown api key ${apiKey}`);
  const plan = messagePlan(apiKey, version, "response");
  return sizePrefixed(options, (w) => {
    encodeResponseHeader(w, { correlationId }, responseHeaderVersion(api, version));
    plan.encode(w, body);
  });
}

/** Decodes a response frame (without size prefix) of a request sent at `version`. */
export function decodeResponse(
  frame: Uint8Array,
  apiKey: number,
  version: number,
  options: ReaderOptions = {},
): { header: ResponseHeader; body: Message } {
  const api = apiSpec(apiKey);
  if (api === undefined) throw new RangeError(`unknown api key ${apiKey}`);
  const r = new Reader(frame, 0, frame.length, options);
  const header = decodeResponseHeader(r, responseHeaderVersion(api, version));
  const body = messagePlan(apiKey, version, "response").decode(r);
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} trailing bytes after response`);
  return { header, body };
}

/**
 * The answer to an ApiVersions request at a version we do not support: a v0 response with
 * UNSUPPORTED_VERSION and our ranges, so the client can retry at a version we know (KIP-511).
 * `apiKeys` is what the node advertises (the broker passes the APIs it serves, as its ApiVersions
 * answer does); by default every API the codec speaks.
 */
export function apiVersionsFallbackResponse(
  correlationId: number,
  apiKeys: readonly { apiKey: number; minVersion: number; maxVersion: number }[] =
    supportedApiVersions(),
): Uint8Array {
  return encodeResponse(ApiKey.ApiVersions, 0, correlationId, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys,
  });
}
