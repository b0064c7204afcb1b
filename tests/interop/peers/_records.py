"""Shared by the Python peers: arguments, the records derived from an index, the verdict line."""

import argparse
import json
import sys


def parse_args(client, codecs):
    parser = argparse.ArgumentParser(description=f"{client} interop peer")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--compression", default="none", choices=codecs)
    parser.add_argument("--idempotent", default="false", choices=["true", "false"])
    parser.add_argument("--timeout-ms", type=int, default=120_000)
    parser.add_argument("--create-only", action="store_true")
    args = parser.parse_args()
    args.idempotent = args.idempotent == "true"
    return args


def record(i):
    """Key, value and headers of record i (same rule in every peer; see docs/interop.md)."""
    key = f"key-{i:06d}".encode()
    value = (f"value-{i}-" + "abcdefghij" * (1 + i % 8)).encode()
    headers = [("idx", str(i).encode()), ("mod13", f"h-{i % 13}".encode())]
    return key, value, headers


def check(expected_count, seen):
    """seen: list of (offset, key, value, headers). Returns None or the first mismatch."""
    if len(seen) != expected_count:
        return f"read {len(seen)} records, expected {expected_count}"
    for j, (offset, key, value, headers) in enumerate(seen):
        k, v, h = record(j)
        if offset != j:
            return f"record {j}: offset {offset}, expected {j}"
        if key != k or value != v:
            return f"record {j}: key/value {key!r}/{value!r} differ from {k!r}/{v!r}"
        if [(a, bytes(b)) for a, b in headers] != h:
            return f"record {j}: headers {headers!r} differ from {h!r}"
    return None


def report(client, args, produced, seen, error):
    verdict = error or check(args.count, seen)
    line = {
        "client": client,
        "topic": args.topic,
        "compression": args.compression,
        "idempotent": args.idempotent,
        "count": args.count,
        "produced": produced,
        "consumed": len(seen),
        "firstOffset": seen[0][0] if seen else None,
        "lastOffset": seen[-1][0] if seen else None,
        "ok": verdict is None,
        "error": verdict,
    }
    print(json.dumps(line), flush=True)
    sys.exit(0 if verdict is None else 1)
