/**
 * Run with `--v8-flags=--expose-gc` (by `retention_test.ts`): answers requests one at a time on
 * one connection, each with a fresh response, then collects garbage with the connection still
 * open and prints as JSON how many of those responses are still reachable. A written response
 * must not be: a client keeps its connection for days.
 *
 * @module
 */
import { type RequestContext, startKafkaServer } from "../../../src/kafka/server/mod.ts";
import {
  correlationOf,
  delay,
  readResponse,
  requestFrame,
  TEST_LIMITS,
  writeAll,
} from "./_helpers.ts";

const REQUESTS = Number(Deno.args[0] ?? 500);
const RESPONSE_BYTES = 16 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const written: WeakRef<Uint8Array>[] = [];
const server = startKafkaServer({
  hostname: "127.0.0.1",
  port: 0,
  limits: TEST_LIMITS,
  handler: {
    handle(_frame: Uint8Array, context: RequestContext): Uint8Array {
      const response = new Uint8Array(RESPONSE_BYTES);
      new DataView(response.buffer).setInt32(0, context.correlationId);
      written.push(new WeakRef(response));
      return response;
    },
  },
});
const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
let answered = 0;
for (let i = 0; i < REQUESTS; i++) {
  await writeAll(conn, requestFrame(i));
  const response = await readResponse(conn);
  if (response === null || correlationOf(response) !== i) break;
  answered++;
}
// WeakRef targets stay alive until the job that made them ends: collect in later jobs.
for (let i = 0; i < 3; i++) {
  await delay(1);
  gc();
}
const reachable = written.filter((w) => w.deref() !== undefined).length;
conn.close();
await server.close();
console.log(JSON.stringify({ answered, reachable }));
