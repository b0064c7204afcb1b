/**
 * Hands out producer ids from blocks reserved through the metadata log, so ids stay unique across
 * restarts and, later, across nodes. One metadata write per block, not per producer.
 *
 * @module
 */
import type { MetaStore } from "./meta/store.ts";

export class ProducerIdBlocks {
  #next = 0;
  #end = 0;
  #refill: Promise<void> | undefined;

  constructor(
    private readonly meta: MetaStore,
    private readonly nodeId: number,
    private readonly blockSize = 1000,
  ) {}

  async next(): Promise<bigint> {
    while (this.#next >= this.#end) {
      this.#refill ??= this.#reserve().finally(() => (this.#refill = undefined));
      await this.#refill;
    }
    return BigInt(this.#next++);
  }

  async #reserve(): Promise<void> {
    const result = await this.meta.propose({
      type: "allocateProducerIds",
      nodeId: this.nodeId,
      count: this.blockSize,
    });
    if (!result.ok || result.firstProducerId === undefined) {
      throw new Error(`producer id block reservation failed: ${JSON.stringify(result)}`);
    }
    this.#next = result.firstProducerId;
    this.#end = result.firstProducerId + this.blockSize;
  }
}
