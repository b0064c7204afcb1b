/**
 * Interop with real Kafka clients (see `docs/interop.md`).
 *
 * - `setup.ts` installs the clients (Debian packages, Maven jars, franz-go build, npm clients).
 * - `peers/`, `java/`, `go/` hold one small program per client: create a topic, produce records
 *   0..N-1 with a codec and idempotence flag, read them back without a consumer group, print a
 *   JSON verdict.
 * - `startBroker()` starts Chronik (default) or, with `CHRONIK_INTEROP_TARGET=apache`, a real
 *   single-node Apache Kafka, on a free port in 19200-19399 with a temp data dir.
 * - `runPeer()` runs one peer against it; `<client>_test.ts` are the suites.
 *
 * @module
 */

export {
  BrokerStartError,
  type InteropTarget,
  interopTarget,
  probeApiVersions,
  type RunningBroker,
  startBroker,
  type StartOptions,
} from "./_broker.ts";
export {
  type ClientName,
  type Codec,
  PEERS,
  type PeerSpec,
  runPeer,
  type Verdict,
} from "./_peer.ts";
