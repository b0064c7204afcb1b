import assert from "node:assert/strict";
import { BufferPool } from "../src/buffer_pool.ts";

const KiB = 1024;

Deno.test("BufferPool", async (t) => {
  await t.step("sizes are powers of two from 64 KiB; oversized requests are one-offs", () => {
    const pool = new BufferPool({ maxBufferBytes: 1024 * KiB });
    assert.equal(pool.take(1).length, 64 * KiB);
    assert.equal(pool.take(64 * KiB).length, 64 * KiB);
    assert.equal(pool.take(64 * KiB + 1).length, 128 * KiB);
    assert.equal(pool.take(1024 * KiB).length, 1024 * KiB);
    const big = pool.take(1024 * KiB + 1);
    assert.equal(big.length, 1024 * KiB + 1);
    pool.give(big);
    assert.equal(pool.idleBytes, 0, "a one-off is never kept");
  });

  await t.step("a returned buffer is handed out again, of its size or one size down", () => {
    const pool = new BufferPool();
    const a = pool.take(200 * KiB); // 256 KiB
    pool.give(a);
    assert.equal(pool.idleBytes, 256 * KiB);
    assert.equal(pool.take(60 * KiB).length, 64 * KiB, "two sizes down: not taken");
    assert.equal(pool.idleBytes, 256 * KiB);
    assert.equal(pool.take(100 * KiB), a, "one size down: taken");
    assert.equal(pool.idleBytes, 0);
    pool.give(a);
    assert.equal(pool.take(256 * KiB), a);
  });

  await t.step("idle buffers are bounded by bytes, not count", () => {
    const pool = new BufferPool({ maxIdleBytes: 1024 * KiB });
    // Sixteen writers holding 64 KiB buffers at once all get them back (1 MiB in all) ...
    const held = Array.from({ length: 16 }, () => pool.take(64 * KiB));
    for (const b of held) pool.give(b);
    assert.equal(pool.idleBytes, 1024 * KiB);
    const again = Array.from({ length: 16 }, () => pool.take(64 * KiB));
    for (const [i, b] of again.entries()) assert.ok(held.includes(b), `buffer ${i} was reused`);
    for (const b of again) pool.give(b);
    // ... but one more buffer would pass the bound, so it is dropped.
    pool.give(new Uint8Array(64 * KiB));
    assert.equal(pool.idleBytes, 1024 * KiB);
  });

  await t.step("minBufferBytes sets the smallest class; it must be a power of two", () => {
    const pool = new BufferPool({ minBufferBytes: 4 * KiB });
    assert.equal(pool.take(1).length, 4 * KiB);
    assert.equal(pool.take(5 * KiB).length, 8 * KiB);
    pool.give(new Uint8Array(2 * KiB));
    assert.equal(pool.idleBytes, 0, "below the smallest class: not kept");
    pool.give(pool.take(3 * KiB));
    assert.equal(pool.idleBytes, 4 * KiB);
    assert.throws(() => new BufferPool({ minBufferBytes: 3000 }), RangeError);
  });

  await t.step("maxIdleBytes 0 keeps nothing; a foreign size is not kept", () => {
    const none = new BufferPool({ maxIdleBytes: 0 });
    none.give(none.take(1));
    assert.equal(none.idleBytes, 0);
    const pool = new BufferPool();
    pool.give(new Uint8Array(100 * KiB));
    pool.give(new Uint8Array(32 * KiB));
    assert.equal(pool.idleBytes, 0);
    assert.throws(() => new BufferPool({ maxIdleBytes: -1 }), RangeError);
  });
});
