/**
 * The body every `<client>_test.ts` shares: start one broker (target from
 * `CHRONIK_INTEROP_TARGET`), then one step per codec the client supports, each producing
 * `CHRONIK_INTEROP_RECORDS` (default 10,000) records with idempotence on where the client has it
 * and requiring an exact read-back. A client that is not installed is skipped with a reason, except
 * under `CI=true`, where it fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import { interopTarget, type RunningBroker, startBroker } from "./_broker.ts";
import { type ClientName, PEERS, runPeer } from "./_peer.ts";
import type { Codec } from "./peers/mod.ts";
import { TestClient } from "../_support/kafka_client.ts";

const DEFAULT_RECORDS = 10_000;
/** Bound on one peer run (create, produce, read back). */
const PEER_TIMEOUT_MS = 180_000;

function recordCount(): number {
  const raw = Deno.env.get("CHRONIK_INTEROP_RECORDS");
  const n = raw === undefined ? DEFAULT_RECORDS : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new Error(`CHRONIK_INTEROP_RECORDS must be an integer in [1, 1000000], got ${raw}`);
  }
  return n;
}

/** Registers the interop test for one client. Call once from `tests/interop/<client>_test.ts`. */
export async function interopSuite(name: ClientName): Promise<void> {
  const spec = PEERS[name];
  const target = interopTarget();
  const ci = Deno.env.get("CI") === "true";
  const missing = await spec.missing();
  if (missing !== null && !ci) console.warn(`interop: skipping ${name}: ${missing}`);
  const count = recordCount();
  Deno.test({
    name: `interop ${name} against ${target}: ${count} records per codec, read back exactly`,
    ignore: missing !== null && !ci,
    fn: async (t) => {
      assert.equal(missing, null, `${name} is not installed (CI=true never skips): ${missing}`);
      const broker: RunningBroker = await startBroker();
      try {
        for (const codec of spec.codecs) {
          await t.step(`${codec}, idempotent=${spec.idempotence}`, async () => {
            const run = await runPeer(spec, broker, {
              codec,
              idempotent: spec.idempotence,
              count,
              timeoutMs: PEER_TIMEOUT_MS,
            });
            const hint = broker.target === "chronik"
              ? "\n(against Chronik: expected to fail until the broker serves this client; " +
                `broker output tail:\n${broker.outputTail().slice(-3_000)})`
              : "";
            assert.ok(run.verdict, run.describe + hint);
            assert.equal(run.verdict.ok, true, run.describe + hint);
            assert.equal(run.verdict.produced, count, run.describe);
            assert.equal(run.verdict.consumed, count, run.describe);
            assert.equal(run.verdict.firstOffset, 0, run.describe);
            assert.equal(run.verdict.lastOffset, count - 1, run.describe);
            await assertStoredWith(broker, run.topic, codec, run.describe);
          });
        }
      } finally {
        await broker.stop();
      }
    },
  });
}

/**
 * The peer's batches reached the log compressed with the codec it was asked for: a client that
 * finds the broker lacking a codec may send uncompressed batches without an error (librdkafka does,
 * KAFKA-18659), and reading them back would not show it. A client may still send a batch
 * uncompressed when compressing it would not make it smaller, so uncompressed batches are allowed
 * beside compressed ones; a batch with any other codec is not.
 */
async function assertStoredWith(
  broker: RunningBroker,
  topic: string,
  codec: Codec,
  describe: string,
): Promise<void> {
  const client = await TestClient.connect(broker.port);
  try {
    const counts = await client.batchCodecs(topic, 0);
    const seen = [...counts].map(([c, n]) => `${c}: ${n}`).join(", ");
    const others = [...counts.keys()].filter((c) => c !== codec && c !== "none");
    assert.deepEqual(others, [], `batches with other codecs (${seen}): ${describe}`);
    assert.ok((counts.get(codec) ?? 0) > 0, `no ${codec} batch stored (${seen}): ${describe}`);
  } finally {
    await client.close();
  }
}
