import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { logger, setupLogging, teardownLogging } from "../../src/observability/mod.ts";
import {
  changeLogLevels,
  LEVEL_OVERRIDES_MAX,
  loggerLevels,
  TooManyLevelOverridesError,
} from "../../src/observability/logging.ts";

Deno.test("logging", async (t) => {
  await t.step("text lines carry level, category and message; level filters", async () => {
    const lines: string[] = [];
    await setupLogging({ level: "info", format: "text", write: (l) => lines.push(l) });
    try {
      logger("server").debug("hidden");
      logger("server").info("listening on {port}", { port: 9092 });
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /INF/);
      assert.match(lines[0]!, /chronik\.server/);
      assert.match(lines[0]!, /listening on 9092/);
    } finally {
      await teardownLogging();
    }
  });
  await t.step("json lines parse and keep properties", async () => {
    const lines: string[] = [];
    await setupLogging({ level: "debug", format: "json", write: (l) => lines.push(l) });
    try {
      logger("admin").debug("hello {who}", { who: "ops" });
      assert.equal(lines.length, 1);
      const record = JSON.parse(lines[0]!);
      assert.match(record.message, /^hello "?ops"?$/);
      assert.equal(record.logger, "chronik.admin");
      assert.equal(record.properties.who, "ops");
    } finally {
      await teardownLogging();
    }
  });
  await t.step("nothing is written after teardown", () => {
    logger("server").error("dropped");
  });
});

/** A capture of the formatted lines, and the messages of those lines that carry `marker`. */
function capture() {
  const lines: string[] = [];
  return {
    lines,
    write: (l: string) => lines.push(l),
    /** Messages logged since the capture started that contain `marker`. */
    seen: (marker: string) => lines.filter((l) => l.includes(marker)),
  };
}

Deno.test("run-time log levels (KIP-412 broker loggers)", async (t) => {
  await t.step("before setup no logger is known and none can change", () => {
    assert.equal(loggerLevels().size, 0);
    assert.throws(() => changeLogLevels([{ category: "chronik", level: "debug" }]));
  });

  await t.step("a category's own level makes it more verbose than the root", async () => {
    const out = capture();
    await setupLogging({ level: "info", format: "text", write: out.write });
    try {
      changeLogLevels([{ category: "chronik.server", level: "debug" }]);
      logger("server").debug("server-debug");
      logger("server", "conn").debug("conn-debug"); // a descendant without a level of its own
      logger("admin").debug("admin-debug"); // a sibling: still at the base level
      assert.deepEqual(out.seen("-debug").length, 2);
      assert.match(out.seen("server-debug")[0]!, /DBG.*chronik\.server: server-debug/);
      assert.match(out.seen("conn-debug")[0]!, /chronik\.server\.conn: conn-debug/);
      assert.equal(loggerLevels().get("chronik.server.conn"), "debug");
      assert.equal(loggerLevels().get("chronik.admin"), "info");
    } finally {
      await teardownLogging();
    }
  });

  await t.step("...and less verbose than a chattier root", async () => {
    const out = capture();
    await setupLogging({ level: "info", format: "text", write: out.write });
    try {
      changeLogLevels([
        { category: "chronik", level: "debug" },
        { category: "chronik.server", level: "error" },
      ]);
      logger("server").warning("server-warn");
      logger("server", "conn").warning("conn-warn");
      logger("server").error("server-error");
      logger("admin").debug("admin-debug");
      assert.deepEqual(out.seen("server-").length, 1);
      assert.equal(out.seen("server-error").length, 1);
      assert.equal(out.seen("conn-warn").length, 0);
      assert.equal(out.seen("admin-debug").length, 1);
    } finally {
      await teardownLogging();
    }
  });

  await t.step(
    "removing a level brings back the inherited one; the root goes back to base",
    async () => {
      const out = capture();
      await setupLogging({ level: "warning", format: "text", write: out.write });
      try {
        changeLogLevels([
          { category: "chronik", level: "info" },
          { category: "chronik.server", level: "trace" },
        ]);
        logger("server").debug("one");
        changeLogLevels([{ category: "chronik.server", level: null }]);
        logger("server").debug("two");
        logger("server").info("three"); // the root's run-time level, info
        changeLogLevels([{ category: "chronik", level: null }]);
        logger("server").info("four"); // base level warning again
        assert.deepEqual(
          ["one", "two", "three", "four"].filter((m) => out.seen(`: ${m}`).length > 0),
          ["one", "three"],
        );
        assert.equal(loggerLevels().get("chronik"), "warning");
        assert.equal(loggerLevels().get("chronik.server"), "warning");
      } finally {
        await teardownLogging();
      }
    },
  );

  await t.step("the same sink and format stay after a change", async () => {
    const out = capture();
    await setupLogging({ level: "info", format: "json", write: out.write });
    try {
      changeLogLevels([{ category: "chronik.admin", level: "debug" }]);
      logger("admin").debug("after {n}", { n: 1 });
      const record = JSON.parse(out.seen("after")[0]!);
      assert.equal(record.logger, "chronik.admin");
      assert.equal(record.level, "DEBUG");
    } finally {
      await teardownLogging();
    }
  });

  await t.step("known loggers: the root, those obtained, LogTape's tree, overridden", async () => {
    await setupLogging({ level: "info", format: "text", write: () => {} });
    try {
      logger("groups", "probe");
      const held = getLogger(["chronik", "direct", "leaf"]); // obtained without logger()
      const levels = loggerLevels();
      assert.equal(levels.get("chronik"), "info");
      assert.equal(levels.get("chronik.groups.probe"), "info");
      assert.equal(levels.get("chronik.direct.leaf"), "info");
      assert.equal(levels.get("chronik.direct"), "info"); // its ancestor is in the tree too
      assert.equal(levels.has("logtape.meta"), false); // not Chronik's
      assert.deepEqual([...levels.keys()], [...levels.keys()].sort());
      assert.equal(held.category.length, 3);
    } finally {
      await teardownLogging();
    }
  });

  await t.step("changes are all or none, bounded, and validateOnly only checks", async () => {
    const out = capture();
    await setupLogging({ level: "info", format: "text", write: out.write });
    try {
      const many = Array.from(
        { length: LEVEL_OVERRIDES_MAX },
        (_, i) => ({ category: `chronik.bound.c${i}`, level: "debug" as const }),
      );
      changeLogLevels(many);
      // The first change alone would pass; the second takes the count past the bound, so
      // neither is applied.
      assert.throws(
        () =>
          changeLogLevels([
            { category: "chronik.bound.c1", level: "error" },
            { category: "chronik.server", level: "debug" },
          ]),
        TooManyLevelOverridesError,
      );
      logger("server").debug("refused");
      assert.equal(loggerLevels().get("chronik.server"), "info");
      assert.equal(loggerLevels().get("chronik.bound.c1"), "debug");
      // One out, one in: the count never exceeds the bound, so this passes.
      changeLogLevels([
        { category: "chronik.bound.c0", level: null },
        { category: "chronik.server", level: "debug" },
      ]);
      logger("server").debug("accepted");
      changeLogLevels([{ category: "chronik.server", level: "error" }], { validateOnly: true });
      logger("server").debug("still-debug");
      assert.deepEqual(
        ["refused", "accepted", "still-debug"].filter((m) => out.seen(m).length > 0),
        ["accepted", "still-debug"],
      );
    } finally {
      await teardownLogging();
    }
  });

  await t.step("a new setup, or teardown, drops the run-time levels", async () => {
    const out = capture();
    await setupLogging({ level: "info", format: "text", write: out.write });
    changeLogLevels([{ category: "chronik.server", level: "debug" }]);
    await setupLogging({ level: "info", format: "text", write: out.write });
    try {
      logger("server").debug("dropped");
      assert.equal(out.seen("dropped").length, 0);
      assert.equal(loggerLevels().get("chronik.server"), "info");
    } finally {
      await teardownLogging();
    }
  });
});
