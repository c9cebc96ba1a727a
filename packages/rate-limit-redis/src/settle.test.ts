import { randomUUID } from 'node:crypto';
import { createRateLimiter } from '@brace/rate-limit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitStoreError } from './errors.js';
import { type RedisEvalAdapter, type RedisStoreErrorEvent, redisStore } from './redis-store.js';

const url = process.env.REDIS_URL;
const two = [{ limit: 2, intervalMs: 1000 }];

describe('redisStore.settle: failures and the local fallback', () => {
  it('fail-closed: a failing settle rejects with RateLimitStoreError and is reported', async () => {
    const errors: RedisStoreErrorEvent[] = [];
    let up = true;
    const client: RedisEvalAdapter = async () => {
      if (!up) throw new Error('ECONNRESET');
      return 1;
    };
    const store = redisStore({ client, onError: (e) => errors.push(e) });
    const granted = await store.tryAcquire('k', two, 1, 0);
    expect(granted).toMatchObject({ ok: true, grant: [expect.any(String), 0, 1] });
    up = false;
    const grant = (granted as { grant?: unknown }).grant;
    const settled = store.settle?.('k', two, 1, grant, 0, 10);
    await expect(settled).rejects.toBeInstanceOf(RateLimitStoreError);
    await expect(settled).rejects.toMatchObject({ operation: 'settle' });
    expect(errors.map((e) => [e.operation, e.fellBack])).toEqual([['settle', false]]);
  });

  it('a grant of the local fallback is settled locally; no sliding-log policy, no call', async () => {
    const store = redisStore({
      client: () => Promise.reject(new Error('down')),
      onStoreError: 'fail-open',
      onError: () => {},
    });
    const a = await store.tryAcquire('k', two, 1, 0);
    const b = await store.tryAcquire('k', two, 1, 0);
    expect([a, b]).toMatchObject([
      { ok: true, grant: 0 },
      { ok: true, grant: 0 },
    ]);
    // Settled at 500: one unit counts until 1,501 instead of 1,001.
    expect(store.settle?.('k', two, 1, 0, 0, 500)).toBeUndefined();
    expect(await store.tryAcquire('k', two, 1, 1001)).toMatchObject({ ok: true });
    expect(await store.tryAcquire('k', two, 1, 1002)).toMatchObject({ ok: false });
    const many = await store.tryAcquireMany('m', two, [1, 1, 1], 0);
    expect(many).toMatchObject({ granted: 2, grants: [0, 0] });
    const gcra = [{ limit: 10, intervalMs: 1000, burst: 2 }];
    expect(store.settle?.('k', gcra, 1, ['t', 0, 1], 0, 5)).toBeUndefined();
  });
});

describe.skipIf(!url)('redisStore.settle against Redis', () => {
  let io: Redis;
  const prefix = `test:rl:settle:${randomUUID()}:`;

  beforeAll(() => {
    io = new Redis(url as string);
  });
  afterAll(async () => {
    const keys = await io.keys(`${prefix}*`);
    if (keys.length > 0) await io.del(...keys);
    await io.quit();
  });

  it('moves the task’s own units to Redis TIME in every sliding-log policy, and keeps the TTL', async () => {
    const store = redisStore({ client: io, prefix });
    const mixed = [
      { limit: 5, intervalMs: 1000 },
      { limit: 100, intervalMs: 1000, burst: 10 },
      { limit: 50, intervalMs: 60_000 },
    ];
    const many = await store.tryAcquireMany('s', mixed, [2, 1], 0);
    expect(many.granted).toBe(2);
    const [first, second] = many.grants as [unknown, unknown];
    expect(second).toEqual([(first as string[])[0], 2, 1]);
    const log = `${prefix}{s}:p:5:1000:0`;
    const long = `${prefix}{s}:p:50:60000:0`;
    const before = await io.zrange(log, 0, -1, 'WITHSCORES');
    await new Promise((r) => setTimeout(r, 60));
    await store.settle?.('s', mixed, 1, second, 0, 0);
    const after = new Map<string, number>();
    const entries = await io.zrange(log, 0, -1, 'WITHSCORES');
    for (let i = 0; i < entries.length; i += 2)
      after.set(entries[i] as string, Number(entries[i + 1]));
    const token = (first as string[])[0];
    const granted = Number(before[1]);
    // Units 1 and 2 (the first request) stay; unit 3 (the second) moved by the time slept.
    expect(after.get(`${token}:1`)).toBe(granted);
    expect(after.get(`${token}:2`)).toBe(granted);
    expect(after.get(`${token}:3`)).toBeGreaterThanOrEqual(granted + 50);
    expect(Number(await io.zscore(long, `${token}:3`))).toBe(after.get(`${token}:3`));
    expect(await io.pttl(log)).toBeGreaterThan(1000);
    // A unit no longer logged (trimmed, expired) is not added back.
    await io.zrem(log, `${token}:1`);
    await store.settle?.('s', mixed, 2, first, 0, 0);
    expect(await io.zscore(log, `${token}:1`)).toBeNull();
    expect(Number(await io.zscore(log, `${token}:2`))).toBeGreaterThan(granted);
  });

  it('a limiter over Redis: a unit frees a window after its task settled', async () => {
    const limiter = createRateLimiter({
      policies: [{ limit: 1, intervalMs: 300 }],
      pacing: 'burst',
      safetyMarginMs: 0,
      store: redisStore({ client: io, prefix }),
    });
    const t0 = performance.now();
    await limiter.schedule(() => new Promise((r) => setTimeout(r, 200)));
    const second = await limiter.schedule(() => performance.now() - t0);
    expect(second).toBeGreaterThanOrEqual(490); // 200 ms running + 300 ms window (timer slack)
  });
});
