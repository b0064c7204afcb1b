"""Consumer-group member for tests/interop/groups, for librdkafka (Python confluent_kafka) or
kafka-python: one consumer in a group, driven over stdin/stdout with JSON lines (protocol in
tests/interop/groups/mod.ts). Commits synchronously after every poll; offsets whose commit failed
(refused during a rebalance) stay pending and are committed again while the partition is held,
since a cooperative rebalance keeps the partition and its position and nothing else would.

Run with Debian's /usr/bin/python3:
  group_member.py --client confluent|kafka-python --bootstrap H:P --topic T --group G
    --session-timeout-ms MS [--instance-id ID] [--timeout-ms MS] [--name N]
"""

import argparse
import json
import queue
import sys
import threading
import time

commands = queue.Queue(maxsize=100)
assigned = set()
pending = {}  # partition -> next offset consumed but not yet committed


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def index_of(key):
    text = key.decode() if key else ""
    return int(text[4:]) if text.startswith("key-") else -1


def read_stdin():
    for line in sys.stdin:
        commands.put(line)
    commands.put('{"cmd":"close"}')


def on_assigned(parts):
    assigned.update(parts)
    emit({"event": "assignment", "partitions": sorted(assigned), "generation": None})


def on_revoked(parts):
    if not parts:
        return
    assigned.difference_update(parts)
    for p in parts:
        pending.pop(p, None)
    emit({"event": "revoked", "partitions": sorted(parts)})


def report_batch(batch, commit):
    """batch: list of (partition, offset, key). Reports it, then commits every pending offset of a
    partition still held and reports that."""
    if batch:
        emit({"event": "consumed", "records": [[p, o, index_of(k)] for p, o, k in batch]})
        for p, o, _ in batch:
            pending[p] = max(pending.get(p, 0), o + 1)
    nxt = {p: o for p, o in pending.items() if p in assigned}
    if not nxt:
        return
    try:
        commit(nxt)
    except Exception as exc:  # a commit refused during a rebalance is reported and retried
        emit({"event": "commit_failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    for p, o in nxt.items():
        if pending.get(p) == o:
            del pending[p]
    emit({"event": "committed", "offsets": sorted(nxt.items())})


def closing():
    try:
        return '"close"' in commands.get_nowait()
    except queue.Empty:
        return False


def run_confluent(args, deadline):
    from confluent_kafka import Consumer, TopicPartition

    conf = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "client.id": f"interop-confluent-{args.name}",
        "session.timeout.ms": args.session_timeout_ms,
        "heartbeat.interval.ms": 1000,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
    if args.instance_id:
        conf["group.instance.id"] = args.instance_id
    if args.assignor:
        conf["partition.assignment.strategy"] = args.assignor
    consumer = Consumer(conf)
    consumer.subscribe(
        [args.topic],
        on_assign=lambda _c, parts: on_assigned(p.partition for p in parts),
        on_revoke=lambda _c, parts: on_revoked([p.partition for p in parts]),
    )

    def commit(nxt):
        result = consumer.commit(
            offsets=[TopicPartition(args.topic, p, o) for p, o in nxt.items()], asynchronous=False
        )
        for tp in result or []:
            if tp.error is not None:
                raise RuntimeError(f"partition {tp.partition}: {tp.error}")

    while time.monotonic() < deadline and not closing():
        batch = []
        for msg in consumer.consume(num_messages=500, timeout=0.2):
            if msg.error():
                emit({"event": "warning", "message": f"consume: {msg.error()}"})
                continue
            batch.append((msg.partition(), msg.offset(), msg.key()))
        report_batch(batch, commit)
    consumer.close()


def run_kafka_python(args, deadline):
    from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            on_revoked([tp.partition for tp in revoked])

        def on_partitions_assigned(self, parts):
            on_assigned(tp.partition for tp in parts)

    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        client_id=f"interop-kafka-python-{args.name}",
        session_timeout_ms=args.session_timeout_ms,
        heartbeat_interval_ms=1000,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    consumer.subscribe(topics=[args.topic], listener=Listener())

    def commit(nxt):
        consumer.commit(
            {TopicPartition(args.topic, p): OffsetAndMetadata(o, "") for p, o in nxt.items()}
        )

    while time.monotonic() < deadline and not closing():
        batch = []
        for tp, records in consumer.poll(timeout_ms=200).items():
            batch.extend((tp.partition, r.offset, r.key) for r in records)
        report_batch(batch, commit)
    consumer.close()


def main():
    parser = argparse.ArgumentParser(description="consumer-group interop member")
    parser.add_argument("--client", required=True, choices=["confluent", "kafka-python"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--name", default="member")
    parser.add_argument("--session-timeout-ms", type=int, default=10_000)
    parser.add_argument("--instance-id", default=None)
    parser.add_argument("--timeout-ms", type=int, default=300_000)
    parser.add_argument("--assignor", default=None, help="partition.assignment.strategy (confluent)")
    args = parser.parse_args()
    if args.instance_id and args.client == "kafka-python":
        emit({"event": "error", "message": "kafka-python 2.0.2 has no static membership"})
        sys.exit(2)
    deadline = time.monotonic() + args.timeout_ms / 1000
    threading.Thread(target=read_stdin, daemon=True).start()
    try:
        (run_confluent if args.client == "confluent" else run_kafka_python)(args, deadline)
    except Exception as exc:
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        sys.exit(1)
    emit({"event": "closed"})


if __name__ == "__main__":
    main()
