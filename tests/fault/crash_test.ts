/**
 * Durability under SIGKILL: producers send acks=all batches while the broker is killed three
 * times and restarted on the same data. Afterwards every acknowledged record must be in the log
 * at the offset it was acknowledged at, offsets must run 0..HW-1 without gaps, and no record may
 * appear twice (producers never retry, so a duplicate could only come from the broker).
 *
 * SIGKILL leaves the OS page cache intact, so this test cannot catch a missing fdatasync; the
 * partition log's crash tests on `MemoryDisk` (which drops unsynced bytes) cover that, in
 * `tests/log/partition_log_test.ts`.
 */
import assert from "node:assert/strict";
import { startChronik } from "../_support/broker_process.ts";
import { freePort, TestClient } from "../_support/kafka_client.ts";

const ROUNDS = 3;
const PRODUCERS = 8;

Deno.test("acknowledged records survive SIGKILL three times", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "chronik-crash-" });
  const port = freePort();
  const acked = new Map<number, string>();
  let attempts = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const broker = await startChronik(port, dataDir);
      const clients = await Promise.all(
        Array.from({ length: PRODUCERS }, () => TestClient.connect(port)),
      );
      if (round === 0) assert.equal(await clients[0]!.createTopic("crash"), 0);
      let stop = false;
      const loops = clients.map(async (client, p) => {
        let n = 0;
        while (!stop) {
          const values = Array.from(
            { length: 1 + (n % 4) },
            (_, i) => `r${round}-p${p}-n${n}-${i}`,
          );
          n++;
          attempts++;
          try {
            const res = await client.produce("crash", 0, values);
            assert.equal(res.errorCode, 0, `produce failed with ${res.errorCode}`);
            values.forEach((v, i) => {
              const offset = res.baseOffset + i;
              assert.equal(acked.get(offset), undefined, `offset ${offset} acknowledged twice`);
              acked.set(offset, v);
            });
          } catch (e) {
            if (e instanceof assert.AssertionError) throw e;
            return; // connection died with the broker: this request was never acknowledged
          }
        }
      });
      await new Promise((r) => setTimeout(r, 400 + 300 * round));
      const killed = await broker.kill("SIGKILL");
      stop = true;
      assert.equal(killed.signal, "SIGKILL");
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.close()));
    }
    const broker = await startChronik(port, dataDir);
    const reader = await TestClient.connect(port);
    try {
      const { records, highWatermark } = await reader.fetchAll("crash", 0);
      assert.ok(acked.size > 0, "some records were acknowledged");
      assert.equal(records.length, highWatermark, "one record per offset below the HW");
      records.forEach((r, i) => assert.equal(r.offset, i, `gap or reorder at ${i}`));
      const seen = new Set<string>();
      for (const r of records) {
        assert.ok(!seen.has(r.value), `record ${r.value} stored twice`);
        seen.add(r.value);
      }
      for (const [offset, value] of acked) {
        assert.equal(
          records[offset]?.value,
          value,
          `acknowledged ${value} lost from offset ${offset}`,
        );
      }
      console.log(
        `crash test: ${attempts} produce requests, ${acked.size} records acknowledged, ` +
          `${records.length} in the log after ${ROUNDS} SIGKILLs`,
      );
    } finally {
      await reader.close();
      await broker.kill("SIGTERM");
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
