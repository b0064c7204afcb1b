/**
 * Installs the real Kafka clients the interop suites drive, on a fresh Debian 12 machine (run as
 * root). Idempotent: each step first checks whether its result is already there, so a second run
 * takes a few seconds. Every step prints what it did and is bounded in time; the first failure
 * exits non-zero naming the step.
 *
 * Steps: Debian packages (`kcat`, `python3-confluent-kafka`, `python3-kafka` and the codec modules
 * kafka-python needs; `apt-get update` only when a plain install fails), the Java client and
 * Kafka's tools via `mvn dependency:copy-dependencies` (`java/pom.xml` → `.cache/java-lib`), the
 * compiled Java peer, the franz-go peer (`go/`, built with the committed go.sum), the npm clients
 * (kafkajs, `@platformatic/kafka`, pinned in deno.lock) and, when `CHRONIK_INTEROP_TARGET=apache`
 * or `--apache` is given, the Apache Kafka broker jars (`java/server/pom.xml` → `.cache/kafka-lib`).
 *
 * Usage: `deno run -A tests/interop/setup.ts [--apache]`
 *
 * @module
 */

import {
  CACHE_DIR,
  DEBIAN_PYTHON,
  FRANZ_BIN,
  INTEROP_DIR,
  JAVA_CLASSES_DIR,
  JAVA_LIB_DIR,
  KAFKA_LIB_DIR,
  REPO_ROOT,
} from "./_paths.ts";
import { KAFKA_JAR_VERSION } from "./_broker.ts";
import { commandWorks, runBounded, type RunResult } from "./_run.ts";
import { FRANZ_GROUP_BIN } from "./groups/_clients.ts";

const APT_PACKAGES = [
  "kcat",
  "python3-confluent-kafka",
  "python3-kafka",
  // kafka-python's snappy, lz4 and zstd support.
  "python3-snappy",
  "python3-lz4",
  "python3-zstandard",
];
const PYTHON_MODULES = "confluent_kafka, kafka, snappy, lz4, zstandard";
const APT_TIMEOUT_MS = 600_000;
const MAVEN_TIMEOUT_MS = 600_000;
const GO_TIMEOUT_MS = 600_000;
const JAVAC_TIMEOUT_MS = 120_000;
const DENO_CACHE_TIMEOUT_MS = 300_000;

/** A step that failed; the message names it. */
export class SetupError extends Error {
  override name = "SetupError";
}

function log(step: string, message: string): void {
  console.log(`interop setup: ${step}: ${message}`);
}

function failure(step: string, result: RunResult): SetupError {
  const why = result.timedOut ? "timed out" : `exit ${result.code}`;
  const output = (result.stdout + "\n" + result.stderr).trim().slice(-3_000);
  return new SetupError(`${step} failed (${why}):\n${output}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function mtimeMs(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

async function aptClients(): Promise<void> {
  const step = "debian packages";
  const ready = await commandWorks("kcat", ["-V"]) &&
    await commandWorks(DEBIAN_PYTHON, ["-c", `import ${PYTHON_MODULES}`]);
  if (ready) return log(step, `already installed (${APT_PACKAGES.join(", ")})`);
  const started = Date.now();
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    runBounded("apt-get", ["install", "-y", "-q", ...APT_PACKAGES], {
      env,
      timeoutMs: APT_TIMEOUT_MS,
    });
  let result = await install();
  if (!result.success) {
    log(step, "install failed with the current package lists; running apt-get update");
    const update = await runBounded("apt-get", ["update", "-q"], {
      env,
      timeoutMs: APT_TIMEOUT_MS,
    });
    if (!update.success) throw failure(`${step} (apt-get update)`, update);
    result = await install();
  }
  if (!result.success) throw failure(`${step} (apt-get install)`, result);
  if (!await commandWorks(DEBIAN_PYTHON, ["-c", `import ${PYTHON_MODULES}`])) {
    throw new SetupError(
      `${step}: installed, but ${DEBIAN_PYTHON} cannot import ${PYTHON_MODULES}`,
    );
  }
  log(step, `installed ${APT_PACKAGES.join(", ")} in ${Date.now() - started} ms`);
}

async function mavenJars(step: string, pom: string, outDir: string, marker: string) {
  if (await exists(`${outDir}/${marker}`)) return log(step, `already in ${outDir}`);
  const started = Date.now();
  const result = await runBounded("mvn", [
    "-B",
    "-q",
    "-f",
    pom,
    "dependency:copy-dependencies",
    `-DoutputDirectory=${outDir}`,
    "-DincludeScope=runtime",
    `-Dkafka.version=${KAFKA_JAR_VERSION}`,
  ], { timeoutMs: MAVEN_TIMEOUT_MS });
  if (!result.success) throw failure(`${step} (mvn dependency:copy-dependencies)`, result);
  if (!await exists(`${outDir}/${marker}`)) {
    throw new SetupError(`${step}: mvn succeeded but ${marker} is not in ${outDir}`);
  }
  log(step, `copied into ${outDir} in ${Date.now() - started} ms`);
}

async function javaPeer(step = "java peer", name = "ProducerPeer"): Promise<void> {
  const source = `${INTEROP_DIR}/java/${name}.java`;
  const compiled = `${JAVA_CLASSES_DIR}/${name}.class`;
  if (await mtimeMs(compiled) >= await mtimeMs(source)) {
    return log(step, `already compiled (${compiled})`);
  }
  await Deno.mkdir(JAVA_CLASSES_DIR, { recursive: true });
  const result = await runBounded(
    "javac",
    ["-cp", `${JAVA_LIB_DIR}/*`, "-d", JAVA_CLASSES_DIR, source],
    { timeoutMs: JAVAC_TIMEOUT_MS },
  );
  if (!result.success) throw failure(`${step} (javac)`, result);
  log(step, `compiled ${compiled}`);
}

async function franzPeer(
  step = "franz-go peer",
  pkg = ".",
  main = "main.go",
  bin = FRANZ_BIN,
): Promise<void> {
  const goDir = `${INTEROP_DIR}/go`;
  const newestSource = Math.max(
    await mtimeMs(`${goDir}/${main}`),
    await mtimeMs(`${goDir}/go.mod`),
    await mtimeMs(`${goDir}/go.sum`),
  );
  if (await mtimeMs(bin) >= newestSource) return log(step, `already built (${bin})`);
  const started = Date.now();
  // -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them.
  const result = await runBounded("go", ["build", "-mod=readonly", "-o", bin, pkg], {
    cwd: goDir,
    timeoutMs: GO_TIMEOUT_MS,
  });
  if (!result.success) throw failure(`${step} (go build)`, result);
  log(step, `built ${bin} in ${Date.now() - started} ms`);
}

async function npmClients(): Promise<void> {
  const step = "npm clients (kafkajs, @platformatic/kafka)";
  const started = Date.now();
  // `deno cache` fetches what deno.lock pins; with the cache warm it only checks.
  const result = await runBounded(Deno.execPath(), [
    "cache",
    "--frozen",
    `${INTEROP_DIR}/peers/kafkajs_peer.ts`,
    `${INTEROP_DIR}/peers/platformatic_peer.ts`,
    `${INTEROP_DIR}/peers/kcat_peer.ts`,
    `${INTEROP_DIR}/peers/java_peer.ts`,
    `${INTEROP_DIR}/peers/group_kafkajs.ts`,
    `${INTEROP_DIR}/peers/group_platformatic.ts`,
    `${INTEROP_DIR}/peers/group_kcat.ts`,
    `${INTEROP_DIR}/groups/_produce.ts`,
  ], { cwd: REPO_ROOT, timeoutMs: DENO_CACHE_TIMEOUT_MS });
  if (!result.success) throw failure(`${step} (deno cache --frozen)`, result);
  log(step, `cached as pinned in deno.lock (${Date.now() - started} ms)`);
}

/** The Apache Kafka broker's jars (`java/server/pom.xml`) into `.cache/kafka-lib`, once. */
export async function apacheJars(): Promise<void> {
  await mavenJars(
    "apache kafka broker",
    `${INTEROP_DIR}/java/server/pom.xml`,
    KAFKA_LIB_DIR,
    `kafka_2.13-${KAFKA_JAR_VERSION}.jar`,
  );
}

export async function setup(options: { apache: boolean }): Promise<void> {
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  await aptClients();
  await mavenJars(
    "java client + kafka tools",
    `${INTEROP_DIR}/java/pom.xml`,
    JAVA_LIB_DIR,
    `kafka_2.13-${KAFKA_JAR_VERSION}.jar`,
  );
  await javaPeer();
  await javaPeer("java group member", "GroupMember");
  await franzPeer();
  await franzPeer("franz-go group member", "./group", "group/main.go", FRANZ_GROUP_BIN);
  await npmClients();
  if (options.apache) {
    await apacheJars();
  } else {
    log("apache kafka broker", "skipped (only for CHRONIK_INTEROP_TARGET=apache or --apache)");
  }
}

if (import.meta.main) {
  const apache = Deno.args.includes("--apache") ||
    Deno.env.get("CHRONIK_INTEROP_TARGET")?.toLowerCase() === "apache";
  const started = Date.now();
  try {
    await setup({ apache });
    console.log(`interop setup: done in ${Date.now() - started} ms`);
  } catch (error) {
    console.error(`interop setup: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
