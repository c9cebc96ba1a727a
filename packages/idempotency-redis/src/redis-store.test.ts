import { randomUUID } from 'node:crypto';
import { isBraceError, manualClock } from '@brace/core';
import {
  IdempotencyOptionError,
  IdempotencyStoreError as SharedStoreError,
} from '@brace/idempotency';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_REDIS_PREFIX,
  fromIoredis,
  fromNodeRedis,
  IdempotencyStoreError,
  type RedisClientLike,
  type RedisScriptRunner,
  redisStore,
} from './index.js';
import {
  connectIoredis,
  connectNodeRedis,
  deletePrefix,
  type NodeRedisClient,
} from './test-utils/clients.js';
import { randomPrefix, serverUrl } from './test-utils/env.js';

const url = serverUrl('REDIS_URL', 'Redis adapter');
const LONG = { lockTtlMs: 60_000, ttlMs: 600_000 };
const stored = {
  status: 201,
  headers: [['content-type', 'application/json']] as Array<[string, string]>,
  body: new Uint8Array([0, 0xff, 0x80, 10, 13, 0x7f]),
};

async function rejection(promise: Promise<unknown>): Promise<IdempotencyStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdempotencyStoreError);
  // One class for every adapter, exported by @brace/idempotency.
  expect(error).toBeInstanceOf(SharedStoreError);
  expect((error as IdempotencyStoreError).store).toBe('Redis');
  expect(isBraceError(error, 'IDEMPOTENCY_STORE_ERROR')).toBe(true);
  return error as IdempotencyStoreError;
}

describe('options', () => {
  it('rejects a client it cannot drive, naming the option', () => {
    for (const client of [undefined, null, {}, { eval: () => Promise.resolve() }]) {
      expect(() => redisStore({ client: client as unknown as RedisClientLike })).toThrow(
        IdempotencyOptionError,
      );
    }
    expect(() => redisStore({ client: {} as RedisClientLike })).toThrow(/`client`/);
  });

  it('rejects a prefix that is not a string of at most 1024 characters', () => {
    const runner: RedisScriptRunner = { runScript: () => Promise.resolve(0) };
    expect(() => redisStore({ client: runner, prefix: 'x'.repeat(1025) })).toThrow(/`prefix`/);
    expect(() => redisStore({ client: runner, prefix: 42 as unknown as string })).toThrow(
      IdempotencyOptionError,
    );
    expect(() => redisStore({ client: runner, prefix: 'x'.repeat(1024) })).not.toThrow();
    expect(() => redisStore({ client: runner, prefix: '' })).not.toThrow();
  });
});

describe('a custom RedisScriptRunner', () => {
  it('receives one script per operation with one key, and its replies are used', async () => {
    const calls: Array<{ sha1: string; keys: string[]; args: string[] }> = [];
    const replies: unknown[] = [['p', 1234], 1, 0];
    const runner: RedisScriptRunner = {
      runScript(script, keys, args) {
        calls.push({ sha1: script.sha1, keys, args });
        return Promise.resolve(replies.shift());
      },
    };
    const clock = manualClock({ now: 5_000 });
    const store = redisStore({ client: runner, clock });
    const where = { scope: 'POST /a:b', key: 'k:1' };
    expect(await store.begin(where, 'fp', { lockTtlMs: 100, ttlMs: 1_000.5 })).toEqual({
      status: 'in-progress',
      retryAfterMs: 1234,
    });
    expect(await store.complete(where, 'tok', stored, { ttlMs: 2_000 })).toBe(true);
    expect(await store.release(where, 'tok')).toBe(false);
    const key = `${DEFAULT_REDIS_PREFIX}9:POST /a:b:k:1`;
    expect(calls.map((c) => c.keys)).toEqual([[key], [key], [key]]);
    expect(new Set(calls.map((c) => c.sha1)).size).toBe(3);
    expect(calls[0]?.args).toEqual([
      expect.stringMatching(/^p 5100 6000\.5 [0-9a-f-]{36} fp$/),
      '5000',
      '1001',
    ]);
    expect(calls[1]?.args).toEqual([
      'tok',
      '5000',
      '201',
      '[["content-type","application/json"]]',
      'AP+ACg1/',
      '7000',
      '2000',
    ]);
    expect(calls[2]?.args).toEqual(['tok', '5000']);
  });

  it('an unrecognised reply rejects with IdempotencyStoreError, not a wrong outcome', async () => {
    for (const reply of [null, 'OK', ['x'], []]) {
      const store = redisStore({ client: { runScript: () => Promise.resolve(reply) } });
      const error = await rejection(store.begin({ scope: 's', key: 'k' }, 'fp', LONG));
      expect(error.operation).toBe('begin');
      expect(error.cause).toMatchObject({ name: 'TypeError' });
    }
  });

  it('a runner that throws rejects with IdempotencyStoreError carrying the cause', async () => {
    const cause = new Error('socket hang up');
    const store = redisStore({ client: { runScript: () => Promise.reject(cause) } });
    for (const [operation, call] of [
      ['begin', () => store.begin({ scope: 's', key: 'k' }, 'fp', LONG)],
      ['complete', () => store.complete({ scope: 's', key: 'k' }, 'tok', stored, { ttlMs: 1 })],
      ['release', () => store.release({ scope: 's', key: 'k' }, 'tok')],
    ] as const) {
      const error = await rejection(call());
      expect(error.operation).toBe(operation);
      expect(error.cause).toMatchObject({ name: 'Error', message: 'socket hang up' });
      expect(error.message).not.toContain('tok');
    }
  });
});

describe.skipIf(!url)('on a real server', () => {
  let io: Redis;
  let nr: NodeRedisClient;
  const prefix = randomPrefix('adapter');
  beforeAll(async () => {
    io = await connectIoredis(url as string);
    nr = await connectNodeRedis(url as string);
  });
  afterAll(async () => {
    if (io) {
      await deletePrefix(io, prefix);
      io.disconnect();
    }
    nr?.destroy();
  });

  it('keeps one string per record with PX expiry, in the documented layout', async () => {
    const clock = manualClock({ now: 1_000_000 });
    const store = redisStore({ client: io, prefix, clock });
    const where = { scope: 'tenant-1 POST /orders', key: 'key:1' };
    const key = `${prefix}21:tenant-1 POST /orders:key:1`;
    const fingerprint = 'fp with spaces\nand a newline';
    const begun = await store.begin(where, fingerprint, { lockTtlMs: 30_000, ttlMs: 86_400_000 });
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    expect(await io.type(key)).toBe('string');
    expect(await io.get(key)).toBe(`p 1030000 87400000 ${begun.token} ${fingerprint}`);
    const pttl = await io.pttl(key);
    expect(pttl).toBeGreaterThan(86_000_000);
    expect(pttl).toBeLessThanOrEqual(86_400_000);

    const headers: Array<[string, string]> = [
      ['content-type', 'application/json'],
      ['x-note', 'caf\u00e9 1 2'],
    ];
    const json = JSON.stringify(headers);
    const record = { ...stored, headers };
    expect(await store.complete(where, begun.token, record, { ttlMs: 3_600_000 })).toBe(true);
    const body = Buffer.from(stored.body).toString('base64');
    expect(await io.get(key)).toBe(
      `c 4600000 201 ${body} ${Buffer.byteLength(json)} ${json}${fingerprint}`,
    );
    expect(await io.pttl(key)).toBeLessThanOrEqual(3_600_000);
    expect(await store.release(where, begun.token)).toBe(false);
    expect(await store.begin(where, fingerprint, LONG)).toEqual({ status: 'completed', record });
    expect(await store.begin(where, `${fingerprint} `, LONG)).toEqual({ status: 'mismatch' });
  });

  it('an empty body, empty headers and an empty fingerprint round-trip', async () => {
    const store = redisStore({ client: nr, prefix });
    const where = { scope: randomUUID(), key: 'k' };
    const begun = await store.begin(where, '', LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    expect(await store.begin(where, '', LONG)).toMatchObject({ status: 'in-progress' });
    expect(await store.begin(where, 'x', LONG)).toEqual({ status: 'mismatch' });
    const empty = { status: 204, headers: [] as Array<[string, string]>, body: new Uint8Array() };
    expect(await store.complete(where, begun.token, empty, LONG)).toBe(true);
    expect(await store.begin(where, '', LONG)).toEqual({ status: 'completed', record: empty });
    expect(await store.begin(where, 'x', LONG)).toEqual({ status: 'mismatch' });
  });

  it.each([
    ['ioredis', () => io as RedisClientLike],
    ['node-redis', () => nr as RedisClientLike],
  ])(
    '%s: a string that is not a record is an error for begin, never a claim',
    async (_, client) => {
      const store = redisStore({ client: client(), prefix });
      const where = { scope: randomUUID(), key: 'k' };
      const key = `${prefix}${where.scope.length}:${where.scope}:k`;
      await io.set(key, 'not a record', 'PX', 60_000);
      const error = await rejection(store.begin(where, 'fp', LONG));
      expect(String((error.cause as Error).message)).toContain('not an idempotency record');
      expect(await store.complete(where, 'tok', stored, LONG)).toBe(false);
      expect(await store.release(where, 'tok')).toBe(false);
      expect(await io.get(key)).toBe('not a record');
    },
  );

  it('judges lock and record expiry by the injected clock', async () => {
    const clock = manualClock({ now: 0 });
    const store = redisStore({ client: nr, prefix, clock });
    const where = { scope: randomUUID(), key: 'k' };
    const first = await store.begin(where, 'fp', { lockTtlMs: 1_000, ttlMs: 600_000 });
    await clock.advance(400);
    expect(await store.begin(where, 'fp', LONG)).toEqual({
      status: 'in-progress',
      retryAfterMs: 600,
    });
    await clock.advance(600);
    const second = await store.begin(where, 'other-fp', LONG);
    expect(second.status).toBe('acquired');
    if (first.status !== 'acquired' || second.status !== 'acquired')
      throw new Error('expected acquired');
    expect(await store.release(where, first.token)).toBe(false);
    expect(await store.complete(where, second.token, stored, { ttlMs: 5_000 })).toBe(true);
    await clock.advance(4_999);
    expect((await store.begin(where, 'other-fp', LONG)).status).toBe('completed');
    await clock.advance(1);
    // Logically expired (the server's PX has not fired yet): complete/release see nothing.
    expect(await store.release(where, second.token)).toBe(false);
    expect(await store.complete(where, second.token, stored, { ttlMs: 5_000 })).toBe(false);
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');
    // The fresh claim replaced the old completed record whole.
    const raw = await io.get(`${prefix}${where.scope.length}:${where.scope}:k`);
    expect(raw).toMatch(/^p 66000 606000 [0-9a-f-]{36} fp$/);
  });

  it('works with an ioredis client that returns numbers as strings (stringNumbers)', async () => {
    const { Redis: IORedis } = await import('ioredis');
    const strings = new IORedis(url as string, { stringNumbers: true, lazyConnect: true });
    await strings.connect();
    try {
      const store = redisStore({ client: strings, prefix });
      const where = { scope: randomUUID(), key: 'string-numbers' };
      const begun = await store.begin(where, 'fp', LONG);
      if (begun.status !== 'acquired') throw new Error(`expected acquired, got ${begun.status}`);
      expect(await store.begin(where, 'fp', LONG)).toMatchObject({ status: 'in-progress' });
      expect(await store.complete(where, begun.token, stored, { ttlMs: 60_000 })).toBe(true);
      expect(await store.begin(where, 'fp', LONG)).toEqual({ status: 'completed', record: stored });
    } finally {
      strings.disconnect();
    }
  });

  it('ioredis and node-redis clients share records under the same prefix', async () => {
    const a = redisStore({ client: io, prefix });
    const b = redisStore({ client: nr, prefix });
    const where = { scope: randomUUID(), key: 'shared' };
    const begun = await a.begin(where, 'fp', LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    expect(await b.complete(where, begun.token, stored, { ttlMs: 60_000 })).toBe(true);
    expect(await a.begin(where, 'fp', LONG)).toEqual({ status: 'completed', record: stored });
  });

  it.each([
    ['ioredis', () => fromIoredis(io)],
    ['node-redis', () => fromNodeRedis(nr)],
  ])(
    '%s: falls back to EVAL when the script is not cached (NOSCRIPT), then uses EVALSHA',
    async (_, make) => {
      const runner = make();
      const source = `return {KEYS[1], ARGV[1], '${randomUUID()}'}`;
      const { createHash } = await import('node:crypto');
      const script = { source, sha1: createHash('sha1').update(source).digest('hex') };
      expect(await io.script('EXISTS', script.sha1)).toEqual([0]);
      const first = (await runner.runScript(script, [`${prefix}x`], ['arg'])) as string[];
      expect(first.slice(0, 2)).toEqual([`${prefix}x`, 'arg']);
      expect(await io.script('EXISTS', script.sha1)).toEqual([1]);
      expect(await runner.runScript(script, [`${prefix}x`], ['again'])).toEqual([
        `${prefix}x`,
        'again',
        first[2],
      ]);
    },
  );

  it.each([
    ['ioredis', () => io as RedisClientLike],
    ['node-redis', () => nr as RedisClientLike],
  ])(
    '%s: a server error (WRONGTYPE) rejects with IdempotencyStoreError and its cause',
    async (_, client) => {
      const store = redisStore({ client: client(), prefix });
      const where = { scope: randomUUID(), key: 'k' };
      await io.hset(`${prefix}${where.scope.length}:${where.scope}:k`, 'f', 'not a string');
      const error = await rejection(store.begin(where, 'fp', LONG));
      expect(String((error.cause as Error).message)).toContain('WRONGTYPE');
    },
  );

  describe.each([
    ['ioredis', 'ioredis'],
    ['node-redis', 'node-redis'],
  ] as const)('fault: %s connection killed between begin and complete', (_, kind) => {
    it('fails with a typed error, frees the key after lockTtlMs, runs the work once per claim', async () => {
      const clock = manualClock({ now: 0 });
      const options = { lockTtlMs: 500, ttlMs: 60_000 };
      const where = { scope: randomUUID(), key: 'k' };
      let executions = 0;

      let victimId: number;
      let victim: RedisClientLike;
      let close: () => void;
      if (kind === 'ioredis') {
        const client = await connectIoredis(url as string, true);
        victimId = Number(await client.client('ID'));
        victim = client;
        close = () => client.disconnect();
      } else {
        const client = await connectNodeRedis(url as string, true);
        victimId = await client.clientId();
        victim = client;
        close = () => {
          if (client.isOpen) client.destroy();
        };
      }
      const dying = redisStore({ client: victim, prefix, clock });
      const begun = await dying.begin(where, 'fp', options);
      if (begun.status !== 'acquired') throw new Error('expected acquired');
      executions += 1; // the work runs under the claim

      expect(await io.client('KILL', 'ID', String(victimId))).toBe(1);
      const error = await rejection(dying.complete(where, begun.token, stored, { ttlMs: 60_000 }));
      expect(error.operation).toBe('complete');
      expect(error.cause).toBeInstanceOf(Error);
      close();

      const healthy = redisStore({ client: nr, prefix, clock });
      async function attempt(): Promise<string> {
        const result = await healthy.begin(where, 'fp', options);
        if (result.status === 'acquired') {
          executions += 1;
          expect(await healthy.complete(where, result.token, stored, { ttlMs: 60_000 })).toBe(true);
        }
        return result.status;
      }
      // While the dead claim's lock holds, retries never run the work.
      expect(await Promise.all([attempt(), attempt(), attempt()])).toEqual([
        'in-progress',
        'in-progress',
        'in-progress',
      ]);
      expect(executions).toBe(1);
      await clock.advance(500);
      // Then exactly one of the concurrent retries takes over.
      const statuses = await Promise.all([attempt(), attempt(), attempt(), attempt()]);
      expect(statuses.filter((s) => s === 'acquired')).toHaveLength(1);
      expect(executions).toBe(2);
      expect(await attempt()).toBe('completed');
      expect(executions).toBe(2);
      // The dead owner's token is powerless.
      expect(await healthy.complete(where, begun.token, stored, { ttlMs: 60_000 })).toBe(false);
    });
  });
});
