/**
 * Fetch answers that depend on the request version or session fields, checked against Kafka:
 * KIP-227 session epochs (a broker that keeps no sessions), the storage error that Fetch v5 and
 * older clients are told as NOT_LEADER_OR_FOLLOWER, negative current leader epochs (KIP-320) and
 * the offsets a partition's error carries.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import { buildBatch } from "../../../src/kafka/records/mod.ts";
import { fetchRequestBody } from "../../_support/kafka_client.ts";
import { type Any, createdTopic, type Harness, producedBatch, withBroker } from "./_harness.ts";

const enc = new TextEncoder();

/** Creates topic `t` (one partition) holding one record. */
async function topicWithOneRecord(h: Harness): Promise<void> {
  await createdTopic(h, "t");
  const records = buildBatch([{ key: null, value: enc.encode("v"), timestampMs: 1000 }], {
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
  });
  await producedBatch(h, "t", records);
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

/** The answer for t-0 to a Fetch v12 from `offset` at this current leader epoch. */
async function fetchAt(h: Harness, offset: number, currentLeaderEpoch = -1) {
  const body: Any = fetchRequestBody("t", 0, offset);
  body.topics[0].partitions[0].currentLeaderEpoch = currentLeaderEpoch;
  const res: Any = await h.call(ApiKey.Fetch, 12, body);
  return res.responses[0].partitions[0];
}

Deno.test("Fetch takes any negative current leader epoch as none; the offset APIs fence it", async () => {
  // Kafka's FetchRequest reads a negative current epoch as absent (KIP-320: -1 is "unknown"), so
  // the fetch is served. ListOffsets and OffsetForLeaderEpoch compare it and fence it as older.
  await withBroker(async (h) => {
    await topicWithOneRecord(h);
    for (const epoch of [-1, -2, -2_147_483_648]) {
      const fetched = await fetchAt(h, 0, epoch);
      assert.equal(fetched.errorCode, ErrorCode.NONE, `Fetch at epoch ${epoch}`);
      assert.ok(fetched.records.length > 0, `Fetch at epoch ${epoch}`);
    }
    const listed: Any = await h.call(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{
        name: "t",
        partitions: [{ partitionIndex: 0, currentLeaderEpoch: -2, timestamp: -1n }],
      }],
    });
    assert.equal(listed.topics[0].partitions[0].errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    const epochs: Any = await h.call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{
        topic: "t",
        partitions: [{ partition: 0, currentLeaderEpoch: -2, leaderEpoch: 0 }],
      }],
    });
    assert.equal(epochs.topics[0].partitions[0].errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  });
});

Deno.test("a partition's fetch error carries no offsets (-1), as Kafka's", async () => {
  // ReplicaManager.readFromLog answers an error with unknown high watermark, last stable offset
  // and log start (createLogReadResult(e)); only data answers carry the log's.
  await withBroker(async (h) => {
    await topicWithOneRecord(h);
    const offsets = (
      p: Any,
    ) => [p.errorCode, p.highWatermark, p.lastStableOffset, p.logStartOffset];
    assert.deepEqual(offsets(await fetchAt(h, 0)), [ErrorCode.NONE, 1n, 1n, 0n]);
    assert.deepEqual(offsets(await fetchAt(h, 5)), [ErrorCode.OFFSET_OUT_OF_RANGE, -1n, -1n, -1n]);
    await corruptTheRecord(h);
    assert.deepEqual(offsets(await fetchAt(h, 0)), [ErrorCode.KAFKA_STORAGE_ERROR, -1n, -1n, -1n]);
  });
});

Deno.test("read_committed answers an empty aborted-transaction list; read_uncommitted none", async () => {
  // Kafka's LocalLog.read gives a read_committed fetch the aborted transactions its range spans
  // (a list, empty here: no transactions); read_uncommitted and errors carry null.
  await withBroker(async (h) => {
    await topicWithOneRecord(h);
    const aborted = async (isolationLevel: number, offset: number) => {
      const body: Any = { ...fetchRequestBody("t", 0, offset), isolationLevel };
      const res: Any = await h.call(ApiKey.Fetch, 12, body);
      return res.responses[0].partitions[0].abortedTransactions;
    };
    assert.deepEqual(await aborted(1, 0), []);
    assert.equal(await aborted(0, 0), null);
    assert.equal(await aborted(1, 5), null, "OFFSET_OUT_OF_RANGE");
  });
});
