import { runTokenStoreConformance } from '@brace/auth/testing';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { fromIoredisSubscriber, redisTokenStore } from './index.js';
import { deletePrefix, randomPrefix, serverUrl } from './test-utils/env.js';

const url = serverUrl('REDIS_URL', 'Redis token store');

describe.skipIf(!url)('redisTokenStore on a real server', () => {
  let io: Redis;
  const ioPrefix = randomPrefix('conf-io');
  runTokenStoreConformance(
    'redisTokenStore (ioredis)',
    () => {
      io = new Redis(url as string);
      return redisTokenStore({ client: io, prefix: ioPrefix });
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        await deletePrefix(io, ioPrefix);
        io.disconnect();
      },
    },
  );

  const nrPrefix = randomPrefix('conf-nr');
  let nr: ReturnType<typeof createClient>;
  runTokenStoreConformance(
    'redisTokenStore (node-redis)',
    async () => {
      nr = createClient({ url: url as string });
      await nr.connect();
      return redisTokenStore({ client: nr, prefix: nrPrefix });
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        const cleaner = new Redis(url as string);
        await deletePrefix(cleaner, nrPrefix);
        cleaner.disconnect();
        await nr.quit();
      },
    },
  );

  let sub: Redis;
  let pub: Redis;
  const subPrefix = randomPrefix('conf-sub');
  runTokenStoreConformance(
    'redisTokenStore (ioredis, with a pub/sub subscriber)',
    () => {
      pub = new Redis(url as string);
      sub = new Redis(url as string);
      return redisTokenStore({
        client: pub,
        prefix: subPrefix,
        subscriber: fromIoredisSubscriber(sub),
      });
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        await deletePrefix(pub, subPrefix);
        pub.disconnect();
        sub.disconnect();
      },
    },
  );

  let nrPub: ReturnType<typeof createClient>;
  let nrSub: ReturnType<typeof createClient>;
  const nrSubPrefix = randomPrefix('conf-nr-sub');
  runTokenStoreConformance(
    'redisTokenStore (node-redis, with a pub/sub subscriber)',
    async () => {
      nrPub = createClient({ url: url as string });
      await nrPub.connect();
      nrSub = nrPub.duplicate();
      await nrSub.connect();
      return redisTokenStore({ client: nrPub, prefix: nrSubPrefix, subscriber: nrSub });
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        const cleaner = new Redis(url as string);
        await deletePrefix(cleaner, nrSubPrefix);
        cleaner.disconnect();
        await nrSub.quit();
        await nrPub.quit();
      },
    },
  );

  it('falls back to EVAL after SCRIPT FLUSH-like NOSCRIPT, and reads malformed records as empty', async () => {
    const client = new Redis(url as string);
    const prefix = randomPrefix('misc');
    let evalshaCalls = 0;
    const flaky = {
      evalsha: async () => {
        evalshaCalls++;
        throw new Error('NOSCRIPT No matching script.');
      },
      eval: (s: string, n: number, ...rest: string[]) => client.eval(s, n, ...rest),
    };
    const store = redisTokenStore({ client: flaky, prefix });
    const fence = (await store.lock('k', 1000)) as number;
    expect(fence).toBe(1);
    expect(evalshaCalls).toBe(1);
    await client.hset(`${prefix}{k}:state`, 'v', '1', 'token', '{not json');
    expect(await store.load('k')).toEqual({ version: 1, token: undefined, pending: undefined });
    await client.hset(`${prefix}{k}:state`, 'token', '{"accessToken":1}');
    expect((await store.load('k'))?.token).toBeUndefined();
    await client.hset(`${prefix}{k}:state`, 'token', '{"accessToken":"a","expiresAt":5}');
    expect((await store.load('k'))?.token).toEqual({
      accessToken: 'a',
      tokenType: 'bearer',
      expiresAt: 5,
      issuedAt: undefined,
      refreshToken: undefined,
    });
    const other = redisTokenStore({
      client: { evalsha: async () => Promise.reject(new Error('READONLY')), eval: flaky.eval },
      prefix,
    });
    await expect(other.lock('z', 10)).rejects.toThrow('READONLY');
    await deletePrefix(client, prefix);
    client.disconnect();
  });

  it('node-redis NOSCRIPT fallback and a runner client', async () => {
    const client = new Redis(url as string);
    const prefix = randomPrefix('nr');
    const nrLike = {
      evalSha: async () => Promise.reject(new Error('NOSCRIPT')),
      eval: (s: string, o: { keys: string[]; arguments: string[] }) =>
        client.eval(s, o.keys.length, ...o.keys, ...o.arguments),
    };
    expect(await redisTokenStore({ client: nrLike, prefix }).lock('a', 100)).toBe(1);
    const failing = {
      evalSha: async () => Promise.reject(new Error('LOADING')),
      eval: nrLike.eval,
    };
    await expect(redisTokenStore({ client: failing, prefix }).lock('b', 100)).rejects.toThrow(
      'LOADING',
    );
    await deletePrefix(client, prefix);
    client.disconnect();
  });
});

describe('redisTokenStore options', () => {
  it('rejects a client it cannot drive and a bad prefix', () => {
    expect(() => redisTokenStore({ client: {} as never })).toThrow(/client/);
    expect(() =>
      redisTokenStore({ client: { runScript: async () => 0 }, prefix: 'x'.repeat(2000) }),
    ).toThrow(/prefix/);
  });
});
