/** Small conversions shared by the handlers. */
import type { BrokerContext, Handler, HandlerOutcome, HandlerRequest } from "./context.ts";

/** int64 from the codec (bigint) to a log offset or timestamp (number). */
export function num(value: bigint | number): number {
  return typeof value === "bigint" ? Number(value) : value;
}

/** A log offset or timestamp (number) to the codec's int64 (bigint). */
export function big(value: number): bigint {
  return BigInt(value);
}

/** Orders strings by UTF-16 code units, as Java's `String.compareTo` does. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Registers a handler typed by its request body; the dispatcher calls it untyped. */
export function defineHandler<T>(
  fn: (
    broker: BrokerContext,
    request: HandlerRequest<T>,
  ) => Promise<HandlerOutcome> | HandlerOutcome,
): Handler {
  return fn as unknown as Handler;
}

/**
 * Kafka's authorized-operations bit set when every operation is allowed (no authorizer): the bits
 * of the operations meaningful for the resource. -2^31 means "not requested".
 */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
const op = (n: number) => 1 << n;
// READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
export const TOPIC_OPERATIONS_ALL = op(3) | op(4) | op(5) | op(6) | op(7) | op(8) | op(10) |
  op(11);
// CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
// IDEMPOTENT_WRITE 12
export const CLUSTER_OPERATIONS_ALL = op(5) | op(7) | op(8) | op(9) | op(10) | op(11) | op(12);
