/**
 * Fetch answers that depend on the request version or session fields, checked against Kafka:
 * KIP-227 session epochs (a broker that keeps no sessions) and the storage error that Fetch v5 and
 * older clients are told as NOT_LEADER_OR_FOLLOWER.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { buildBatch } from "../../../src/kafka/records/mod.ts";
import { fetchRequestBody } from "../../_support/kafka_client.ts";
import { type Any, createdTopic, type Harness, withBroker } from "./_harness.ts";

const enc = new TextEncoder();

/** Creates topic `t` (one partition) holding one record. */
async function topicWithOneRecord(h: Harness): Promise<void> {
  await createdTopic(h, "t");
  const records = buildBatch([{ key: null, value: enc.encode("v"), timestampMs: 1000 }], {
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
  });
  const produced: Any = await h.call(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
  });
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
}

async function fetchWithSession(h: Harness, sessionId: number, sessionEpoch: number) {
  const body = { ...fetchRequestBody("t", 0, 0), sessionId, sessionEpoch };
  return await h.call(ApiKey.Fetch, 12, body) as Any;
}

Deno.test("a full fetch (session epoch 0 or -1) is answered whatever session it names", async () => {
  // KIP-227: epoch 0 opens a new session and -1 uses none; Kafka closes the session named in
  // either and answers the data. Session id 0 in the answer means "no session created".
  await withBroker(async (h) => {
    await topicWithOneRecord(h);
    for (const [sessionId, sessionEpoch] of [[0, 0], [0, -1], [123, 0], [123, -1]] as const) {
      const res = await fetchWithSession(h, sessionId, sessionEpoch);
      const label = `session ${sessionId} epoch ${sessionEpoch}`;
      assert.equal(res.errorCode, ErrorCode.NONE, label);
      assert.equal(res.sessionId, 0, label);
      const partition = res.responses[0].partitions[0];
      assert.equal(partition.errorCode, ErrorCode.NONE, label);
      assert.ok(partition.records.length > 0, label);
    }
  });
});

Deno.test("an incremental fetch names a session this node never created", async () => {
  // Kafka looks up any other epoch's session; a broker that created none finds nothing, session
  // id 0 included (never handed out), and answers no partitions.
  await withBroker(async (h) => {
    await topicWithOneRecord(h);
    for (const [sessionId, sessionEpoch] of [[123, 1], [0, 1], [123, -2]] as const) {
      const res = await fetchWithSession(h, sessionId, sessionEpoch);
      const label = `session ${sessionId} epoch ${sessionEpoch}`;
      assert.equal(res.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND, label);
      assert.equal(res.sessionId, 0, label);
      assert.deepEqual(res.responses, [], label);
    }
  });
});

/** The partition's segment files, found under the data directory. */
async function segmentFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await segmentFiles(path));
    else if (entry.name.endsWith(".log") && dir.endsWith("t-0")) out.push(path);
  }
  return out;
}

/** Flips the last byte of the record on disk: its batch now fails the CRC check on read. */
async function corruptTheRecord(h: Harness): Promise<void> {
  const segments = await segmentFiles(h.dir);
  assert.equal(segments.length, 1, `one segment for t-0: ${segments}`);
  const bytes = await Deno.readFile(segments[0]!);
  bytes[bytes.length - 1]! ^= 0xff;
  await Deno.writeFile(segments[0]!, bytes);
}

Deno.test("Fetch v5 and older get a storage error as NOT_LEADER_OR_FOLLOWER", async () => {
  // Kafka rewrites KAFKA_STORAGE_ERROR for Fetch v5 and older: such clients may not know the code
  // and would fail, where NOT_LEADER_OR_FOLLOWER makes them refresh metadata and retry.
  await withBroker(async (h) => {
    await topicWithOneRecord(h);
    await corruptTheRecord(h);
    for (const version of [4, 5, 6, 12]) {
      const res: Any = await h.call(ApiKey.Fetch, version, fetchRequestBody("t", 0, 0));
      const partition = res.responses[0].partitions[0];
      const expected = version <= 5
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : ErrorCode.KAFKA_STORAGE_ERROR;
      assert.equal(partition.errorCode, expected, `Fetch v${version}`);
      assert.equal(partition.records.length, 0, `Fetch v${version}`);
    }
  });
});
