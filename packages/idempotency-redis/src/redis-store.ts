import { type Clock, systemClock } from '@brace/core';
import {
  type BeginOptions,
  type BeginResult,
  type CompleteOptions,
  type ExtendOptions,
  IdempotencyOptionError,
  type IdempotencyStore,
  type IdempotencyStoreError,
  type StoredResponse,
  type StoreKey,
  storeOperation,
} from '@brace/idempotency';
import { base64 } from './base64.js';
import { type RedisClientLike, type RedisScriptRunner, toScriptRunner } from './client.js';
import { storeError } from './errors.js';
import {
  BEGIN_SCRIPT,
  COMPLETE_SCRIPT,
  EXTEND_SCRIPT,
  RELEASE_SCRIPT,
  type RedisScript,
} from './scripts.js';

/** Default key prefix of {@link redisStore}: `brace:idempotency:`. */
export const DEFAULT_REDIS_PREFIX = 'brace:idempotency:';

/**
 * Default `timeoutMs` of {@link redisStore}: 2 seconds. An operation that gets no answer
 * within it rejects with `IdempotencyStoreError`, so a Redis outage or partition answers 503
 * in about this long instead of after the client's own reconnect and retry cycle (ioredis'
 * defaults hold a command about 10 s).
 *
 * @example
 * ```ts
 * import { DEFAULT_REDIS_TIMEOUT_MS, redisStore } from '@brace/idempotency-redis';
 *
 * const store = redisStore({ client: redis, timeoutMs: DEFAULT_REDIS_TIMEOUT_MS / 2 });
 * ```
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 2_000;

/** The longest accepted `prefix`, in characters. */
const MAX_PREFIX_LENGTH = 1024;

/**
 * Options of {@link redisStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisStoreOptions } from '@brace/idempotency-redis';
 *
 * const options: RedisStoreOptions = { client: new Redis(), prefix: 'orders-api:idem:' };
 * ```
 */
export interface RedisStoreOptions {
  /**
   * Your connected client: ioredis, iovalkey, node-redis, or a {@link RedisScriptRunner}.
   * The store never connects, disconnects or configures it.
   */
  client: RedisClientLike;
  /**
   * Prepended to every key (0 to 1024 characters), so that several apps can share one
   * server. Default {@link DEFAULT_REDIS_PREFIX}.
   */
  prefix?: string;
  /**
   * The source of time for lock and record expiry. Default: `systemClock` from
   * `@brace/core`. Keys also carry a PX expiry, counted by the server.
   */
  clock?: Pick<Clock, 'now'>;
  /**
   * How long one operation may wait for Redis, in ms (1 to 60,000), before it rejects with
   * `IdempotencyStoreError` (the middleware then answers 503 + `Retry-After`). The command
   * is not cancelled: a late answer is dropped, and a claim it made expires after
   * `lockTtlMs`. Default {@link DEFAULT_REDIS_TIMEOUT_MS}.
   */
  timeoutMs?: number;
}

const MISMATCH: BeginResult = Object.freeze({ status: 'mismatch' });

/** The error for a reply that is not what the store's scripts return. */
function unexpectedReply(operation: string): IdempotencyStoreError {
  return storeError(
    operation,
    new TypeError(`Unexpected reply from the ${operation} script.`),
    'the reply was not the script reply; check that `client` returns Lua replies as they are',
  );
}

function parseBegin(reply: unknown, token: string): BeginResult {
  // ioredis with `stringNumbers` (and some proxies) hand integer replies over as strings.
  if (reply === 1 || reply === '1') return { status: 'acquired', token };
  if (Array.isArray(reply)) {
    switch (String(reply[0])) {
      case 'm':
        return MISMATCH;
      case 'p':
        return { status: 'in-progress', retryAfterMs: Number(reply[1]) };
      case 'c':
        return {
          status: 'completed',
          record: {
            status: Number(reply[1]),
            headers: JSON.parse(String(reply[2])) as Array<[string, string]>,
            body: base64.decode(String(reply[3])),
          },
        };
    }
  }
  throw unexpectedReply('begin');
}

/**
 * Creates an `IdempotencyStore` (from `@brace/idempotency`) in Redis (or Valkey) on the
 * client you pass. Each operation is one Lua script, one round trip: `begin` claims with an
 * owner token (a free key costs one `SET NX PX`) or takes over an expired lock
 * (compare-and-set), `complete` stores the response and keeps the fingerprint, `release`
 * deletes only the owner's claim (compare-and-delete). Records are strings at
 * `<prefix><scope length>:<scope>:<key>` with a PX expiry, so Redis removes them without a
 * sweep. Bodies are stored as base64, so they come back byte for byte.
 *
 * Scripts run by EVALSHA, falling back to EVAL on `NOSCRIPT`. One key per script, so it
 * works on Redis Cluster too. Client errors, and operations with no answer within
 * `timeoutMs`, reject with {@link IdempotencyStoreError} (its `cause` never holds the
 * script's arguments).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisStore } from '@brace/idempotency-redis';
 *
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL!), prefix: 'shop:idem:' });
 * const begun = await store.begin({ scope: 'POST /orders', key: 'k1' }, 'sha256:…', { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * ```
 */
export function redisStore(options: RedisStoreOptions): IdempotencyStore {
  const runner: RedisScriptRunner = toScriptRunner(options.client);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH) {
    throw new IdempotencyOptionError('prefix', `a string of 0 to ${MAX_PREFIX_LENGTH} characters`);
  }
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new IdempotencyOptionError('timeoutMs', 'an integer from 1 to 60000 (milliseconds)');
  }

  // The scope's length makes the split unambiguous: ("a:b", "c") and ("a", "b:c") differ.
  const keyOf = (where: StoreKey): string =>
    `${prefix}${where.scope.length}:${where.scope}:${where.key}`;

  async function run(
    operation: string,
    script: RedisScript,
    key: string,
    args: string[],
    onLate?: (reply: unknown) => void,
  ): Promise<unknown> {
    // The arguments hold the key, the fingerprint, the token and (complete) the body.
    return storeOperation(runner.runScript(script, [key], args), {
      store: 'Redis',
      operation,
      timeoutMs,
      redact: [key, ...args],
      onLate,
    });
  }

  return {
    async begin(where: StoreKey, fingerprint: string, opts: BeginOptions): Promise<BeginResult> {
      const now = clock.now();
      const token = crypto.randomUUID();
      const ttl = Math.max(opts.ttlMs, opts.lockTtlMs);
      // The in-progress record (see scripts.ts), written as it is when the key is free.
      const claim = `p ${now + opts.lockTtlMs} ${now + ttl} ${token} ${fingerprint}`;
      const key = keyOf(where);
      // A claim made after the caller gave up (timeoutMs) has no owner: give it back at
      // once, or the key answers 409 for lockTtlMs after the outage.
      const giveBack = (late: unknown): void => {
        if (late === 1 || late === '1') {
          runner
            .runScript(RELEASE_SCRIPT, [key], [token, String(clock.now())])
            .catch(() => undefined);
        }
      };
      const reply = await run(
        'begin',
        BEGIN_SCRIPT,
        key,
        [claim, String(now), String(Math.max(1, Math.ceil(ttl)))],
        giveBack,
      );
      return parseBegin(reply, token);
    },

    async complete(
      where: StoreKey,
      token: string,
      record: StoredResponse,
      opts: CompleteOptions,
    ): Promise<boolean> {
      const now = clock.now();
      const reply = await run('complete', COMPLETE_SCRIPT, keyOf(where), [
        token,
        String(now),
        String(record.status),
        JSON.stringify(record.headers),
        base64.encode(record.body),
        String(now + opts.ttlMs),
        String(Math.max(1, Math.ceil(opts.ttlMs))),
      ]);
      return Number(reply) === 1;
    },

    async release(where: StoreKey, token: string): Promise<boolean> {
      const reply = await run('release', RELEASE_SCRIPT, keyOf(where), [
        token,
        String(clock.now()),
      ]);
      return Number(reply) === 1;
    },

    async extend(where: StoreKey, token: string, opts: ExtendOptions): Promise<boolean> {
      const now = clock.now();
      const reply = await run('extend', EXTEND_SCRIPT, keyOf(where), [
        token,
        String(now),
        String(now + opts.lockTtlMs),
      ]);
      return Number(reply) === 1;
    },
  };
}
