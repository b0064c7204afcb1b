/**
 * kafkajs consumer-group member for `tests/interop/groups`: one kafkajs consumer in a group,
 * committing after every batch, driven over stdin/stdout JSON lines (see `group_io.ts`). kafkajs
 * has no revocation hook and no static membership: every GROUP_JOIN is reported as an assignment.
 *
 * Usage: `deno run -A group_kafkajs.ts --bootstrap H:P --topic T --group G --session-timeout-ms MS`
 *
 * @module
 */

import { Kafka, logLevel } from "kafkajs";
import {
  closeRequested,
  type Consumed,
  emit,
  indexOfKey,
  parseMemberArgs,
  reportBatch,
} from "./group_io.ts";

const args = parseMemberArgs(Deno.args);
if (args.instanceId !== null) {
  emit({ event: "error", message: "kafkajs 2.2.4 has no static membership" });
  Deno.exit(2);
}
const kafka = new Kafka({
  clientId: `interop-kafkajs-${args.name}`,
  brokers: [args.bootstrap],
  logLevel: logLevel.ERROR,
});
const consumer = kafka.consumer({
  groupId: args.group,
  sessionTimeout: args.sessionTimeoutMs,
  heartbeatInterval: 1_000,
  maxWaitTimeInMs: 500,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const partitions = e.payload.memberAssignment[args.topic] ?? [];
  emit({
    event: "assignment",
    partitions: [...partitions].sort((a, b) => a - b),
    generation: null,
  });
});
const lifetime = setTimeout(() => {
  emit({ event: "error", message: "member lifetime (--timeout-ms) passed" });
  Deno.exit(1);
}, args.timeoutMs);

try {
  await consumer.connect();
  await consumer.subscribe({ topics: [args.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const seen: Consumed[] = batch.messages.map((m) => [
        batch.partition,
        Number(m.offset),
        indexOfKey(m.key?.toString()),
      ]);
      await reportBatch(seen, async (next) => {
        await consumer.commitOffsets(
          [...next].map(([partition, offset]) => ({
            topic: batch.topic,
            partition,
            offset: String(offset),
          })),
        );
      });
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
      await heartbeat();
    },
  });
  await closeRequested();
  await consumer.disconnect();
  clearTimeout(lifetime);
  emit({ event: "closed" });
  Deno.exit(0);
} catch (e) {
  emit({ event: "error", message: e instanceof Error ? e.message : String(e) });
  Deno.exit(1);
}
