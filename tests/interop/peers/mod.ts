/**
 * The interop peers: one program per Kafka client, all taking `--bootstrap --topic --count
 * --compression --idempotent --timeout-ms` and printing one JSON verdict line. This module
 * exports the shared record rule and check for TypeScript callers.
 *
 * @module
 */

export {
  ALL_CODECS,
  checkRecords,
  type Codec,
  parsePeerArgs,
  type PeerArgs,
  type PeerRecord,
  recordAt,
  type SeenRecord,
  type Verdict,
} from "./_records.ts";
