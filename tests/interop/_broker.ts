/**
 * Starts one broker for the interop suites and stops it again.
 *
 * The target comes from `CHRONIK_INTEROP_TARGET`: `apache` starts a real single-node Apache Kafka
 * 4.x (KRaft, combined broker+controller, loopback listeners, freshly formatted storage) from the
 * jars `setup.ts` cached; anything else (the default) starts Chronik from `main.ts`. Either way the
 * broker gets a free port in this suite's range (19200-19399) and a temp data dir, and it counts as
 * started once it answers an ApiVersions request on that port, which proves more than an accepted
 * TCP connection (a KRaft broker accepts before it serves).
 *
 * The produce benchmark's `--kafka` runs start Apache Kafka through here too, naming the target,
 * ports, data root, JVM options and extra properties in {@link StartOptions}.
 *
 * @module
 */

import { brokerPermissions } from "../_support/broker_process.ts";
import { KAFKA_LIB_DIR, REPO_ROOT } from "./_paths.ts";
import { runBounded } from "./_run.ts";

/** Which broker the suites run against. */
export type InteropTarget = "chronik" | "apache";

/** A running broker: where clients connect and how to stop it. */
export interface RunningBroker {
  readonly target: InteropTarget;
  /** `127.0.0.1:port`, the clients' bootstrap address. */
  readonly bootstrap: string;
  readonly port: number;
  readonly dataDir: string;
  /** Last lines of the broker's own output, for failure messages. */
  outputTail(): string;
  /** The process id of the broker running now (it changes on `restart`). */
  pid(): number;
  /** SIGTERM, then SIGKILL after `stopGraceMs`; removes the data dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the broker process (SIGTERM, then SIGKILL after `stopGraceMs`; or SIGKILL at once with
   * `crash: true`) but keeps the data dir, then starts it again on the same port and data dir and
   * waits until it serves. Refused after `stop()`.
   */
  restart(options?: { crash?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Bound on waiting for the first ApiVersions answer. */
  readyTimeoutMs?: number;
  /** Bound between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
  /** Inclusive port range to pick from (default this suite's 19200-19399). */
  portRange?: { min: number; max: number };
  /** Which broker to start (default from `CHRONIK_INTEROP_TARGET`). */
  target?: InteropTarget;
  /** Where the broker's temp data dir goes (default the system's temp dir). */
  dataRoot?: string;
  /** Apache Kafka only: `key=value` lines after the defaults; a later line wins. */
  apacheProperties?: readonly string[];
  /** Apache Kafka only: JVM options in place of the default heap and collector flags. */
  apacheJvm?: readonly string[];
}

/** The broker did not come up; the message says which target, why, and its last output. */
export class BrokerStartError extends Error {
  override name = "BrokerStartError";
}

const PORT_MIN = 19200;
const PORT_MAX = 19399;
const OUTPUT_TAIL_BYTES = 16_384;

/** Reads `CHRONIK_INTEROP_TARGET` (default Chronik). */
export function interopTarget(): InteropTarget {
  const raw = (Deno.env.get("CHRONIK_INTEROP_TARGET") ?? "chronik").toLowerCase();
  if (raw === "apache") return "apache";
  if (raw === "" || raw === "chronik") return "chronik";
  throw new Error(`CHRONIK_INTEROP_TARGET must be "apache" or "chronik", got "${raw}"`);
}

/** Starts the selected broker and waits until it serves Kafka requests. */
export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const target = options.target ?? interopTarget();
  const readyTimeoutMs = options.readyTimeoutMs ?? (target === "apache" ? 90_000 : 30_000);
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const range = options.portRange ?? { min: PORT_MIN, max: PORT_MAX };
  const dataDir = await Deno.makeTempDir({
    prefix: `chronik-interop-${target}-`,
    ...(options.dataRoot === undefined ? {} : { dir: options.dataRoot }),
  });
  try {
    const ports = await freePorts(target === "apache" ? 2 : 1, range.min, range.max);
    const port = ports[0]!;
    const tail = new OutputTail();
    let current = await launch(
      target === "apache"
        ? await apacheCommand(port, ports[1]!, dataDir, true, options)
        : chronikCommand(port, dataDir),
      tail,
    );
    let stopped: Promise<void> | undefined;
    const startError = async (why: string) => {
      await broker.stop();
      return new BrokerStartError(
        `${target} broker on 127.0.0.1:${port} did not start: ${why}` +
          (target === "chronik"
            ? " (Chronik's broker is not serving Kafka requests yet; set" +
              " CHRONIK_INTEROP_TARGET=apache to validate the peers against Apache Kafka)"
            : "") +
          `\n--- broker output (tail) ---\n${tail.text()}`,
      );
    };
    const broker: RunningBroker = {
      target,
      bootstrap: `127.0.0.1:${port}`,
      port,
      dataDir,
      outputTail: () => tail.text(),
      pid: () => current.child.pid,
      stop: () => {
        stopped ??= stopChild(current, stopGraceMs).then(() =>
          Deno.remove(dataDir, { recursive: true }).catch(() => {})
        );
        return stopped;
      },
      restart: async (how = {}) => {
        if (stopped) throw new Error("restart() after stop()");
        await stopChild(
          current,
          how.crash ? 0 : stopGraceMs,
          how.crash ? "SIGKILL" : "SIGTERM",
        );
        tail.mark("--- restart ---");
        current = await launch(
          target === "apache"
            ? await apacheCommand(port, ports[1]!, dataDir, false, options)
            : chronikCommand(port, dataDir),
          tail,
        );
        const ready = await waitReady(port, readyTimeoutMs, () => current.exited);
        if (ready !== "ok") throw await startError(`after restart: ${ready}`);
      },
    };
    const ready = await waitReady(port, readyTimeoutMs, () => current.exited);
    if (ready !== "ok") throw await startError(ready);
    return broker;
  } catch (error) {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** One broker process and the promises that track it. */
interface Launched {
  child: Deno.ChildProcess;
  status: Promise<Deno.CommandStatus>;
  drains: Promise<void>[];
  exited: Deno.CommandStatus | undefined;
}

function launch(command: Deno.Command, tail: OutputTail): Launched {
  const child = command.spawn();
  const launched: Launched = {
    child,
    status: child.status,
    drains: [tail.drain(child.stdout), tail.drain(child.stderr)],
    exited: undefined,
  };
  launched.status = child.status.then((s) => (launched.exited = s));
  return launched;
}

function chronikCommand(port: number, dataDir: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...brokerPermissions(),
      `${REPO_ROOT}/main.ts`,
      "--kafka-port",
      String(port),
      "--data-dir",
      dataDir,
      // No admin listener: the default port would collide between brokers on one machine.
      "--admin-port",
      "0",
    ],
    cwd: REPO_ROOT,
    // Chronik ignores the suite's own CHRONIK_INTEROP_* variables; drop them anyway.
    clearEnv: true,
    env: Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("CHRONIK_INTEROP_")),
    ),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

async function apacheCommand(
  port: number,
  controllerPort: number,
  dir: string,
  format: boolean,
  options: StartOptions,
) {
  try {
    await Deno.stat(`${KAFKA_LIB_DIR}/kafka_2.13-${KAFKA_JAR_VERSION}.jar`);
  } catch {
    throw new BrokerStartError(
      `Apache Kafka jars missing in ${KAFKA_LIB_DIR}: run ` +
        "`CHRONIK_INTEROP_TARGET=apache deno run -A tests/interop/setup.ts` first",
    );
  }
  const logDir = `${dir}/data`;
  const props = [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    `log.dirs=${logDir}`,
    "num.partitions=1",
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=false",
    "log.flush.interval.messages=9223372036854775807",
    ...(options.apacheProperties ?? []),
  ].join("\n");
  const propsPath = `${dir}/server.properties`;
  await Deno.writeTextFile(propsPath, props + "\n");
  const classpath = `${KAFKA_LIB_DIR}/*`;
  const jvm = [
    ...(options.apacheJvm ?? ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC"]),
    `-Djava.io.tmpdir=${dir}`,
    `-Dkafka.logs.dir=${dir}/logs`,
  ];
  if (!format) {
    return new Deno.Command("java", {
      args: [...jvm, "-cp", classpath, "kafka.Kafka", propsPath],
      cwd: dir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  }
  const formatted = await runBounded("java", [
    ...jvm,
    "-cp",
    classpath,
    "kafka.tools.StorageTool",
    "format",
    "-t",
    randomClusterId(),
    "-c",
    propsPath,
    "--ignore-formatted",
  ], { timeoutMs: 60_000 });
  if (!formatted.success) {
    const text = (formatted.stdout + formatted.stderr).slice(-4000);
    throw new BrokerStartError(`formatting Apache Kafka storage failed:\n${text}`);
  }
  return new Deno.Command("java", {
    args: [...jvm, "-cp", classpath, "kafka.Kafka", propsPath],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Must match `kafka.version` in `java/server/pom.xml`. */
export const KAFKA_JAR_VERSION = "4.3.1";

/** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
function randomClusterId(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const id = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
      .replace(/=+$/, "");
    if (!id.startsWith("-")) return id;
  }
}

/** Finds `count` ports in `[min, max]` that nobody listens on right now. */
async function freePorts(count: number, min: number, max: number): Promise<number[]> {
  const span = max - min + 1;
  const start = Math.floor(Math.random() * span);
  const found: number[] = [];
  for (let i = 0; i < span && found.length < count; i++) {
    const port = min + (start + i) % span;
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      listener.close();
      found.push(port);
    } catch {
      // In use: try the next one.
    }
  }
  if (found.length < count) {
    throw new BrokerStartError(`no free port in ${min}-${max}`);
  }
  await Promise.resolve();
  return found;
}

/** Polls with ApiVersions v0 until answered, the process exits, or the bound passes. */
async function waitReady(
  port: number,
  timeoutMs: number,
  exited: () => Deno.CommandStatus | undefined,
): Promise<"ok" | string> {
  const deadline = Date.now() + timeoutMs;
  let last = "no attempt";
  while (Date.now() < deadline) {
    const status = exited();
    if (status) return `process exited with code ${status.code} before serving`;
    last = await probeApiVersions(port, Math.min(2_000, deadline - Date.now()));
    if (last === "ok") return "ok";
    await delay(250);
  }
  return `no ApiVersions answer within ${timeoutMs} ms (last: ${last})`;
}

/**
 * Sends one ApiVersions v0 request (api key 18, KIP-35) and checks the response carries our
 * correlation id and error code 0.
 */
export async function probeApiVersions(port: number, timeoutMs: number): Promise<"ok" | string> {
  let conn: Deno.TcpConn | undefined;
  const timer: { id?: ReturnType<typeof setTimeout> } = {};
  try {
    const work = (async () => {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const clientId = new TextEncoder().encode("chronik-interop-probe");
      const body = new Uint8Array(2 + 2 + 4 + 2 + clientId.length);
      const view = new DataView(body.buffer);
      view.setInt16(0, 18);
      view.setInt16(2, 0);
      view.setInt32(4, 0x1234);
      view.setInt16(8, clientId.length);
      body.set(clientId, 10);
      const frame = new Uint8Array(4 + body.length);
      new DataView(frame.buffer).setInt32(0, body.length);
      frame.set(body, 4);
      await conn.write(frame);
      const head = await readExactly(conn, 4);
      const size = new DataView(head.buffer).getInt32(0);
      if (size < 6 || size > 1_048_576) return `bad response size ${size}`;
      const payload = await readExactly(conn, size);
      const pv = new DataView(payload.buffer);
      if (pv.getInt32(0) !== 0x1234) return "wrong correlation id";
      const errorCode = pv.getInt16(4);
      return errorCode === 0 ? "ok" : `ApiVersions error code ${errorCode}`;
    })();
    const timeout = new Promise<string>((resolve) => {
      timer.id = setTimeout(() => resolve(`timed out after ${timeoutMs} ms`), timeoutMs);
    });
    const result = await Promise.race([work, timeout]);
    conn?.close();
    conn = undefined;
    await work.catch(() => {});
    return result;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer.id);
    try {
      conn?.close();
    } catch {
      // Already closed.
    }
  }
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    const read = await conn.read(out.subarray(filled));
    if (read === null) throw new Error("connection closed by broker");
    filled += read;
  }
  return out;
}

/** SIGTERM, then SIGKILL after `graceMs`; waits for the exit and the output drains. */
async function stopChild(
  launched: Launched,
  graceMs: number,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
): Promise<void> {
  const { child, status, drains } = launched;
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceful = await Promise.race([
    status.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
  ]);
  clearTimeout(timer);
  if (!graceful) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited in between.
    }
    await status;
  }
  await Promise.all(drains);
}

/** Keeps the last bytes of a process's output. */
class OutputTail {
  #text = "";
  #decoder = new TextDecoder();

  async drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream) {
      this.#text += this.#decoder.decode(chunk, { stream: true });
      if (this.#text.length > OUTPUT_TAIL_BYTES * 2) {
        this.#text = this.#text.slice(-OUTPUT_TAIL_BYTES);
      }
    }
  }

  text(): string {
    return this.#text.slice(-OUTPUT_TAIL_BYTES);
  }

  mark(line: string): void {
    this.#text += `\n${line}\n`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
