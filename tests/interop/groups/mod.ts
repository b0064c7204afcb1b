/**
 * Consumer-group interop with real clients (see `docs/interop.md`, "Consumer groups").
 *
 * Each `<client>_test.ts` starts one broker (Chronik, or Apache Kafka with
 * `CHRONIK_INTEROP_TARGET=apache`) on a port in 19600-19799 and runs the story in `_scenario.ts`:
 * a 3-member group consumes and commits every record of a 6-partition topic; a member leaves and
 * the other two take over; the broker restarts on the same data dir and the group's commits hold;
 * a static member restarts without a rebalance. `tools_test.ts` drives Kafka's ConsoleConsumer
 * and ConsumerGroupCommand (`--list`, `--describe` lag, `--reset-offsets --to-earliest`).
 *
 * ## Member protocol
 *
 * A member is one long-running process holding one real client instance (its own connections
 * and group membership): `tests/interop/java/GroupMember.java`, `peers/group_member.py`
 * (confluent_kafka and kafka-python), `peers/group_kafkajs.ts`, `peers/group_platformatic.ts`,
 * `peers/group_kcat.ts` (wraps `kcat -G`) and `go/group/` (franz-go). Each takes
 * `--bootstrap H:P --topic T --group G --name N --session-timeout-ms MS [--instance-id ID]
 * --timeout-ms MS`, consumes from the committed offset (earliest when none), commits after every
 * poll, and prints JSON lines on stdout. The members with cooperative rebalances (Java, Python,
 * franz-go) keep offsets whose commit was refused during a rebalance and commit them again while
 * they hold the partition: the partition and its position survive such a rebalance, so nothing
 * else would commit them. Events:
 *
 * - `{"event":"assignment","partitions":[0,3],"generation":7}`: the partitions it now holds
 *   (generation `null` where the client does not expose it);
 * - `{"event":"revoked","partitions":[3]}`;
 * - `{"event":"consumed","records":[[partition, offset, index], ...]}`, `index` from the key;
 * - `{"event":"committed","offsets":[[partition, nextOffset], ...]}` once a commit succeeded;
 * - `{"event":"commit_failed","message":"..."}`, `{"event":"warning","message":"..."}` (a
 *   fetch or poll error the client retries), `{"event":"closed"}`, `{"event":"error",...}`.
 *
 * It reads `{"cmd":"close"}` on stdin (or stdin's end): close the consumer cleanly (LeaveGroup for
 * a dynamic member) and exit 0. `Member` (`_member.ts`) is the test's side of one process;
 * `_produce.ts` creates the topic and produces record `i` (the shared rule) to partition `i % 6`.
 *
 * @module
 */

export { GROUP_CLIENTS, type GroupClient, type GroupClientName } from "./_clients.ts";
export { Member, type MemberEvent, MemberWaitTimeout } from "./_member.ts";
export {
  GROUP_PORT_RANGE,
  groupSuite,
  Members,
  PARTITIONS,
  produceRecords,
  recordsOnPartition,
  SESSION_TIMEOUT_MS,
} from "./_scenario.ts";
