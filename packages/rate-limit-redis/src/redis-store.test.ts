import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { manualClock, SafeCause } from '@brace/core';
import {
  createRateLimiter,
  memoryStore,
  RateLimitOptionsError,
  type RateLimitPolicy,
} from '@brace/rate-limit';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RateLimitStoreError } from './errors.js';
import {
  DEFAULT_ON_STORE_ERROR,
  DEFAULT_PREFIX,
  DEFAULT_STORE_TIMEOUT_MS,
  type RedisEvalAdapter,
  type RedisStoreErrorEvent,
  redisStore,
} from './redis-store.js';
import { MIXED_POLICIES } from './test-utils/policies.js';

/** Exact windows, no pacing: these tests check the store's arithmetic (the defaults are tested with the provider). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

const url = process.env.REDIS_URL;
if (!url && process.env.CI === 'true') throw new Error('REDIS_URL must be set under CI');
if (!url)
  console.warn('REDIS_URL is not set: skipping the @brace/rate-limit-redis tests against Redis');

const run = promisify(execFile);
const policies = [{ limit: 3, intervalMs: 1000 }];

/** Max grants within any half-open window [t, t + intervalMs). */
function maxInWindow(starts: number[], intervalMs: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < s.length; hi++) {
    while ((s[lo] as number) <= (s[hi] as number) - intervalMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

describe('redisStore: options', () => {
  it('validates its options and exports its defaults', () => {
    expect([DEFAULT_PREFIX, DEFAULT_STORE_TIMEOUT_MS, DEFAULT_ON_STORE_ERROR]).toEqual([
      'brace:rl:',
      2_000,
      'fail-closed',
    ]);
    const client = (async () => null) as RedisEvalAdapter;
    expect(() => redisStore({} as never)).toThrow(RateLimitOptionsError);
    expect(() => redisStore({ client: {} as never })).toThrow(/client must be/);
    expect(() => redisStore({ client, prefix: 1 as never })).toThrow(/prefix/);
    expect(() => redisStore({ client, onStoreError: 'maybe' as never })).toThrow(/onStoreError/);
    expect(() => redisStore({ client, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => redisStore({ client, probeIntervalMs: 0 })).toThrow(/probeIntervalMs/);
    expect(() => redisStore({ client, probeIntervalMs: Number.POSITIVE_INFINITY })).toThrow(
      /probeIntervalMs/,
    );
  });

  it('fail-closed: a failing client rejects with RateLimitStoreError', async () => {
    const events: RedisStoreErrorEvent[] = [];
    const down: RedisEvalAdapter = async () => {
      throw new Error('ECONNREFUSED');
    };
    const store = redisStore({
      client: down,
      onError: (e) => {
        events.push(e);
        throw new Error('observer bug');
      },
    });
    const limiter = createRateLimiter({ ...EXACT, policies, store });
    const error = await limiter.schedule(() => 1).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitStoreError);
    expect(error).toMatchObject({ code: 'RATE_LIMIT_STORE_UNAVAILABLE', operation: 'acquire' });
    // The cause keeps the client's name, code and message, never the command's arguments.
    expect((error as Error).cause).toMatchObject({ name: 'Error', message: 'ECONNREFUSED' });
    expect((error as Error).cause).toBeInstanceOf(SafeCause);
    await expect(store.pause('k', 10, 'retry-after', 0)).rejects.toBeInstanceOf(
      RateLimitStoreError,
    );
    expect(events.map((e) => [e.operation, e.fellBack])).toEqual([
      ['acquire', false],
      ['pause', false],
    ]);
    expect(limiter.stats().running).toBe(0);
  });

  it('fail-open: falls back to a local limiter with the same policies; slow answers time out', async () => {
    const clock = manualClock();
    const hang: RedisEvalAdapter = () => new Promise(() => {});
    const store = redisStore({ client: hang, onStoreError: 'fail-open', timeoutMs: 50, clock });
    const first = store.tryAcquire('k', policies, 1, 0);
    await clock.advance(50);
    expect(await first).toMatchObject({ ok: true });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const pending = store.tryAcquire('k', policies, 1, 50);
      await clock.advance(50);
      answers.push(await pending);
    }
    expect(answers.map((a) => a.ok)).toEqual([true, true, false]);
    const paused = store.pause('p', 500, 'retry-after', 200);
    await clock.advance(50);
    await paused;
    const after = store.tryAcquire('p', [], 1, 300);
    await clock.advance(50);
    expect(await after).toMatchObject({ ok: false, pause: 'retry-after' });
  });
});

describe.skipIf(!url)('redisStore against Redis', () => {
  let io: Redis;
  let nodeRedis: ReturnType<typeof createClient>;
  const prefixes: string[] = [];
  const prefix = () => {
    const p = `test:rl:${randomUUID()}:`;
    prefixes.push(p);
    return p;
  };

  beforeAll(async () => {
    io = new Redis(url as string);
    nodeRedis = createClient({ url: url as string });
    await nodeRedis.connect();
  });

  afterAll(async () => {
    for (const p of prefixes) {
      const keys = await io.keys(`${p}*`);
      if (keys.length > 0) await io.del(...keys);
    }
    await io.quit();
    await nodeRedis.quit();
  });

  for (const kind of ['ioredis', 'node-redis'] as const) {
    it(`${kind}: strict sliding log, atomic multi-policy, exact waits, TTLs`, async () => {
      const p = prefix();
      const store = redisStore({ client: kind === 'ioredis' ? io : nodeRedis, prefix: p });
      const two = [
        { limit: 2, intervalMs: 1000 },
        { limit: 3, intervalMs: 60_000 },
      ];
      const a = await store.tryAcquire('k', two, 1, 0);
      const b = await store.tryAcquire('k', two, 1, 0);
      const c = await store.tryAcquire('k', two, 1, 0);
      expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
      expect(c).toMatchObject({ policyIndex: 0 });
      if (!c.ok) expect(c.retryInMs).toBeGreaterThan(900);
      // The refused call charged nothing: policy 1 holds 2 grants, not 3.
      expect(await io.zcard(`${p}{k}:p:3:60000:0`)).toBe(2);
      const ttl = await io.pttl(`${p}{k}:p:2:1000:0`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000); // refreshed to 2 intervals when under 1
      // No sequence key: log members are unique without one, and every key left has a TTL.
      expect(await io.exists(`${p}{k}:seq`)).toBe(0);
      expect(await io.pttl(`${p}{k}:p:3:60000:0`)).toBeGreaterThan(60_000);
      const members = await io.zrange(`${p}{k}:p:3:60000:0`, 0, -1);
      expect(new Set(members).size).toBe(2);
    });
  }

  it('GCRA with burst in Redis', async () => {
    const store = redisStore({ client: io, prefix: prefix() });
    const gcra = [{ limit: 10, intervalMs: 1000, burst: 2 }];
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await store.tryAcquire('g', gcra, 1, 0));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    const last = results[2];
    if (last && !last.ok) expect(last.retryInMs).toBeLessThanOrEqual(100);
  });

  it('GCRA charges a fractional cost as it is, deciding as the in-memory store does', async () => {
    // Rounding costs up is only needed for sliding logs (one member per unit); a GCRA policy
    // is one number, and rounding 0.5 up to 1 halved what it admitted next to memoryStore.
    const gcra = [{ limit: 60, intervalMs: 600_000, burst: 2 }];
    const mixed = [gcra[0] as RateLimitPolicy, { limit: 10, intervalMs: 600_000 }];
    for (const list of [gcra, mixed]) {
      const store = redisStore({ client: io, prefix: prefix() });
      const local = memoryStore();
      const costs = [0.5, 0.5, 0.5, 0.5, 0.5];
      const remote = [];
      const expected = [];
      for (const cost of costs) {
        remote.push((await store.tryAcquire('f', list, cost, 0)).ok);
        expected.push(local.tryAcquire('f', list, cost, Date.now()).ok);
      }
      expect(expected).toEqual([true, true, true, true, false]);
      expect(remote).toEqual(expected);
      const batch = redisStore({ client: io, prefix: prefix() });
      expect(await batch.tryAcquireMany('f', list, costs, 0)).toMatchObject({ granted: 4 });
    }
  });

  it('pauses are shared through Redis, never shortened, and expire', async () => {
    const p = prefix();
    const one = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: redisStore({ client: io, prefix: p }),
    });
    const other = redisStore({ client: nodeRedis, prefix: p });
    one.pause('host', 5000, 'retry-after');
    await new Promise((r) => setTimeout(r, 20));
    await other.pause('host', 100, 'server-remaining', 0);
    const answer = await other.tryAcquire('host', [], 1, 0);
    expect(answer).toMatchObject({ ok: false, policyIndex: -1, pause: 'retry-after' });
    if (!answer.ok) expect(answer.retryInMs).toBeGreaterThan(4000);
    await other.pause('short', 200, 'server-remaining', 0);
    expect(await other.tryAcquire('short', [], 1, 0)).toMatchObject({ pause: 'server-remaining' });
    const ttl = await io.pttl(`${p}{host}:pause`);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it('every key of one limiter key shares one non-empty Cluster hash tag, even the empty key', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const mixed = [
      { limit: 5, intervalMs: 1000 },
      { limit: 5, intervalMs: 1000, burst: 2 },
    ];
    for (const key of ['', '~', '~x', 'a']) {
      expect((await store.tryAcquire(key, mixed, 1, 0)).ok).toBe(true);
      await store.pause(key, 60_000, 'retry-after', 0);
    }
    // Redis Cluster hashes only what is between the first `{` and the next `}`, when that is
    // not empty; otherwise the whole name (so one acquire's keys could land in other slots).
    const byTag = new Map<string, string[]>();
    for (const name of await io.keys(`${p}*`)) {
      const open = name.indexOf('{', p.length);
      const close = name.indexOf('}', open + 1);
      const tag = close > open + 1 ? name.slice(open + 1, close) : `(none) ${name}`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), name]);
    }
    // Four limiter keys, four distinct tags, each holding its pause, sliding log and GCRA value.
    expect([...byTag.keys()].sort()).toEqual(['a', '~', '~~', '~~x']);
    for (const names of byTag.values()) expect(names).toHaveLength(3);
  });

  it('sends EVAL once, then EVALSHA, falling back to EVAL on NOSCRIPT', async () => {
    const commands: string[] = [];
    let evalshas = 0;
    const adapter: RedisEvalAdapter = (command, shaOrSource, keys, args) => {
      commands.push(command);
      if (command === 'evalsha') {
        evalshas++;
        const sha = evalshas === 1 ? '0000000000000000000000000000000000000000' : shaOrSource;
        return io.evalsha(sha, keys.length, ...keys, ...args);
      }
      return io.eval(shaOrSource, keys.length, ...keys, ...args);
    };
    const store = redisStore({ client: adapter, prefix: prefix() });
    expect(await store.tryAcquire('n', policies, 1, 0)).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 5)); // the script's SHA-1 is computed in the background
    expect(await store.tryAcquire('n', policies, 1, 0)).toMatchObject({ ok: true });
    expect(await store.tryAcquire('n', policies, 1, 0)).toMatchObject({ ok: true });
    expect(await store.tryAcquire('n', policies, 1, 0)).toMatchObject({
      ok: false,
      policyIndex: 0,
    });
    expect(commands).toEqual(['eval', 'evalsha', 'eval', 'evalsha', 'evalsha']);
  });

  it('computes the SHA-1 again when computing it failed', async () => {
    const commands: string[] = [];
    const adapter: RedisEvalAdapter = (command, shaOrSource, keys, args) => {
      commands.push(command);
      return command === 'evalsha'
        ? io.evalsha(shaOrSource, keys.length, ...keys, ...args)
        : io.eval(shaOrSource, keys.length, ...keys, ...args);
    };
    const digest = vi
      .spyOn(globalThis.crypto.subtle, 'digest')
      .mockRejectedValueOnce(new Error('no digest'));
    try {
      const store = redisStore({ client: adapter, prefix: prefix() });
      const wide = [{ limit: 10, intervalMs: 1000 }];
      expect(await store.tryAcquire('s', wide, 1, 0)).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.tryAcquire('s', wide, 1, 0)).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.tryAcquire('s', wide, 1, 0)).toMatchObject({ ok: true });
      expect(commands).toEqual(['eval', 'eval', 'evalsha']);
    } finally {
      digest.mockRestore();
    }
  });

  it('charges cost > 1 as that many log entries', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const five = [{ limit: 5, intervalMs: 1000 }];
    expect(await store.tryAcquire('c', five, 2.5, 0)).toMatchObject({ ok: true });
    expect(await io.zcard(`${p}{c}:p:5:1000:0`)).toBe(3);
    expect(await store.tryAcquire('c', five, 3, 0)).toMatchObject({ ok: false, policyIndex: 0 });
    expect(await store.tryAcquire('c', five, 2, 0)).toMatchObject({ ok: true });
    expect(new Set(await io.zrange(`${p}{c}:p:5:1000:0`, 0, -1)).size).toBe(5);
  });

  it('trims expired log entries when they would refuse a grant, and every 32 units', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    // A 200 ms window: 41 acquires fit in it even on a loaded host (30 ms did not always).
    const short = [{ limit: 40, intervalMs: 200 }];
    const key = `${p}{t}:p:40:200:0`;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 10; i++) expect((await store.tryAcquire('t', short, 1, 0)).ok).toBe(true);
      await new Promise((r) => setTimeout(r, 210));
    }
    // 60 grants, never more than 10 in a window: expired ones were trimmed on the way.
    expect(await io.zcard(key)).toBeLessThanOrEqual(32 + 10);
    for (let i = 0; i < 40; i++) await store.tryAcquire('t', short, 1, 0);
    const full = await store.tryAcquire('t', short, 1, 0);
    expect(full).toMatchObject({ ok: false, policyIndex: 0 });
    await new Promise((r) => setTimeout(r, 210));
    expect(await store.tryAcquire('t', short, 1, 0)).toMatchObject({ ok: true });
    expect(await io.zcard(key)).toBe(1);
  });

  it('mixes GCRA and sliding-log policies, each reading its own state', async () => {
    const p = prefix();
    const store = redisStore({ client: io, prefix: p });
    const mixed = MIXED_POLICIES;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.tryAcquire('m', mixed, 1, 0));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results[3]).toMatchObject({ policyIndex: 2 });
    expect(Number(await io.get(`${p}{m}:p:10:1000:3`))).toBeGreaterThan(0);
    expect(await io.pttl(`${p}{m}:p:100:1000:5`)).toBeGreaterThan(0);
    expect(await io.zcard(`${p}{m}:p:4:60000:0`)).toBe(3);
  });

  it('reads integer replies handed over as strings (ioredis stringNumbers)', async () => {
    // With `stringNumbers`, ioredis turns the script's integer reply `1` into '1': a grant
    // (already charged in Redis) must not be read as a refusal with a NaN wait.
    const strings = new Redis(url as string, { stringNumbers: true });
    try {
      const p = prefix();
      const store = redisStore({ client: strings, prefix: p });
      const three = [{ limit: 3, intervalMs: 60_000 }];
      expect(await store.tryAcquire('s', three, 1, 0)).toMatchObject({ ok: true });
      expect(await store.tryAcquireMany('s', three, [1], 0)).toMatchObject({
        granted: 1,
        refused: undefined,
      });
      const last = await store.tryAcquireMany('s', three, [1, 1], 0);
      expect(last).toMatchObject({ granted: 1, refused: { ok: false, policyIndex: 0 } });
      expect(last.refused?.retryInMs).toBeGreaterThan(0);
      expect(await io.zcard(`${p}{s}:p:3:60000:0`)).toBe(3);
      const limiter = createRateLimiter({
        ...EXACT,
        policies: [{ limit: 2, intervalMs: 60_000 }],
        store: redisStore({ client: strings, prefix: prefix() }),
      });
      expect(await Promise.all([limiter.schedule(() => 'a'), limiter.schedule(() => 'b')])).toEqual(
        ['a', 'b'],
      );
    } finally {
      strings.disconnect();
    }
  });

  it('a reply it cannot read counts as a store failure', async () => {
    const store = redisStore({ client: async () => null, prefix: prefix() });
    await expect(store.tryAcquire('x', policies, 1, 0)).rejects.toBeInstanceOf(RateLimitStoreError);
  });

  it('fail-closed when node-redis is disconnected', async () => {
    const closed = createClient({ url: url as string });
    const store = redisStore({ client: closed, prefix: prefix() });
    await expect(store.tryAcquire('x', policies, 1, 0)).rejects.toBeInstanceOf(RateLimitStoreError);
  });

  it('a limiter over Redis: 4 worker processes together never exceed the limit', async () => {
    const p = prefix();
    // This repository's tsx and tsconfig (its paths map @brace/* to these sources), nothing outside.
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const tsconfig = fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url));
    const worker = fileURLToPath(new URL('./test-utils/worker.ts', import.meta.url));
    const runs = Array.from({ length: 4 }, () =>
      run(tsx, ['--tsconfig', tsconfig, worker, url as string, p, '50'], {
        timeout: 30_000,
      }),
    );
    const outputs = await Promise.all(runs);
    expect(outputs.map((o) => Number(o.stdout.trim()))).toEqual([50, 50, 50, 50]);
    // Every grant's Redis TIME, kept by the long policy.
    const entries = await io.zrange(`${p}{shared}:p:100000:120000:0`, 0, -1, 'WITHSCORES');
    const grants = entries.filter((_, i) => i % 2 === 1).map(Number);
    expect(grants).toHaveLength(200);
    expect(maxInWindow(grants, 1000)).toBeLessThanOrEqual(50);
    const span = (Math.max(...grants) - Math.min(...grants)) / 1000;
    // Throughput depends on this host's load (measured 46–49/s here): a loose floor.
    expect((200 - 50) / span).toBeGreaterThanOrEqual(50 * 0.85);
  }, 40_000);

  it('4 processes sharing one Redis limit at exactly a loopback provider’s limit (50/s): 1,000 requests earn 0 429s (defaults: units count until a window after each task settles)', async () => {
    const { rollingWindowProvider } = await import('../../rate-limit/src/test-utils/provider.js');
    const provider = await rollingWindowProvider(50, 1000);
    try {
      const p = prefix();
      const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
      const worker = fileURLToPath(new URL('./test-utils/paced-worker.ts', import.meta.url));
      const runs = Array.from({ length: 4 }, () =>
        run(
          tsx,
          [
            '--tsconfig',
            fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url)),
            worker,
            url as string,
            p,
            '250',
            provider.url,
            '50',
          ],
          { timeout: 90_000 },
        ),
      );
      const outputs = await Promise.all(runs);
      const ok = outputs.reduce((sum, o) => sum + Number(o.stdout.trim().split(' ')[0]), 0);
      // Every request ended; the provider never counted more than its limit in a rolling second,
      // and refused none: what it counts is arrivals, which come before each task settles, and
      // every unit counts in Redis until a window after its task settled (see `windowFrom`).
      expect(provider.stats.ok + provider.stats.rejected).toBe(1000);
      expect(provider.stats.ok).toBe(ok);
      expect(provider.stats.maxInWindow).toBeLessThanOrEqual(50);
      expect(provider.stats.rejected).toBe(0);
    } finally {
      await provider.close();
    }
  }, 100_000);
});
