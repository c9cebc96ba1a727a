/**
 * Fleet-wide statistics through Redis (`redisFleet`): `health()` on any instance reflects every instance.
 *
 * @module
 */
import { type Clock, systemClock } from '@brace/core';
import { TelemetryOptionError } from './errors.js';
import { decodeInto, encodeSlice, Pending } from './fleet.js';
import { evaluateHealth } from './health.js';
import {
  addAttempt,
  addCall,
  mergeInto,
  newSlice,
  quantile,
  RELATIVE_ACCURACY,
  WINDOW_SLICES,
} from './rolling.js';
import type { Telemetry } from './telemetry.js';
import type { HealthReport, TelemetryStats } from './types.js';

/**
 * An ioredis / iovalkey client: `eval(script, numKeys, ...keysAndArgs)`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { IoRedisLike } from '@brace/telemetry/redis';
 *
 * const client: IoRedisLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface IoRedisLike {
  /** EVALSHA (its presence tells ioredis from node-redis). */
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** EVAL. */
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * A node-redis v4/v5 client: `eval(script, { keys, arguments })`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { NodeRedisLike } from '@brace/telemetry/redis';
 *
 * const client: NodeRedisLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisLike {
  /** EVALSHA (its presence tells node-redis from ioredis). */
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** EVAL. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Runs a Lua script for any other client.
 *
 * @example
 * ```ts
 * import type { RedisEval } from '@brace/telemetry/redis';
 *
 * const run: RedisEval = (script, keys, args) => myClient.send('EVAL', [script, keys.length, ...keys, ...args]);
 * ```
 */
export type RedisEval = (script: string, keys: string[], args: string[]) => Promise<unknown>;

/**
 * Options of {@link redisFleet}.
 *
 * @example
 * ```ts
 * import type { RedisFleetOptions } from '@brace/telemetry/redis';
 * import { Redis } from 'ioredis';
 * import { createTelemetry } from '@brace/telemetry';
 *
 * const telemetry = createTelemetry({ integration: 'stripe' });
 * const client = new Redis(process.env.REDIS_URL!);
 * const options: RedisFleetOptions = { telemetry, client, prefix: 'myapp:telemetry:' };
 * ```
 */
export interface RedisFleetOptions {
  /** The local telemetry whose calls are shared. */
  telemetry: Telemetry;
  /** Your connected client (ioredis, iovalkey, node-redis) or an eval function. Never opened or closed here. */
  client: IoRedisLike | NodeRedisLike | RedisEval;
  /** Key prefix. Default `brace:telemetry:`. */
  prefix?: string;
  /** How often pending figures are pushed, ms; 0 disables the timer (call `flush()`). Default 1000. */
  flushIntervalMs?: number;
  /** The clock (slice times). Default the system clock. */
  clock?: Clock;
  /** Called when pushing or reading fails (figures are kept and pushed again later). */
  onError?: (error: unknown) => void;
}

/**
 * A fleet-wide view of one integration.
 *
 * @example
 * ```ts
 * const report = await fleet.health(); // judged on every instance's calls
 * ```
 */
export interface RedisFleet {
  /** The integration's name. */
  readonly integration: string;
  /** Pushes the figures recorded here since the last push. */
  flush(): Promise<void>;
  /**
   * The window's figures over every instance, after pushing this instance's pending ones (rate
   * limit, breaker, queue and credentials are this instance's own). When Redis cannot be read,
   * this instance's own figures (and `onError` hears why): a health check never fails on Redis.
   */
  stats(): Promise<TelemetryStats>;
  /** `stats()` judged against the telemetry's thresholds. */
  health(): Promise<HealthReport>;
  /** Stops the timer and the subscription, and pushes what is pending. */
  close(): Promise<void>;
}

/**
 * Default key prefix: `brace:telemetry:`.
 *
 * @example
 * ```ts
 * import { DEFAULT_FLEET_PREFIX } from '@brace/telemetry/redis';
 *
 * console.log(DEFAULT_FLEET_PREFIX);
 * ```
 */
export const DEFAULT_FLEET_PREFIX = 'brace:telemetry:';

const PUSH = `for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

const READ = `local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out`;

function toEval(client: RedisFleetOptions['client']): RedisEval {
  if (typeof client === 'function') return client;
  if (typeof (client as NodeRedisLike).evalSha === 'function') {
    const c = client as NodeRedisLike;
    return (script, keys, args) => c.eval(script, { keys, arguments: args });
  }
  if (typeof (client as IoRedisLike).evalsha === 'function') {
    const c = client as IoRedisLike;
    return (script, keys, args) => c.eval(script, keys.length, ...keys, ...args);
  }
  throw new TelemetryOptionError(
    'client',
    'an ioredis/iovalkey client, a node-redis client or an eval function',
  );
}

/**
 * Shares one integration's rolling figures across processes through Redis: each instance
 * pushes time-bucketed counters and DDSketch bins (`HINCRBY` into one hash per window slice,
 * expiring after the window), and `stats()`/`health()` on any instance merge every
 * instance's slices, so p95 keeps the sketch's 1% relative accuracy fleet-wide. Takes your
 * client and never opens connections; all keys of one integration share a hash tag (Cluster).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createTelemetry, healthHandler } from '@brace/telemetry';
 * import { redisFleet } from '@brace/telemetry/redis';
 *
 * const telemetry = createTelemetry({ integration: 'stripe' });
 * const fleet = redisFleet({ telemetry, client: new Redis(process.env.REDIS_URL!) });
 * const handle = healthHandler({ integrations: [fleet] }); // the whole fleet's health
 * ```
 */
export function redisFleet(options: RedisFleetOptions): RedisFleet {
  const run = toEval(options.client);
  const { telemetry } = options;
  const clock = options.clock ?? systemClock;
  const interval = options.flushIntervalMs ?? 1000;
  if (!Number.isInteger(interval) || interval < 0) {
    throw new TelemetryOptionError('flushIntervalMs', 'a non-negative integer (ms)');
  }
  const windowMs = telemetry.windowMs;
  const sliceMs = Math.max(1, Math.ceil(windowMs / WINDOW_SLICES));
  const base = `${options.prefix ?? DEFAULT_FLEET_PREFIX}{${telemetry.integration}}:${windowMs}:`;
  const ttl = String(windowMs + 2 * sliceMs);
  const pending = new Pending(WINDOW_SLICES);
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A throwing callback never breaks the fleet.
    }
  };
  const sliceOf = (at: number) => pending.slice(Math.floor(at / sliceMs) * sliceMs);
  const unsubscribe = telemetry.subscribe((sample) => {
    const slice = sliceOf(sample.at);
    if (sample.kind === 'call') addCall(slice, sample.durationMs, sample.error);
    else addAttempt(slice, sample.retry, sample.rateLimited);
  });

  const flush = async () => {
    const slices = pending.take();
    for (const [index, slice] of slices.entries()) {
      try {
        await run(PUSH, [`${base}${slice.start}`], [ttl, ...encodeSlice(slice)]);
      } catch (error) {
        // Keep what was not pushed, to push it next time.
        for (const kept of slices.slice(index)) mergeInto(pending.slice(kept.start), kept);
        report(error);
        return;
      }
    }
  };

  const stats = async (): Promise<TelemetryStats> => {
    await flush();
    const now = clock.now();
    const current = Math.floor(now / sliceMs) * sliceMs;
    const keys: string[] = [];
    for (let i = 0; i < WINDOW_SLICES; i++) keys.push(`${base}${current - i * sliceMs}`);
    const total = newSlice(current);
    const local = telemetry.stats();
    let hashes: unknown;
    try {
      hashes = await run(READ, keys, []);
    } catch (error) {
      // Redis is out of reach: answer this instance's own figures rather than fail the health check.
      report(error);
      return local;
    }
    for (const hash of hashes as unknown[]) decodeInto(total, hash);
    return {
      ...local,
      calls: total.calls,
      errors: total.errors,
      errorRate: total.calls > 0 ? total.errors / total.calls : 0,
      attempts: total.attempts,
      retries: total.retries,
      rateLimited: total.rateLimited,
      latencyMs: {
        p50: quantile(total.sketch, 0.5),
        p95: quantile(total.sketch, 0.95),
        p99: quantile(total.sketch, 0.99),
        relativeAccuracy: RELATIVE_ACCURACY,
      },
    };
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  if (interval > 0) {
    timer = setInterval(() => void flush(), interval);
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    integration: telemetry.integration,
    flush,
    stats,
    health: async () => evaluateHealth(await stats(), telemetry.thresholds),
    async close() {
      if (timer !== undefined) clearInterval(timer);
      unsubscribe();
      await flush();
    },
  };
}
