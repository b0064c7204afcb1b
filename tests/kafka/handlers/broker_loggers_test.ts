/**
 * Broker loggers (KIP-412; resource type 8) as Kafka 4.x's broker serves them: DescribeConfigs
 * lists `root` and every logger with its level (ConfigHelper.describeConfigs, BROKER_LOGGER
 * branch); IncrementalAlterConfigs SETs and DELETEs levels at run time (RuntimeLoggerManager),
 * with Kafka's error codes and messages; AlterConfigs refuses the type (ConfigAdminManager's
 * legacy preprocess). Chronik's `root` is the logging category `chronik`. Every level change is
 * checked on lines the running broker's logging really writes.
 */
import assert from "node:assert/strict";
import { ApiKey } from "../../../src/kafka/protocol/apis.ts";
import { ErrorCode } from "../../../src/kafka/protocol/errors.ts";
import {
  changeLogLevels,
  LEVEL_OVERRIDES_MAX,
  logger,
  setupLogging,
  teardownLogging,
} from "../../../src/observability/logging.ts";
import { type Any, type Harness, withBroker } from "./_harness.ts";

const BROKER_LOGGER = 8;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
/** DescribeConfigsResponse.ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG. */
const DYNAMIC_BROKER_LOGGER_CONFIG = 6;
/** Not Kafka's default id, so that a check of the wrong id shows. */
const NODE = "3";

type Op = { name: string; configOperation: number; value: string | null };

/** The broker's formatted log lines, from a capture sink set up at INFO. */
interface Logs {
  /** Lines that contain `text`. */
  seen(text: string): string[];
}

/** A broker (node 3) whose logging writes to a capture at INFO, the level `--log-level` gives. */
async function withLoggingBroker(fn: (h: Harness, logs: Logs) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  await setupLogging({ level: "info", format: "text", write: (l) => lines.push(l) });
  try {
    await withBroker((h) => fn(h, { seen: (text) => lines.filter((l) => l.includes(text)) }), {
      "node.id": NODE,
    });
  } finally {
    await teardownLogging();
  }
}

/** DescribeConfigs of broker `name`'s loggers; the one result. */
async function describe(
  h: Harness,
  options: { name?: string; keys?: string[] | null; version?: number; synonyms?: boolean } = {},
): Promise<Any> {
  const res: Any = await h.call(ApiKey.DescribeConfigs, options.version ?? 4, {
    resources: [{
      resourceType: BROKER_LOGGER,
      resourceName: options.name ?? NODE,
      configurationKeys: options.keys ?? null,
    }],
    includeSynonyms: options.synonyms ?? false,
    includeDocumentation: false,
  });
  assert.equal(res.results.length, 1);
  return res.results[0];
}

/** Logger name to level, as described. */
async function levels(h: Harness): Promise<Map<string, string>> {
  const result = await describe(h);
  assert.equal(result.errorCode, ErrorCode.NONE);
  return new Map(result.configs.map((c: Any) => [c.name, c.value]));
}

/** IncrementalAlterConfigs v1 of broker `name`'s loggers; `[errorCode, errorMessage]`. */
async function alter(
  h: Harness,
  configs: Op[],
  options: { name?: string; validateOnly?: boolean } = {},
): Promise<[number, string | null]> {
  const res: Any = await h.call(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: BROKER_LOGGER, resourceName: options.name ?? NODE, configs }],
    validateOnly: options.validateOnly ?? false,
  });
  assert.equal(res.responses.length, 1);
  return [res.responses[0].errorCode, res.responses[0].errorMessage];
}

const set = (name: string, value: string): Op => ({ name, configOperation: SET, value });
// kafka-configs.sh --delete-config sends an empty value.
const unset = (name: string): Op => ({ name, configOperation: DELETE, value: "" });

/** Logs one debug and one warning line from `chronik.server`, tagged with `tag`. */
function emit(tag: string): void {
  logger("server").debug(`probe ${tag} debug`);
  logger("server").warning(`probe ${tag} warning`);
}

Deno.test("describe lists root and every category with its level, as Kafka's entries", async () => {
  await withLoggingBroker(async (h) => {
    logger("server");
    const result = await describe(h, { synonyms: true });
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.equal(result.errorMessage, null);
    const names = result.configs.map((c: Any) => c.name);
    // Kafka's name of the root logger first, then categories by name: the root itself, one a
    // logger() caller obtained, one a module obtained through LogTape directly.
    assert.equal(names[0], "root");
    for (const name of ["chronik", "chronik.server", "chronik.kafka.handlers"]) {
      assert.ok(names.includes(name), name);
    }
    assert.deepEqual(names.slice(1), [...names.slice(1)].sort());
    for (const c of result.configs) {
      // Synonyms asked for, none given; no config type, empty documentation: Kafka's defaults.
      assert.deepEqual(c, {
        name: c.name,
        value: "INFO",
        readOnly: false,
        configSource: DYNAMIC_BROKER_LOGGER_CONFIG,
        isSensitive: false,
        synonyms: [],
        configType: 0,
        documentation: "",
      });
    }
    const named = await describe(h, { keys: ["root", "chronik.server", "chronik.nope"] });
    assert.deepEqual(named.configs.map((c: Any) => [c.name, c.value]), [
      ["root", "INFO"],
      ["chronik.server", "INFO"],
    ]);
    // v1 (no config type or documentation on the wire) answers the same.
    const v1 = await describe(h, { version: 1, keys: ["root"] });
    assert.deepEqual(
      v1.configs.map((c: Any) => [c.name, c.value, c.configSource, c.readOnly, c.synonyms]),
      [["root", "INFO", DYNAMIC_BROKER_LOGGER_CONFIG, false, []]],
    );
  });
});

Deno.test("describe of another broker, an empty or a non-numeric name is INVALID_REQUEST", async () => {
  await withLoggingBroker(async (h) => {
    const cases: [string, string][] = [
      ["1", "Unexpected broker id, expected 3 but received 1"],
      ["03x", "Broker id must be an integer, but it is: 03x"],
      ["", "Broker id must not be empty"],
    ];
    for (const [name, message] of cases) {
      const result = await describe(h, { name });
      assert.deepEqual(
        [result.errorCode, result.errorMessage, result.configs],
        [ErrorCode.INVALID_REQUEST, message, []],
        name,
      );
    }
    // Java's Integer.parseInt reads "+3" and "03" as 3.
    assert.equal((await describe(h, { name: "+3" })).errorCode, ErrorCode.NONE);
    assert.equal((await describe(h, { name: "03" })).errorCode, ErrorCode.NONE);
  });
});

Deno.test("SET makes a category log below the base level; DELETE brings back the root's", async () => {
  await withLoggingBroker(async (h, logs) => {
    emit("before");
    assert.equal(logs.seen("probe before").length, 1); // the warning only
    assert.deepEqual(await alter(h, [set("chronik.server", "DEBUG")]), [ErrorCode.NONE, null]);
    emit("during");
    logger("admin").debug("probe sibling debug");
    assert.match(logs.seen("probe during debug")[0] ?? "", /\[DBG\] chronik\.server: /);
    assert.equal(logs.seen("probe sibling").length, 0); // other categories keep the base level
    // Kafka warns of every run-time change; so does Chronik.
    assert.match(
      logs.seen("log level of")[0] ?? "",
      /\[WRN\] chronik\.kafka\.handlers: log level of chronik\.server set to DEBUG \(until restart\)/,
    );
    assert.equal((await levels(h)).get("chronik.server"), "DEBUG");
    assert.equal((await levels(h)).get("root"), "INFO");

    assert.deepEqual(await alter(h, [unset("chronik.server")]), [ErrorCode.NONE, null]);
    emit("after");
    assert.equal(logs.seen("probe after debug").length, 0);
    assert.equal(logs.seen("probe after warning").length, 1);
    assert.equal((await levels(h)).get("chronik.server"), "INFO");
    // Deleting a level that was never set succeeds and changes nothing, as in Kafka.
    assert.deepEqual(await alter(h, [unset("chronik.admin")]), [ErrorCode.NONE, null]);
  });
});

Deno.test("SET root changes every category without a level of its own; `chronik` is root", async () => {
  await withLoggingBroker(async (h, logs) => {
    assert.deepEqual(
      await alter(h, [set("root", "DEBUG"), set("chronik.server", "ERROR")]),
      [ErrorCode.NONE, null],
    );
    emit("quiet");
    logger("admin").debug("probe admin debug");
    assert.equal(logs.seen("probe quiet").length, 0); // its own level, ERROR, wins
    assert.equal(logs.seen("probe admin debug").length, 1); // the root's DEBUG reaches it
    const described = await levels(h);
    assert.equal(described.get("root"), "DEBUG");
    assert.equal(described.get("chronik"), "DEBUG");
    assert.equal(described.get("chronik.admin"), "DEBUG");
    assert.equal(described.get("chronik.server"), "ERROR");

    assert.deepEqual(await alter(h, [set("chronik", "WARN")]), [ErrorCode.NONE, null]);
    logger("admin").info("probe admin info");
    assert.equal(logs.seen("probe admin info").length, 0);
    assert.equal((await levels(h)).get("root"), "WARN");
  });
});

Deno.test("a bad level, an unknown logger, APPEND or SUBTRACT, the root's DELETE are refused", async () => {
  await withLoggingBroker(async (h) => {
    const valid = "Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN";
    const cases: [Op[], number, string][] = [
      [
        [set("chronik.server", "debug")], // Kafka's check is case-sensitive
        ErrorCode.INVALID_CONFIG,
        `Cannot set the log level of chronik.server to debug as it is not a supported log level. ${valid}`,
      ],
      [
        [set("root", "OFF")], // log4j has OFF, but Kafka does not take it
        ErrorCode.INVALID_CONFIG,
        `Cannot set the log level of root to OFF as it is not a supported log level. ${valid}`,
      ],
      [
        [set("chronik.nope", "DEBUG")],
        ErrorCode.INVALID_CONFIG,
        "Logger chronik.nope does not exist!",
      ],
      [[unset("kafka.server")], ErrorCode.INVALID_CONFIG, "Logger kafka.server does not exist!"],
      [
        [{ name: "chronik.server", configOperation: APPEND, value: "DEBUG" }],
        ErrorCode.INVALID_REQUEST,
        "APPEND operation is not allowed for the BROKER_LOGGER resource",
      ],
      [
        [{ name: "chronik.server", configOperation: SUBTRACT, value: "DEBUG" }],
        ErrorCode.INVALID_REQUEST,
        "SUBTRACT operation is not allowed for the BROKER_LOGGER resource",
      ],
      [
        [unset("root")],
        ErrorCode.INVALID_REQUEST,
        "Removing the log level of the root logger is not allowed",
      ],
      [
        [unset("chronik")],
        ErrorCode.INVALID_REQUEST,
        "Removing the log level of the root logger is not allowed",
      ],
      // The first failing change answers for the request, and the valid one before it is not
      // applied either.
      [
        [set("chronik.server", "TRACE"), set("chronik.admin", "LOUD")],
        ErrorCode.INVALID_CONFIG,
        `Cannot set the log level of chronik.admin to LOUD as it is not a supported log level. ${valid}`,
      ],
    ];
    for (const [ops, code, message] of cases) {
      assert.deepEqual(await alter(h, ops), [code, message], JSON.stringify(ops));
    }
    const described = await levels(h);
    assert.equal(described.get("chronik.server"), "INFO");
    assert.equal(described.get("root"), "INFO");
  });
});

Deno.test("another broker's id, or a name that is no id, is INVALID_REQUEST", async () => {
  await withLoggingBroker(async (h) => {
    assert.deepEqual(await alter(h, [set("chronik.server", "DEBUG")], { name: "01" }), [
      ErrorCode.INVALID_REQUEST,
      "Unexpected node id. Expected 3, but received 1",
    ]);
    assert.deepEqual(await alter(h, [set("chronik.server", "DEBUG")], { name: "" }), [
      ErrorCode.INVALID_REQUEST,
      "Node id must be an integer, but it is: ",
    ]);
    // The id is checked before the changes.
    assert.deepEqual(await alter(h, [set("chronik.nope", "LOUD")], { name: "broker" }), [
      ErrorCode.INVALID_REQUEST,
      "Node id must be an integer, but it is: broker",
    ]);
    assert.equal((await levels(h)).get("chronik.server"), "INFO");
  });
});

Deno.test("AlterConfigs refuses broker loggers: Kafka takes log levels incrementally only", async () => {
  await withLoggingBroker(async (h, logs) => {
    const res: Any = await h.call(ApiKey.AlterConfigs, 2, {
      resources: [{
        resourceType: BROKER_LOGGER,
        resourceName: NODE,
        configs: [{ name: "chronik.server", value: "DEBUG" }],
      }],
      validateOnly: false,
    });
    assert.deepEqual(
      [res.responses[0].errorCode, res.responses[0].errorMessage],
      [ErrorCode.INVALID_REQUEST, "Unknown resource type 8"],
    );
    emit("legacy");
    assert.equal(logs.seen("probe legacy debug").length, 0);
  });
});

Deno.test("validateOnly checks a change without making it", async () => {
  await withLoggingBroker(async (h, logs) => {
    assert.deepEqual(
      await alter(h, [set("chronik.server", "DEBUG")], { validateOnly: true }),
      [ErrorCode.NONE, null],
    );
    emit("validated");
    assert.equal(logs.seen("probe validated debug").length, 0);
    assert.equal(logs.seen("log level of").length, 0);
    assert.equal((await levels(h)).get("chronik.server"), "INFO");
    // A change that would fail still fails.
    assert.deepEqual(
      await alter(h, [set("chronik.server", "LOUD")], { validateOnly: true }),
      [
        ErrorCode.INVALID_CONFIG,
        "Cannot set the log level of chronik.server to LOUD as it is not a supported log level. " +
        "Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN",
      ],
    );
  });
});

Deno.test("at most LEVEL_OVERRIDES_MAX loggers hold a level of their own", async () => {
  await withLoggingBroker(async (h, logs) => {
    // Fill the bound through the logging module: there are not that many real categories.
    changeLogLevels(
      Array.from(
        { length: LEVEL_OVERRIDES_MAX },
        (_, i) => ({ category: `chronik.fill.c${i}`, level: "info" as const }),
      ),
    );
    assert.deepEqual(await alter(h, [set("chronik.server", "DEBUG")]), [
      ErrorCode.INVALID_CONFIG,
      `cannot give more than ${LEVEL_OVERRIDES_MAX} loggers their own level; ` +
      "delete the level of some first",
    ]);
    emit("full");
    assert.equal(logs.seen("probe full debug").length, 0);
    // Changing one that has a level already, or freeing one first, stays within the bound.
    assert.deepEqual(
      await alter(h, [set("chronik.fill.c0", "WARN"), unset("chronik.fill.c1")]),
      [ErrorCode.NONE, null],
    );
    assert.deepEqual(await alter(h, [set("chronik.server", "DEBUG")]), [ErrorCode.NONE, null]);
    emit("room");
    assert.equal(logs.seen("probe room debug").length, 1);
  });
});
