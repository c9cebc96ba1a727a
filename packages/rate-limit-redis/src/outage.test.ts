import { randomUUID } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { manualClock, systemClock } from '@brace/core';
import { createRateLimiter } from '@brace/rate-limit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisOutageEvent } from './outage.js';
import {
  DEFAULT_PROBE_INTERVAL_MS,
  type RedisEvalAdapter,
  type RedisStoreErrorEvent,
  redisStore,
} from './redis-store.js';

/** Exact windows, no pacing: these tests check the store's arithmetic (the defaults are tested with the provider). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

const url = process.env.REDIS_URL;
const policies = [{ limit: 1_000, intervalMs: 1_000 }];

/** An adapter the test switches between hanging and answering (as Redis would: granted). */
function switchable() {
  const state = { up: false, calls: 0 };
  const client: RedisEvalAdapter = () => {
    state.calls++;
    return state.up ? Promise.resolve(1) : new Promise(() => {});
  };
  return { state, client };
}

describe('redisStore fail-open: one outage, detected once', () => {
  it('after the first timeout, answers locally at once and probes in the background until Redis is back', async () => {
    const clock = manualClock();
    const { state, client } = switchable();
    const outages: RedisOutageEvent[] = [];
    const errors: RedisStoreErrorEvent[] = [];
    const store = redisStore({
      client,
      onStoreError: 'fail-open',
      timeoutMs: 100,
      probeIntervalMs: 1_000,
      clock,
      onOutage: (e) => outages.push(e),
      onError: (e) => errors.push(e),
    });
    expect(DEFAULT_PROBE_INTERVAL_MS).toBe(1_000);
    const first = store.tryAcquire('k', policies, 1, 0);
    await clock.advance(100);
    await expect(first).resolves.toMatchObject({ ok: true }); // answered locally after the timeout
    expect(outages).toEqual([{ state: 'down', at: 100 }]);
    expect(errors).toHaveLength(1);
    // During the outage: answered at once (synchronously), no call to Redis.
    const callsAtDown = state.calls;
    for (let i = 0; i < 500; i++)
      expect(store.tryAcquire('k', policies, 1, 100)).toMatchObject({ ok: true });
    await expect(store.tryAcquireMany('k', policies, [1, 1], 100)).resolves.toMatchObject({
      granted: 2,
      refused: undefined,
    });
    expect(store.pause('k', 50, 'retry-after', 100)).toBeUndefined();
    expect(state.calls).toBe(callsAtDown);
    // A probe every second; while Redis hangs each probe times out and the outage goes on.
    await clock.advance(1_000);
    expect(state.calls).toBe(callsAtDown + 1);
    await clock.advance(100);
    await clock.advance(1_000);
    expect(state.calls).toBe(callsAtDown + 2);
    expect(outages).toHaveLength(1);
    expect(errors).toHaveLength(1); // probes are not store errors
    state.up = true;
    await clock.advance(100);
    await clock.advance(1_000);
    await Promise.resolve();
    expect(outages.map((e) => e.state)).toEqual(['down', 'up']);
    // Back to Redis.
    const calls = state.calls;
    await expect(store.tryAcquire('k', policies, 1, 3_000)).resolves.toMatchObject({ ok: true });
    expect(state.calls).toBe(calls + 1);
  });

  it('fail-closed keeps asking Redis on every call (and rejects each failure)', async () => {
    const clock = manualClock();
    const { state, client } = switchable();
    const store = redisStore({ client, timeoutMs: 100, clock, onOutage: () => {} });
    const calls = [1, 2].map(() =>
      Promise.resolve(store.tryAcquire('k', policies, 1, 0)).catch((e: unknown) => e),
    );
    await clock.advance(100);
    for (const call of calls) expect(String(await call)).toMatch(/fail-closed/);
    expect(state.calls).toBe(2);
  });
});

/** A TCP proxy to Redis that can be paused: while paused it holds every byte in both directions (a partition without resets), and delivers them on resume. */
async function pausableProxy(target: URL) {
  const links: Array<() => void> = [];
  const sockets: Socket[] = [];
  let paused = false;
  const forward = (from: Socket, to: Socket) => {
    const held: Buffer[] = [];
    from.on('data', (chunk: Buffer) => {
      if (paused) held.push(chunk);
      else to.write(chunk);
    });
    links.push(() => {
      for (const chunk of held.splice(0)) to.write(chunk);
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    forward(client, upstream);
    forward(upstream, client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    sockets.push(client, upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const flush of links) flush();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms),
    ),
  ]);
}

describe.skipIf(!url)('redisStore fail-open against a real Redis behind a paused proxy', () => {
  let direct: Redis;
  let proxy: Awaited<ReturnType<typeof pausableProxy>>;
  let io: Redis;
  const prefix = `test:rl:${randomUUID()}:`;

  beforeAll(async () => {
    direct = new Redis(url as string);
    proxy = await pausableProxy(new URL(url as string));
    const target = new URL(url as string);
    io = new Redis({ host: '127.0.0.1', port: proxy.port, password: target.password || undefined });
    await io.ping();
  });

  afterAll(async () => {
    proxy.resume();
    io.disconnect();
    await proxy.close();
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
    await direct.quit();
  });

  it('one timeout detects the outage; 200 acquires are then served locally at once; Redis is used again once it answers', async () => {
    let calls = 0;
    const client: RedisEvalAdapter = (command, shaOrSource, keys, args) => {
      calls++;
      return command === 'evalsha'
        ? io.evalsha(shaOrSource, keys.length, ...keys, ...args)
        : io.eval(shaOrSource, keys.length, ...keys, ...args);
    };
    let up!: () => void;
    const back = new Promise<void>((resolve) => (up = resolve));
    const outages: string[] = [];
    const store = redisStore({
      client,
      prefix,
      onStoreError: 'fail-open',
      timeoutMs: 300,
      probeIntervalMs: 100,
      onOutage: ({ state }) => {
        outages.push(state);
        if (state === 'up') up();
      },
    });
    const limiter = createRateLimiter({ ...EXACT, policies, store });
    for (let i = 0; i < 20; i++) await limiter.schedule(() => i, { key: 'shared' });
    expect(calls).toBe(20);

    proxy.pause();
    const callsBefore = calls;
    const started = systemClock.now();
    for (let i = 0; i < 200; i++) await limiter.schedule(() => i, { key: 'shared' });
    const elapsed = systemClock.now() - started;
    expect(outages).toEqual(['down']);
    // One acquire waited for its timeout; the other 199 never asked Redis (only probes did).
    const acquireCalls = calls - callsBefore;
    const probes = Math.ceil(elapsed / 100) + 1;
    expect(acquireCalls).toBeLessThanOrEqual(1 + probes);
    // Each of the 200 waiting for its own timeout would take 60 s.
    expect(elapsed).toBeLessThan(300 * 5);

    proxy.resume();
    await within(back, 5_000, 'the probe seeing Redis again');
    expect(outages).toEqual(['down', 'up']);
    const callsUp = calls;
    await limiter.schedule(() => 'again', { key: 'shared' });
    expect(calls).toBe(callsUp + 1);
    expect(await direct.exists(`${prefix}{shared}:p:1000:1000:0`)).toBe(1);
  }, 20_000);

  it('a stall of this process longer than the timeout does not turn a reply already there into a timeout', async () => {
    const store = redisStore({ client: direct, prefix, timeoutMs: 50 });
    const pending = store.tryAcquire('stall', policies, 1, Date.now());
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // A 150 ms stall (GC, a busy event loop): Redis answers meanwhile.
    }
    await expect(pending).resolves.toMatchObject({ ok: true });
  });
});
