/**
 * The worker of {@link RecordWalkPool}: walks the batches the main thread hands it (decompressing
 * them) and answers each with the records' max timestamp or the error a walk on the main thread
 * would have thrown. Holds one decompressed batch at a time; touches no file, socket or clock.
 *
 * @module
 */
import { checkFraming } from "./batch.ts";
import { RecordBatchError, RecordTimestampError } from "./errors.ts";
import { walkRecords } from "./records.ts";
import type { WalkReply, WalkRequest } from "./walk_pool.ts";

const port = globalThis as unknown as {
  onmessage: ((e: MessageEvent<WalkRequest>) => void) | null;
  postMessage(reply: WalkReply): void;
};

function walk(request: WalkRequest): WalkReply {
  const { id, batch, options } = request;
  try {
    const view = checkFraming(batch, 0, batch.length);
    return { id, maxTimestamp: walkRecords(view, options) };
  } catch (e) {
    if (e instanceof RecordBatchError) {
      return { id, batchError: { kind: e.kind, message: e.message } };
    }
    if (e instanceof RecordTimestampError) return { id, timestampErrors: e.records };
    return { id, failure: String((e as Error)?.stack ?? e) };
  }
}

port.onmessage = (e) => port.postMessage(walk(e.data));
port.postMessage({ ready: true });
