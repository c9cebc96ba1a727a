import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { customGrant } from '@brace/auth';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientOptionError, defineIntegration } from './index.js';
import { serverUrl, unique } from './test-utils/env.js';
import { type Loopback, loopback } from './test-utils/server.js';

const redisUrl = serverUrl('REDIS_URL', 'shared Redis');
const pgUrl = serverUrl('DATABASE_URL', 'shared PostgreSQL');

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Two integrations that share nothing but the store: stand-ins for two processes. */
function pair(make: () => ReturnType<typeof defineIntegration>) {
  return [make(), make()] as const;
}

describe.skipIf(!redisUrl)('shared: { redis } points every shared part at one Redis', () => {
  let redis: Redis;
  const prefix = `${unique('redis')}:`;
  beforeAll(() => {
    redis = new Redis(redisUrl as string);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('one rate limit across instances', async () => {
    server = await loopback({ 'GET /x': () => ({ body: {} }) });
    const url = server.url;
    const [a, b] = pair(() =>
      defineIntegration({
        name: 'fleet',
        baseUrl: url,
        shared: { redis, prefix: `${prefix}limit:` },
        rateLimit: { policies: [{ limit: 2, intervalMs: 60_000 }], maxWaitMs: 0 },
        retry: false,
      }),
    );
    await a.get('x');
    await b.get('x');
    await expect(b.get('x')).rejects.toMatchObject({ code: 'RATE_LIMIT_WAIT_TIMEOUT' });
    await expect(a.get('x')).rejects.toMatchObject({ code: 'RATE_LIMIT_WAIT_TIMEOUT' });
    expect(server.count('GET /x')).toBe(2);
  });

  /** Runs 3 worker processes of 4 calls each (maxWaitMs 0) under one shared 6 per minute. */
  async function workers(name: string, pacing: 'smooth' | 'burst'): Promise<number[]> {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const worker = fileURLToPath(new URL('./test-utils/worker.ts', import.meta.url));
    const run = promisify(execFile);
    const outputs = await Promise.all(
      Array.from({ length: 3 }, () =>
        run(
          `${root}node_modules/.bin/tsx`,
          [
            '--tsconfig',
            `${root}tsconfig.base.json`,
            worker,
            redisUrl as string,
            `${prefix}${name}:`,
            server?.url as string,
            '4',
            pacing,
          ],
          { timeout: 30_000 },
        ),
      ),
    );
    return outputs.map((o) => Number(o.stdout.trim()));
  }

  it('real processes: 3 workers x 4 calls under one limit of 6 make exactly 6 calls (burst windows)', async () => {
    server = await loopback({ 'GET /x': () => ({ body: {} }) });
    const passed = await workers('burst', 'burst');
    expect(passed.reduce((a, b) => a + b, 0)).toBe(6);
    expect(server.count('GET /x')).toBe(6);
  }, 40_000);

  it('real processes, default smooth pacing: each process starts once, then waits its 10 s spacing', async () => {
    // 6 per minute, paced, is one start per (60 s + 50 ms) / 6 per process: with maxWaitMs 0 the
    // second call of every process is refused long before the shared count of 6 is reached.
    server = await loopback({ 'GET /x': () => ({ body: {} }) });
    const passed = await workers('smooth', 'smooth');
    expect(passed).toEqual([1, 1, 1]);
    expect(server.count('GET /x')).toBe(3);
  }, 40_000);

  it('one cache across instances', async () => {
    server = await loopback({
      'GET /rates': () => ({ headers: { 'cache-control': 'max-age=60' }, body: { eur: 1.1 } }),
    });
    const url = server.url;
    const [a, b] = pair(() =>
      defineIntegration({
        name: 'fleet',
        baseUrl: url,
        shared: { redis, prefix: `${prefix}cache:` },
        cache: {},
      }),
    );
    expect(await a.get('rates').json()).toEqual({ eur: 1.1 });
    expect(await b.get('rates').json()).toEqual({ eur: 1.1 });
    expect(server.count('GET /rates')).toBe(1);
  });

  it('one OAuth token across instances', async () => {
    server = await loopback({ 'GET /me': (s) => ({ body: { auth: s.headers.authorization } }) });
    const url = server.url;
    let grants = 0;
    const grant = customGrant(async () => {
      grants++;
      return { accessToken: `t${grants}`, expiresIn: 3600 };
    });
    const refreshes: string[] = [];
    const [a, b] = pair(() =>
      defineIntegration({
        name: 'fleet',
        baseUrl: url,
        shared: { redis, prefix: `${prefix}auth:` },
        auth: { grant },
      }),
    );
    a.on('auth', (e) => refreshes.push(e.kind));
    expect(await a.get('me').json()).toEqual({ auth: 'Bearer t1' });
    expect(await b.get('me').json()).toEqual({ auth: 'Bearer t1' });
    expect(grants).toBe(1);
    expect(refreshes).toEqual(['refresh']);
  });
});

describe.skipIf(!pgUrl)('shared: { postgres } shares the OAuth token through a table', () => {
  let pool: pg.Pool;
  const table = unique('tokens');
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: pgUrl as string, max: 2 });
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });

  it('setup() creates the table once; one token for every instance', async () => {
    server = await loopback({ 'GET /me': (s) => ({ body: { auth: s.headers.authorization } }) });
    const url = server.url;
    let grants = 0;
    const grant = customGrant(async () => {
      grants++;
      return { accessToken: `p${grants}`, expiresIn: 3600 };
    });
    const [a, b] = pair(() =>
      defineIntegration({
        name: 'fleet-pg',
        baseUrl: url,
        shared: { postgres: pool, table },
        auth: { grant },
      }),
    );
    await Promise.all([a.setup(), b.setup()]);
    expect(await a.get('me').json()).toEqual({ auth: 'Bearer p1' });
    expect(await b.get('me').json()).toEqual({ auth: 'Bearer p1' });
    expect(grants).toBe(1);
  });
});

describe('shared options are checked', () => {
  it('rejects a Redis that is not a client', () => {
    expect(() =>
      defineIntegration({ name: 'x', baseUrl: 'http://127.0.0.1/', shared: { redis: 'redis://' } }),
    ).toThrow(ClientOptionError);
  });
});
