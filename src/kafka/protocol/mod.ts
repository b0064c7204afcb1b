/**
 * The Kafka wire-protocol codec: primitives, our own spec table per API, one interpreter,
 * headers and the error-code table. It knows nothing of partitions or storage.
 *
 * ## Using it
 * - Server side: strip the 4-byte size prefix, then `decodeRequest(frame)` gives
 *   `{ kind: "ok", api, header, body }` or a typed refusal (`unknown_api_key`,
 *   `unsupported_version`, `malformed`). Answer with
 *   `encodeResponse(apiKey, version, correlationId, body)`, a complete frame with its prefix. An
 *   ApiVersions request at a version we lack is answered with `apiVersionsFallbackResponse(id)`
 *   (v0 body, UNSUPPORTED_VERSION, our ranges). ApiVersions responses always use header v0.
 * - Client side (tests, tools): `encodeRequest(header, body)`, `decodeResponse(frame, key, v)`.
 * - Bodies alone: `encodeMessage` / `decodeMessage` (no header, no prefix).
 *
 * ## Values
 * Plain objects whose property names are the spec's field names in lowerCamel (`topicData`,
 * `partitionIndex`). int64 is `bigint` (numbers are accepted on encode); uuid is Kafka's
 * 22-character base64url text (`uuid.ts`); `bytes` and `records` are `Uint8Array` views into the
 * frame (zero copy; records are not parsed here) or `null`. Decoding fills fields absent in the
 * version with their defaults; encoding writes a missing property as its default and ignores
 * fields the version lacks. Tagged fields are ordinary optional properties, written only when not
 * default; unknown tagged fields are dropped.
 *
 * ## Bounds and failures
 * `Reader` never reads past its frame and throws `ProtocolError` on truncation or garbage (array
 * counts are capped by `maxArrayLength` and by the bytes left). `Writer` grows up to `maxBytes`
 * and throws `WriterLimitError` beyond. A value of the wrong type is a caller bug: `TypeError`
 * naming the field.
 *
 * ## Tables
 * `spec_core.ts`, `spec_admin.ts`, `spec_groups.ts` and `spec_ops.ts` hold one {@link ApiSpec} per
 * API, written with the `f` / `arr` / `struct` DSL of `schema.ts`; `apis.ts` registers them;
 * `lint.ts` checks them; a plan per (api, version, direction) is compiled once (`messagePlan`). See
 * docs/protocol.md.
 *
 * @module
 */
export { ProtocolError, Reader, type ReaderOptions } from "./reader.ts";
export { utf8Length, uvarintSize, Writer, WriterLimitError, type WriterOptions } from "./writer.ts";
export {
  type ApiSpec,
  arr,
  type DefaultValue,
  f,
  type FieldDef,
  inRange,
  OPEN_VERSION,
  type Primitive,
  range,
  struct,
  type VersionRange,
} from "./schema.ts";
export {
  ApiKey,
  APIS,
  apiSpec,
  isFlexible,
  isSupported,
  requestHeaderVersion,
  responseHeaderVersion,
  supportedApiVersions,
} from "./apis.ts";
export {
  decodeMessage,
  defaultValue,
  type Direction,
  encodeMessage,
  isDefaultValue,
  type Message,
  type MessagePlan,
  messagePlan,
} from "./codec.ts";
export {
  apiVersionsFallbackResponse,
  type DecodedRequest,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  decodeResponseHeader,
  encodeRequest,
  encodeRequestHeader,
  encodeResponse,
  encodeResponseHeader,
  type FrameOptions,
  type RequestHeader,
  type ResponseHeader,
} from "./header.ts";
export { ErrorCode, type ErrorInfo, errorInfo, errorName, ERRORS, isRetriable } from "./errors.ts";
export { randomUuid, uuidFromBytes, uuidToBytes, ZERO_UUID } from "./uuid.ts";
export { base64Decode, base64Encode, type Json, messageFromJson, messageToJson } from "./json.ts";
export { lintApi, lintApis } from "./lint.ts";
