import assert from "node:assert/strict";
import { Metrics } from "../../src/observability/mod.ts";

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("metrics probes", async (t) => {
  await t.step("server probe: requests, latency, bytes, connections", async () => {
    const m = new Metrics({ eventLoopLagIntervalMs: 0 });
    const p = m.server;
    p.connectionOpened();
    p.connectionOpened();
    p.connectionClosed("idle");
    p.connectionRefused();
    p.requestStarted(1);
    p.requestStarted(1);
    p.requestStarted(9999);
    p.requestFinished(1, 0.003, false);
    p.requestFinished(9999, 0.1, true);
    p.bytesIn(100);
    p.bytesOut(40);
    p.inflightBytes(77);
    const text = await m.text();
    assert.equal(sample(text, 'chronik_requests_total{api="fetch"}'), 2);
    assert.equal(sample(text, 'chronik_requests_total{api="unknown"}'), 1);
    assert.equal(sample(text, 'chronik_requests_failed_total{api="unknown"}'), 1);
    assert.equal(sample(text, 'chronik_request_latency_seconds_count{api="fetch"}'), 1);
    assert.equal(sample(text, 'chronik_request_latency_seconds_bucket{le="0.005",api="fetch"}'), 1);
    assert.equal(sample(text, "chronik_requests_in_flight"), 1);
    assert.equal(sample(text, "chronik_network_bytes_in_total"), 100);
    assert.equal(sample(text, "chronik_network_bytes_out_total"), 40);
    assert.equal(sample(text, "chronik_connections"), 1);
    assert.equal(sample(text, "chronik_connections_accepted_total"), 2);
    assert.equal(sample(text, "chronik_connections_refused_total"), 1);
    assert.equal(sample(text, 'chronik_connections_closed_total{reason="idle"}'), 1);
    assert.equal(sample(text, "chronik_inflight_bytes"), 77);
    assert.ok((sample(text, 'chronik_process_memory_bytes{kind="rss"}') ?? 0) > 0);
    m.close();
  });

  await t.step("log probe: partition bytes and fsync latency", async () => {
    const m = new Metrics({ eventLoopLagIntervalMs: 0 });
    m.log.partitionBytes("orders", 0, 1234);
    m.log.partitionBytes("orders", 1, 10);
    m.log.partitionRemoved("orders", 1);
    m.log.fsyncObserved(0.004);
    const text = await m.text();
    assert.equal(sample(text, 'chronik_log_partition_bytes{topic="orders",partition="0"}'), 1234);
    assert.equal(
      sample(text, 'chronik_log_partition_bytes{topic="orders",partition="1"}'),
      undefined,
    );
    assert.equal(sample(text, "chronik_log_fsync_latency_seconds_count"), 1);
    m.close();
  });

  await t.step("log probe: descriptors and the index cache", async () => {
    const m = new Metrics({ eventLoopLagIntervalMs: 0 });
    m.log.fileHandle("opened", 1);
    m.log.fileHandle("opened", 2);
    m.log.fileHandle("evicted", 1);
    m.log.indexCache(400, true);
    m.log.indexCache(600, false);
    m.log.indexCache(300, true);
    m.log.batchCheckedOffThread();
    const text = await m.text();
    assert.equal(sample(text, "chronik_produce_batches_checked_off_thread_total"), 1);
    assert.equal(sample(text, "chronik_log_open_files"), 1);
    assert.equal(sample(text, 'chronik_log_file_handles_total{event="opened"}'), 2);
    assert.equal(sample(text, 'chronik_log_file_handles_total{event="evicted"}'), 1);
    assert.equal(sample(text, "chronik_log_index_cache_bytes"), 300);
    assert.equal(sample(text, "chronik_log_index_loads_total"), 2);
    m.close();
  });

  await t.step("event-loop lag is measured when the loop is blocked", async () => {
    const m = new Metrics({ eventLoopLagIntervalMs: 10 });
    await new Promise((r) => setTimeout(r, 30));
    const blockUntil = performance.now() + 120;
    while (performance.now() < blockUntil) {
      // Deliberately block the loop.
    }
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(m.eventLoop !== undefined);
    assert.ok(m.eventLoop.maxLagMs >= 60, `lag ${m.eventLoop.maxLagMs}`);
    const text = await m.text();
    assert.ok((sample(text, "chronik_event_loop_lag_observed_seconds_count") ?? 0) >= 2);
    m.close();
  });
});
