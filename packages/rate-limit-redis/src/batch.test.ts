import { randomUUID } from 'node:crypto';
import { manualClock } from '@brace/core';
import { createRateLimiter } from '@brace/rate-limit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitStoreError } from './errors.js';
import { type RedisEvalAdapter, redisStore } from './redis-store.js';
import { MIXED_POLICIES } from './test-utils/policies.js';

/** Exact windows, no pacing: these tests check the store's arithmetic (the defaults are tested with the provider). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

const url = process.env.REDIS_URL;

describe('redisStore.tryAcquireMany: failures', () => {
  it('fail-closed rejects; fail-open answers the batch from the local limiter, in order', async () => {
    const down: RedisEvalAdapter = async () => {
      throw new Error('ECONNREFUSED');
    };
    const policies = [{ limit: 3, intervalMs: 1000 }];
    await expect(
      redisStore({ client: down }).tryAcquireMany('k', policies, [1, 1], 0),
    ).rejects.toBeInstanceOf(RateLimitStoreError);
    const open = redisStore({ client: down, onStoreError: 'fail-open' });
    expect(await open.tryAcquireMany('k', policies, [1, 1], 0)).toMatchObject({
      granted: 2,
      refused: undefined,
    });
    expect(await open.tryAcquireMany('k', policies, [1, 1], 0)).toMatchObject({
      granted: 1,
      refused: { ok: false, retryInMs: 1001, policyIndex: 0 },
    });
  });

  it('times out a batch like a single acquire', async () => {
    const clock = manualClock();
    const hang: RedisEvalAdapter = () => new Promise(() => {});
    const store = redisStore({ client: hang, timeoutMs: 20, clock });
    const failed = expect(store.tryAcquireMany('k', [], [1, 1], 0)).rejects.toBeInstanceOf(
      RateLimitStoreError,
    );
    await clock.advance(20);
    await failed;
  });
});

describe.skipIf(!url)('redisStore.tryAcquireMany against Redis', () => {
  let io: Redis;
  const prefixes: string[] = [];
  const prefix = () => {
    const p = `test:rl:${randomUUID()}:`;
    prefixes.push(p);
    return p;
  };

  beforeAll(() => {
    io = new Redis(url as string);
  });

  afterAll(async () => {
    for (const p of prefixes) {
      const keys = await io.keys(`${p}*`);
      if (keys.length > 0) await io.del(...keys);
    }
    await io.quit();
  });

  it('admits the longest prefix that fits every policy, charging nothing for the rest', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const two = [
      { limit: 2, intervalMs: 1000 },
      { limit: 3, intervalMs: 60_000 },
    ];
    const first = await store.tryAcquireMany('k', two, [1, 1, 1, 1], 0);
    expect(first).toMatchObject({ granted: 2, refused: { ok: false, policyIndex: 0 } });
    expect(first.refused?.retryInMs).toBeGreaterThan(900);
    expect(await io.zcard(`${p}{k}:p:2:1000:0`)).toBe(2);
    expect(await io.zcard(`${p}{k}:p:3:60000:0`)).toBe(2);
    expect(new Set(await io.zrange(`${p}{k}:p:3:60000:0`, 0, -1)).size).toBe(2);
    expect(await io.pttl(`${p}{k}:p:3:60000:0`)).toBeGreaterThan(60_000);
    // Costs in whole units, in order: 2.5 counts 3, and a later small one never passes it.
    const five = [{ limit: 5, intervalMs: 1000 }];
    expect(await store.tryAcquireMany('c', five, [2.5, 3, 1], 0)).toMatchObject({
      granted: 1,
      refused: { policyIndex: 0 },
    });
    expect(await io.zcard(`${p}{c}:p:5:1000:0`)).toBe(3);
    expect(await store.tryAcquireMany('c', five, [1, 1], 0)).toMatchObject({
      granted: 2,
      refused: undefined,
    });
    // A batch the log cannot fit even empty waits one interval for its own entries.
    expect(
      await store.tryAcquireMany('d', [{ limit: 2, intervalMs: 500 }], [2, 1], 0),
    ).toMatchObject({ granted: 1, refused: { retryInMs: 500 } });
  });

  it('GCRA and mixed policies in a batch; a paused key admits nothing', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const mixed = MIXED_POLICIES;
    const result = await store.tryAcquireMany('m', mixed, [1, 1, 1, 1, 1], 0);
    expect(result).toMatchObject({ granted: 3, refused: { policyIndex: 2 } });
    expect(result.refused?.retryInMs).toBeLessThanOrEqual(100);
    expect(await io.zcard(`${p}{m}:p:4:60000:0`)).toBe(3);
    expect(Number(await io.get(`${p}{m}:p:10:1000:3`))).toBeGreaterThan(0);
    await store.pause('m', 5000, 'server-remaining', 0);
    expect(await store.tryAcquireMany('m', mixed, [1, 1], 0)).toMatchObject({
      granted: 0,
      refused: { policyIndex: -1, pause: 'server-remaining' },
    });
  });

  it('trims expired entries when a batch would not fit', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const short = [{ limit: 40, intervalMs: 30 }];
    expect(await store.tryAcquireMany('t', short, Array(40).fill(1), 0)).toMatchObject({
      granted: 40,
    });
    expect((await store.tryAcquireMany('t', short, [1], 0)).granted).toBe(0);
    await new Promise((r) => setTimeout(r, 35));
    expect((await store.tryAcquireMany('t', short, [1, 1], 0)).granted).toBe(2);
    expect(await io.zcard(`${p}{t}:p:40:30:0`)).toBe(2);
  });

  it('charges thousands of units in one call (the log is written in chunks)', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const big = [{ limit: 20_000, intervalMs: 60_000 }];
    expect(await store.tryAcquire('one', big, 4000, 0)).toMatchObject({ ok: true });
    expect(await io.zcard(`${p}{one}:p:20000:60000:0`)).toBe(4000);
    expect(await store.tryAcquireMany('many', big, Array(64).fill(100), 0)).toMatchObject({
      granted: 64,
      refused: undefined,
    });
    expect(await io.zcard(`${p}{many}:p:20000:60000:0`)).toBe(6400);
    // The multi-policy path charges in chunks too; members stay distinct.
    const two = [...big, { limit: 30_000, intervalMs: 120_000 }];
    expect(await store.tryAcquire('two', two, 1234, 0)).toMatchObject({ ok: true });
    expect(await io.zcard(`${p}{two}:p:30000:120000:0`)).toBe(1234);
  });

  it('a limiter never starts a task on the grant of an aborted task of another cost', async () => {
    const p = prefix();
    const waits: number[] = [];
    let throttled!: () => void;
    const refused = new Promise<void>((resolve) => (throttled = resolve));
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 2, intervalMs: 60_000 }],
      store: redisStore({ client: io, prefix: p }),
      onThrottled: (event) => {
        waits.push(event.waitMs);
        throttled();
      },
    });
    const started: string[] = [];
    const gone = new AbortController();
    const a = limiter.schedule(() => started.push('a'), { signal: gone.signal });
    const stop = new AbortController();
    const b = limiter.schedule(() => started.push('b'), { cost: 2, signal: stop.signal });
    queueMicrotask(() => gone.abort(new Error('a gone'))); // a's call is out by then
    await expect(a).rejects.toThrow('a gone');
    await refused; // b (2 units) does not fit beside a's charged unit
    expect(started).toEqual([]);
    expect(waits[0]).toBeGreaterThan(50_000);
    expect(await io.zcard(`${p}{default}:p:2:60000:0`)).toBe(1);
    stop.abort(new Error('done'));
    await expect(b).rejects.toThrow('done');
  });

  it('a limiter sends the tasks of a key submitted together in one round trip', async () => {
    const p = prefix();
    let calls = 0;
    const counted: RedisEvalAdapter = (command, shaOrSource, keys, args) => {
      calls++;
      return command === 'evalsha'
        ? io.evalsha(shaOrSource, keys.length, ...keys, ...args)
        : io.eval(shaOrSource, keys.length, ...keys, ...args);
    };
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 10, intervalMs: 60_000 }],
      store: redisStore({ client: counted, prefix: p }),
    });
    const ran = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        limiter.schedule(() => i, { key: 'burst', signal: AbortSignal.timeout(300) }),
      ),
    );
    expect(ran.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(calls).toBe(1);
    expect(await io.zcard(`${p}{burst}:p:10:60000:0`)).toBe(10);
  });
});
