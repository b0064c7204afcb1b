/**
 * Chronik's entry point: parse the command line, build the config, set up logging and metrics,
 * start the node, the admin API and the Kafka listener; on SIGTERM/SIGINT stop accepting, finish
 * in-flight requests, close the node and exit 0.
 *
 * Exit codes: 0 after a clean shutdown (or `version`, `--help`), 2 for a refused command line or
 * configuration (the message names the key and the value), 1 for a failure to start (e.g. a port
 * in use). A signal repeated during shutdown exits 1 at once, unless it comes within
 * {@link SIGNAL_ECHO_MS} of the first: Ctrl-C on `npx -y deno@2.9.6 task start` reaches the
 * broker twice within a millisecond (the terminal signals the process group, and a parent
 * forwards its copy).
 *
 * Permissions: `--allow-net --allow-read --allow-write --allow-env`, and optionally `--allow-ffi`
 * for the native CRC32C's directory (`src/kafka/records/crc32c_native.ts`; the `start` task grants
 * it). Without it the broker checksums in TypeScript, 4.7-13.5 times slower on batches of 1-100 KB
 * (measured here). Optionally too, `--allow-sys=statfs` (granted by the `start` task) lets
 * DescribeLogDirs v4 report the data volume's total and usable bytes; without it they are -1.
 *
 * @module
 */
import denoJson from "./deno.json" with { type: "json" };
import { type AdminServer, startAdminServer } from "./src/admin/mod.ts";
import { parseCommandLine } from "./src/cli/mod.ts";
import { ConfigError, loadConfig } from "./src/config/mod.ts";
import { crc32cImplementation } from "./src/kafka/records/crc32c.ts";
import { enableNativeCrc32c } from "./src/kafka/records/crc32c_native.ts";
import { type KafkaServer, startKafkaServer } from "./src/kafka/server/mod.ts";
import { type Node, startNode } from "./src/node.ts";
import { logger, Metrics, setupLogging, teardownLogging } from "./src/observability/mod.ts";

/** The version printed by `chronik version` and labelled on `chronik_build_info`. */
export const VERSION: string = denoJson.version;

const SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGINT"];

/**
 * A stop signal this soon after the first is taken as the same request, not as "force": measured
 * here, the two copies of one Ctrl-C under `npx … task start` arrive under 1 ms apart; a
 * deliberate second press to force the exit is expected later than this.
 */
export const SIGNAL_ECHO_MS = 500;

/** Runs Chronik with `args`; resolves to the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const command = parseCommandLine(args);
  if (command.kind === "exit") return command.code;
  if (command.kind === "version") {
    console.log(`chronik ${VERSION}`);
    return 0;
  }
  let config;
  try {
    config = await loadConfig(command);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`chronik: ${error.message}`);
      return 2;
    }
    throw error;
  }
  await setupLogging({ level: config.logLevel, format: config.logFormat });
  const log = logger("main");
  const crc = await enableNativeCrc32c();
  if (crc.native) log.info("CRC32C: native ({impl})", { impl: crc32cImplementation() });
  else if (crc.permitted) {
    log.warning("CRC32C: portable TypeScript ({reason})", { reason: crc.reason });
  } else log.info("CRC32C: portable TypeScript ({reason})", { reason: crc.reason });
  const metrics = new Metrics({ version: VERSION, nodeId: config.nodeId });
  let node: Node | undefined;
  let server: KafkaServer | undefined;
  let admin: AdminServer | undefined;
  try {
    node = await startNode(config, { metrics });
    const started = node;
    const kafka = startKafkaServer({
      hostname: config.bindAddr,
      port: config.kafkaPort,
      limits: config.server,
      handler: node.handler,
      probe: metrics.server,
      readBufferBytes: config.server.readBufferBytes,
      requestBufferPoolBytes: config.server.requestBufferPoolBytes,
    });
    server = kafka;
    if (config.adminPort !== 0) {
      admin = startAdminServer({
        hostname: config.bindAddr,
        port: config.adminPort,
        metrics: () => metrics.text(),
        metricsContentType: metrics.contentType,
        health: () => ({
          ...started.health(),
          version: VERSION,
          connections: kafka.stats().connections,
          eventLoopLagMaxMs: metrics.eventLoop?.maxLagMs ?? 0,
        }),
      });
    }
    // Listen for signals before saying we listen: a SIGTERM right after that line stops cleanly.
    const stopSignal = waitForSignal(log);
    log.info(
      "chronik {version} node {nodeId} listening: kafka {host}:{port}, admin {admin}, data {dataDir}",
      {
        version: VERSION,
        nodeId: config.nodeId,
        host: kafka.hostname,
        port: kafka.port,
        admin: admin === undefined ? "off" : admin.port,
        dataDir: config.dataDir,
      },
    );
    const signal = await stopSignal;
    log.info("{signal}: stopping; finishing in-flight requests", { signal });
    // Order: no new requests, answer what was read, then the broker, then the admin API.
    await kafka.close();
    await started.close();
    await admin?.close();
    log.info("stopped");
    return 0;
  } catch (error) {
    log.fatal("cannot run: {error}", {
      error: error instanceof Error ? error.message : String(error),
    });
    await server?.close();
    await node?.close();
    await admin?.close();
    return 1;
  } finally {
    metrics.close();
    await teardownLogging();
  }
}

/**
 * Settles on the first SIGTERM/SIGINT. A repeat within {@link SIGNAL_ECHO_MS} is the same request
 * delivered twice; a later one exits 1 at once.
 */
function waitForSignal(log: ReturnType<typeof logger>): Promise<Deno.Signal> {
  return new Promise((resolve) => {
    let firstAtMs: number | undefined;
    for (const signal of SIGNALS) {
      Deno.addSignalListener(signal, () => {
        const now = performance.now();
        if (firstAtMs === undefined) {
          firstAtMs = now;
          resolve(signal);
        } else if (now - firstAtMs < SIGNAL_ECHO_MS) {
          log.info("{signal} again within {ms} ms of the first: still stopping", {
            signal,
            ms: SIGNAL_ECHO_MS,
          });
        } else {
          log.warning("{signal} again: exiting without finishing", { signal });
          Deno.exit(1);
        }
      });
    }
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
