import assert from "node:assert/strict";
import {
  buildConfig,
  ConfigError,
  loadConfig,
  SETTINGS,
  settingSource,
} from "../../src/config/mod.ts";

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("config defaults", async (t) => {
  const config = buildConfig();
  await t.step("documented defaults", () => {
    assert.equal(config.kafkaPort, 9092);
    assert.equal(config.bindAddr, "127.0.0.1");
    assert.equal(config.advertisedAddr, "127.0.0.1");
    assert.equal(config.dataDir, "./chronik-data");
    assert.equal(config.logFormat, "text");
    assert.equal(config.server.maxFrameBytes, 100 * 1024 * 1024);
    assert.equal(config.broker.defaultReplicationFactor, 1);
    assert.equal(config.broker.autoCreateTopicsEnable, true);
    assert.equal(config.broker.logFlushAckBeforeSync, false);
  });
  await t.step("every table row lands on its own typed field", () => {
    const seen = new Set<string>();
    for (const s of SETTINGS) {
      assert.ok(!seen.has(s.field), `field ${s.field} used twice`);
      seen.add(s.field);
      let node: unknown = config;
      for (const part of s.field.split(".")) node = (node as Record<string, unknown>)[part];
      const expected = s.type === "int" ? "number" : s.type === "bool" ? "boolean" : "string";
      if (s.default === null) {
        assert.equal(s.type, "int", `${s.key}: only int settings may be unset by default`);
        assert.equal(node, null, s.key);
      } else {
        assert.equal(typeof node, expected, s.key);
      }
    }
  });
  await t.step("frozen, deeply", () => {
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.server));
    assert.throws(() => {
      (config.server as { maxFrameBytes: number }).maxFrameBytes = 1;
    }, TypeError);
  });
});

Deno.test("config precedence: flag > env > file > default", async (t) => {
  const fileText = 'kafka.port = 1001\nadmin.port = 1002\nlog.level = "debug"\n' +
    "[server]\nmax.connections = 7\n";
  await t.step("file over default", () => {
    const c = buildConfig({ fileText });
    assert.equal(c.kafkaPort, 1001);
    assert.equal(c.adminPort, 1002);
    assert.equal(c.logLevel, "debug");
    assert.equal(c.server.maxConnections, 7);
    assert.equal(c.nodeId, 1);
  });
  await t.step("env over file", () => {
    const c = buildConfig({
      fileText,
      env: { CHRONIK_KAFKA_PORT: "2001", CHRONIK_SERVER_MAX_CONNECTIONS: "8", PATH: "/bin" },
    });
    assert.equal(c.kafkaPort, 2001);
    assert.equal(c.adminPort, 1002);
    assert.equal(c.server.maxConnections, 8);
  });
  await t.step("flag over env", () => {
    const c = buildConfig({
      fileText,
      env: { CHRONIK_KAFKA_PORT: "2001", CHRONIK_LOG_LEVEL: "error" },
      flags: { "kafka.port": "3001" },
    });
    assert.equal(c.kafkaPort, 3001);
    assert.equal(c.logLevel, "error");
  });
  await t.step("log4j's level name warn is warning, from every source", () => {
    assert.equal(buildConfig({ fileText: 'log.level = "warn"\n' }).logLevel, "warning");
    assert.equal(buildConfig({ env: { CHRONIK_LOG_LEVEL: "warn" } }).logLevel, "warning");
    assert.equal(buildConfig({ flags: { "log.level": "warn" } }).logLevel, "warning");
    assert.throws(() => buildConfig({ flags: { "log.level": "warnx" } }), /warnx/);
  });
  await t.step("dotted keys and nested tables are the same key", () => {
    const a = buildConfig({ fileText: "log.retention.ms = 5000\n" });
    const b = buildConfig({ fileText: "[log.retention]\nms = 5000\n" });
    const c = buildConfig({ fileText: '"log.retention.ms" = 5000\n' });
    assert.equal(a.broker.logRetentionMs, 5000);
    assert.equal(b.broker.logRetentionMs, 5000);
    assert.equal(c.broker.logRetentionMs, 5000);
  });
  await t.step("bool from env", () => {
    const c = buildConfig({ env: { CHRONIK_AUTO_CREATE_TOPICS_ENABLE: "false" } });
    assert.equal(c.broker.autoCreateTopicsEnable, false);
  });
  await t.step("test tooling variables are not settings", () => {
    const c = buildConfig({ env: { CHRONIK_SKIP_SETUP: "1", CHRONIK_TEST_SEED: "9" } });
    assert.equal(c.kafkaPort, 9092);
  });
  await t.step("each value's source is kept beside the config", () => {
    const c = buildConfig({
      fileText,
      env: { CHRONIK_SERVER_MAX_CONNECTIONS: "8" },
      flags: { "kafka.port": "3001" },
    });
    const sources = ["kafka.port", "server.max.connections", "admin.port", "node.id"].map((key) =>
      settingSource(c, key)
    );
    assert.deepEqual(sources, ["flag", "env", "file", "default"]);
  });
});

Deno.test("config refusals name the key and the value", async (t) => {
  await t.step("unknown file key", () => {
    const e = refusal(() => buildConfig({ fileText: "kafka.prot = 1\n", fileName: "x.toml" }));
    assert.equal(e.key, "kafka.prot");
    assert.match(e.message, /unknown key kafka\.prot in x\.toml/);
  });
  await t.step("unknown nested key", () => {
    const e = refusal(() => buildConfig({ fileText: "[server]\nmax.conections = 1\n" }));
    assert.equal(e.key, "server.max.conections");
  });
  await t.step("unknown CHRONIK_ variable", () => {
    const e = refusal(() => buildConfig({ env: { CHRONIK_KAFKA_PROT: "1" } }));
    assert.match(e.message, /CHRONIK_KAFKA_PROT="1"/);
  });
  await t.step("non-integer port from a flag", () => {
    const e = refusal(() => buildConfig({ flags: { "kafka.port": "90x" } }));
    assert.equal(e.key, "kafka.port");
    assert.equal(e.value, "90x");
    assert.match(e.message, /"90x" for kafka\.port \(from --kafka-port\)/);
  });
  await t.step("out of range from env", () => {
    const e = refusal(() => buildConfig({ env: { CHRONIK_KAFKA_PORT: "70000" } }));
    assert.match(e.message, /70000.*kafka\.port.*CHRONIK_KAFKA_PORT.*\[0, 65535\]/);
  });
  await t.step("wrong TOML type", () => {
    const e = refusal(() => buildConfig({ fileText: 'kafka.port = "9092"\n' }));
    assert.equal(e.source, "file");
    const f = refusal(() => buildConfig({ fileText: "data.dir = 5\n" }));
    assert.equal(f.key, "data.dir");
    const g = refusal(() => buildConfig({ fileText: "kafka.port = 1.5\n" }));
    assert.equal(g.key, "kafka.port");
  });
  await t.step("bad enum and bool", () => {
    assert.match(
      refusal(() => buildConfig({ flags: { "log.format": "xml" } })).message,
      /text\|json/,
    );
    assert.equal(
      refusal(() => buildConfig({ env: { CHRONIK_LOG_FLUSH_ACK_BEFORE_SYNC: "yes" } })).key,
      "log.flush.ack.before.sync",
    );
  });
  await t.step("unparseable TOML", () => {
    const e = refusal(() => buildConfig({ fileText: "kafka.port = = 1\n", fileName: "b.toml" }));
    assert.match(e.message, /cannot parse b\.toml/);
  });
  await t.step("cross-checks", () => {
    assert.equal(
      refusal(() =>
        buildConfig({ env: { CHRONIK_SERVER_MAX_INFLIGHT_BYTES_PER_CONNECTION: "2048" } })
      ).key,
      "server.max.inflight.bytes.per.connection",
    );
    assert.equal(
      refusal(() => buildConfig({ flags: { "bind.addr": "0.0.0.0" } })).key,
      "advertised.addr",
    );
    const ok = buildConfig({ flags: { "bind.addr": "0.0.0.0", "advertised.addr": "broker1" } });
    assert.equal(ok.advertisedAddr, "broker1");
    assert.equal(
      refusal(() => buildConfig({ fileText: "min.insync.replicas = 2\n" })).key,
      "min.insync.replicas",
    );
  });
  await t.step("producer id expiration (KIP-854): Kafka's defaults, at least 1 ms", () => {
    const d = buildConfig().broker;
    assert.equal(d.producerIdExpirationMs, 86_400_000);
    assert.equal(d.producerIdExpirationCheckIntervalMs, 600_000);
    const c = buildConfig({
      fileText: "producer.id.expiration.ms = 1\nproducer.id.expiration.check.interval.ms = 1\n",
    });
    assert.equal(c.broker.producerIdExpirationMs, 1);
    assert.equal(c.broker.producerIdExpirationCheckIntervalMs, 1);
    for (const key of ["producer.id.expiration.ms", "producer.id.expiration.check.interval.ms"]) {
      for (const bad of ["0", "-1", String(2 ** 31)]) {
        const e = refusal(() => buildConfig({ flags: {}, fileText: `${key} = ${bad}\n` }));
        assert.equal(e.key, key);
        assert.equal(e.value, Number(bad));
      }
    }
  });
  await t.step("log.retention.ms and log.roll.ms are unset by default, as in Kafka", () => {
    const d = buildConfig();
    assert.deepEqual(
      [d.broker.logRetentionMs, d.broker.logRetentionMinutes, d.broker.logRetentionHours],
      [null, null, 168],
    );
    assert.deepEqual([d.broker.logRollMs, d.broker.logRollHours], [null, 168]);
    const set = buildConfig({
      fileText: "log.retention.hours = 72\nlog.roll.hours = 1\n",
      env: { CHRONIK_LOG_RETENTION_MINUTES: "30" },
    });
    assert.deepEqual(
      [set.broker.logRetentionMinutes, set.broker.logRetentionHours, set.broker.logRollHours],
      [30, 72, 1],
    );
    const zero = refusal(() => buildConfig({ fileText: "log.roll.hours = 0\n" }));
    assert.equal(zero.key, "log.roll.hours");
  });
  await t.step("Kafka's long settings take Long.MAX_VALUE, held as 2^53-1", () => {
    const long = "9223372036854775807";
    const before = "log.message.timestamp.before.max.ms";
    const fromFile = buildConfig({ fileText: `${before} = ${long}\nlog.retention.ms = ${long}\n` });
    assert.equal(fromFile.broker.logMessageTimestampBeforeMaxMs, Number.MAX_SAFE_INTEGER);
    assert.equal(fromFile.broker.logRetentionMs, Number.MAX_SAFE_INTEGER);
    const fromEnv = buildConfig({ env: { CHRONIK_LOG_ROLL_MS: long } });
    assert.equal(fromEnv.broker.logRollMs, Number.MAX_SAFE_INTEGER);
    // Values up to 2^53-1 are kept as they are.
    const small = buildConfig({ fileText: `${before} = 9007199254740990\n` });
    assert.equal(small.broker.logMessageTimestampBeforeMaxMs, 9007199254740990);
    // Past Long.MAX_VALUE, or below the setting's minimum, the key is named.
    const over = refusal(() => buildConfig({ fileText: `${before} = 9223372036854775808\n` }));
    assert.equal(over.key, before);
    assert.match(over.message, /an integer in \[0, 9223372036854775807\]/);
    assert.equal(refusal(() => buildConfig({ flags: { [before]: "-1" } })).key, before);
    // A setting that is not one of Kafka's longs still stops at 2^53-1, and is named.
    const notLong = refusal(() => buildConfig({ fileText: `log.index.cache.bytes = ${long}\n` }));
    assert.equal(notLong.key, "log.index.cache.bytes");
    assert.match(notLong.message, /\[\d+, 9007199254740991\]/);
  });
  await t.step("missing file", async () => {
    await assert.rejects(
      () => loadConfig({ configFile: "/nonexistent/chronik.toml" }),
      (e: unknown) => e instanceof ConfigError && /nonexistent/.test(e.message),
    );
  });
});
