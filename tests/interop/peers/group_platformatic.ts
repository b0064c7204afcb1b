/**
 * `@platformatic/kafka` consumer-group member for `tests/interop/groups`: one `Consumer` in a
 * classic group (`consume` stream from the committed offset, earliest when none), committing what
 * arrived every 200 ms, driven over stdin/stdout JSON lines (see `group_io.ts`). Every
 * `consumer:group:join` is reported as an assignment with its generation.
 *
 * Usage: `deno run -A group_platformatic.ts --bootstrap H:P --topic T --group G
 * --session-timeout-ms MS [--instance-id ID]`
 *
 * @module
 */

import {
  Consumer,
  type GroupAssignment,
  type Message,
  stringDeserializers,
} from "@platformatic/kafka";
import {
  closeRequested,
  type Consumed,
  emit,
  indexOfKey,
  parseMemberArgs,
  reportBatch,
} from "./group_io.ts";

/** How often what arrived is reported and committed. */
const FLUSH_EVERY_MS = 200;
/** Bound on records held between flushes; beyond it the stream is paused. */
const MAX_BUFFERED_RECORDS = 5_000;
/** Retries of a failed operation, so a broker restart (Apache's takes 10+ s) is ridden out. */
const RETRIES = 60;
const RETRY_DELAY_MS = 500;

const args = parseMemberArgs(Deno.args);
const consumer = new Consumer({
  clientId: `interop-platformatic-${args.name}`,
  bootstrapBrokers: [args.bootstrap],
  retries: RETRIES,
  retryDelay: RETRY_DELAY_MS,
  groupId: args.group,
  sessionTimeout: args.sessionTimeoutMs,
  rebalanceTimeout: Math.max(args.sessionTimeoutMs, 15_000),
  heartbeatInterval: 1_000,
  deserializers: stringDeserializers,
  ...(args.instanceId === null ? {} : { groupInstanceId: args.instanceId }),
});
consumer.on(
  "consumer:group:join",
  (e: { generationId?: number; assignments?: GroupAssignment[] | null }) => {
    const mine = e.assignments?.find((a) => a.topic === args.topic)?.partitions ?? [];
    emit({
      event: "assignment",
      partitions: [...mine].sort((a, b) => a - b),
      generation: e.generationId ?? null,
    });
  },
);
const lifetime = setTimeout(() => {
  emit({ event: "error", message: "member lifetime (--timeout-ms) passed" });
  Deno.exit(1);
}, args.timeoutMs);

try {
  const stream = await consumer.consume({
    topics: [args.topic],
    mode: "committed",
    fallbackMode: "earliest",
    autocommit: false,
    maxWaitTime: 500,
    sessionTimeout: args.sessionTimeoutMs,
    rebalanceTimeout: Math.max(args.sessionTimeoutMs, 15_000),
    heartbeatInterval: 1_000,
  });
  stream.on("error", (e: unknown) => {
    emit({ event: "error", message: `stream: ${e instanceof Error ? e.message : String(e)}` });
    Deno.exit(1);
  });
  let buffered: Consumed[] = [];
  stream.on("data", (m: Message<string, string, string, string>) => {
    buffered.push([m.partition, Number(m.offset), indexOfKey(m.key)]);
    if (buffered.length >= MAX_BUFFERED_RECORDS) stream.pause();
  });
  let flushing = Promise.resolve();
  const flush = () => {
    const batch = buffered;
    buffered = [];
    flushing = flushing.then(() =>
      reportBatch(batch, async (next) => {
        await consumer.commit({
          offsets: [...next].map(([partition, offset]) => ({
            topic: args.topic,
            partition,
            offset: BigInt(offset),
            leaderEpoch: -1,
          })),
        });
      })
    ).then(() => {
      if (stream.isPaused()) stream.resume();
    });
  };
  const ticker = setInterval(flush, FLUSH_EVERY_MS);
  await closeRequested();
  clearInterval(ticker);
  flush();
  await flushing;
  await stream.close();
  await consumer.close();
  clearTimeout(lifetime);
  emit({ event: "closed" });
  Deno.exit(0);
} catch (e) {
  const inner = (e as { errors?: unknown[] })?.errors;
  const why = e instanceof Error ? e.message : String(e);
  emit({
    event: "error",
    message: Array.isArray(inner) ? `${why} [${inner.map(String).join("; ")}]` : why,
  });
  Deno.exit(1);
}
