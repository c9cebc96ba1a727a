import { createHash } from 'node:crypto';
import { CacheOptionError, CacheStoreError, createCache } from '@brace/cache';
import { runCacheStoreConformance } from '@brace/cache/testing';
import type { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Codec } from './base64.js';
import { redisStore } from './index.js';
import * as scripts from './scripts.js';
import { connect, deletePrefix, randomPrefix, redisUrl } from './test-utils/env.js';

const url = redisUrl('Redis cache store');

describe('scripts', () => {
  it('carry the SHA-1 of their source', () => {
    for (const script of [
      scripts.GET_SCRIPT,
      scripts.SET_SCRIPT,
      scripts.DEL_SCRIPT,
      scripts.LOCK_SCRIPT,
      scripts.UNLOCK_SCRIPT,
    ]) {
      expect(createHash('sha1').update(script.source).digest('hex')).toBe(script.sha1);
    }
  });
});

describe('base64 without Buffer', () => {
  it('round-trips every byte value, also past one chunk', () => {
    const web = base64Codec(undefined);
    const node = base64Codec(Buffer);
    const bytes = new Uint8Array(70_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 256;
    const text = web.encode(bytes);
    expect(text).toBe(node.encode(bytes));
    expect([...web.decode(text)]).toEqual([...bytes]);
  });
});

describe('options', () => {
  it('rejects a client of no known shape and an overlong prefix', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(CacheOptionError);
    expect(() =>
      redisStore({ client: { runScript: async () => null }, prefix: 'x'.repeat(1025) }),
    ).toThrow(/prefix/);
  });

  it('wraps a failing runner and an unreadable value in CacheStoreError', async () => {
    const failing = redisStore({ client: { runScript: () => Promise.reject(new Error('down')) } });
    await expect(failing.get('k')).rejects.toThrow(CacheStoreError);
    const garbage = redisStore({ client: { runScript: async () => 'no newline here' } });
    await expect(garbage.get('k')).rejects.toThrow(CacheStoreError);
  });
});

describe.skipIf(!url)('redisStore on a real server', () => {
  let io: Redis;
  const ioPrefix = randomPrefix('conformance-io');
  runCacheStoreConformance(
    'redisStore (ioredis)',
    async () => {
      io = await connect(url as string);
      return redisStore({ client: io, prefix: ioPrefix });
    },
    {
      shortTtlMs: 250,
      teardown: async () => {
        await deletePrefix(io, ioPrefix);
        io.disconnect();
      },
    },
  );

  const nrPrefix = randomPrefix('conformance-nr');
  let nr: ReturnType<typeof createClient>;
  runCacheStoreConformance(
    'redisStore (node-redis)',
    async () => {
      nr = createClient({ url });
      nr.on('error', () => {});
      await nr.connect();
      return redisStore({ client: nr, prefix: nrPrefix });
    },
    {
      shortTtlMs: 250,
      teardown: async () => {
        const cleaner = await connect(url as string);
        await deletePrefix(cleaner, nrPrefix);
        cleaner.disconnect();
        nr.destroy();
      },
    },
  );

  describe('with the cache', () => {
    let client: Redis;
    const prefix = randomPrefix('cache');
    beforeAll(async () => {
      client = await connect(url as string);
    });
    afterAll(async () => {
      await deletePrefix(client, prefix);
      client.disconnect();
    });

    it('falls back to EVAL when the server answers NOSCRIPT', async () => {
      let evalshaCalls = 0;
      const forgetful = {
        evalsha: () => {
          evalshaCalls++;
          return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
        },
        eval: (source: string, numkeys: number, ...rest: string[]) =>
          client.eval(source, numkeys, ...rest),
      };
      const store = redisStore({ client: forgetful, prefix });
      await store.set(
        'k',
        {
          meta: {
            v: 1,
            kind: 'http',
            status: 200,
            storedAt: 0,
            policy: {},
            vary: null,
            noStale: false,
          },
          body: new Uint8Array([1]),
        },
        10_000,
      );
      expect((await store.get('k'))?.body[0]).toBe(1);
      expect(evalshaCalls).toBe(2);
      const broken = redisStore({
        client: { evalsha: () => Promise.reject(new Error('WRONGTYPE')), eval: forgetful.eval },
        prefix,
      });
      await expect(broken.get('k')).rejects.toThrow(CacheStoreError);
    });

    it('node-redis: falls back to EVAL on NOSCRIPT', async () => {
      const nr = createClient({ url });
      nr.on('error', () => {});
      await nr.connect();
      let evalShaCalls = 0;
      const forgetful = {
        evalSha: () => {
          evalShaCalls++;
          return Promise.reject(new Error('NOSCRIPT No matching script.'));
        },
        eval: (source: string, options: { keys: string[]; arguments: string[] }) =>
          nr.eval(source, options),
      };
      const store = redisStore({ client: forgetful, prefix });
      expect(await store.lock?.('nr-lock', 10_000)).toBeTypeOf('string');
      expect(evalShaCalls).toBe(1);
      const broken = redisStore({
        client: { evalSha: () => Promise.reject(new Error('WRONGTYPE')), eval: forgetful.eval },
        prefix,
      });
      await expect(broken.delete('x')).rejects.toThrow(CacheStoreError);
      nr.destroy();
    });

    it('a lost connection degrades to no caching with events', async () => {
      const fragile = await connect(url as string, true);
      const events: string[] = [];
      const cache = createCache({
        store: redisStore({ client: fragile, prefix }),
        onStoreError: (e) => events.push(e.operation),
      });
      fragile.disconnect();
      const answer = await cache.handle(
        new Request('https://x.test/a'),
        async () => new Response('ok', { headers: { 'cache-control': 'max-age=60' } }),
      );
      expect(await answer.text()).toBe('ok');
      expect(events).toEqual(['get', 'lock', 'set']);
    });
  });
});
