import type { Clock } from '@brace/core';
import {
  checkInteger,
  IdempotencyClaimLostError,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyOptionError,
  InvalidIdempotencyKeyError,
} from './errors.js';
import { sha256Fingerprint } from './fingerprint.js';
import { Heartbeat, unrefClock } from './heartbeat.js';
import { DEFAULT_LOCK_TTL_MS, DEFAULT_TTL_MS, type IdempotencyErrorEvent } from './options.js';
import type { IdempotencyStore, StoredResponse } from './store.js';

/**
 * Options of {@link makeIdempotent}.
 *
 * @typeParam A - the function's arguments
 *
 * @example
 * ```ts
 * import { memoryStore, type MakeIdempotentOptions } from '@brace/idempotency';
 *
 * const options: MakeIdempotentOptions<[{ id: string }]> = {
 *   store: memoryStore(),
 *   key: (message) => message.id,
 * };
 * ```
 */
export interface MakeIdempotentOptions<A extends unknown[]> {
  /** Where claims and results are kept: any `IdempotencyStore` (memory, SQLite, Redis, PostgreSQL). */
  store: IdempotencyStore;
  /** The idempotency key of a call: a message id, a job id, a business key. Non-empty, at most 255 characters. */
  key: (...args: A) => string;
  /** Separates this function's keys from other functions' in a shared store. Default `'function'`. */
  scope?: string;
  /**
   * Identifies "the same call": another fingerprint under a used key throws
   * {@link IdempotencyKeyReusedError}. Default: SHA-256 of `JSON.stringify(args)`.
   */
  fingerprint?: (...args: A) => string | Promise<string>;
  /** How long a result is kept, in ms. Default 24 hours. */
  ttlMs?: number;
  /** How long a claim lasts if its process dies (the heartbeat extends it while the call runs). Default 60 s. */
  lockTtlMs?: number;
  /** Extend the claim while the call runs. Default `true`. */
  heartbeat?: boolean;
  /** The heartbeat's time source. Default: real time, timers that never hold the process open. */
  clock?: Pick<Clock, 'now' | 'sleep'>;
  /** Called when a store operation fails after the call ran (or a claim was lost). */
  onError?: (event: IdempotencyErrorEvent) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The status a stored `undefined` result is kept under (no body). */
const NO_RESULT = 204;

function report(
  onError: ((event: IdempotencyErrorEvent) => void) | undefined,
  phase: IdempotencyErrorEvent['phase'],
  error: unknown,
): void {
  try {
    onError?.({ phase, error });
  } catch {
    // A throwing callback never breaks the call.
  }
}

function encode(result: unknown): StoredResponse {
  if (result === undefined) return { status: NO_RESULT, headers: [], body: new Uint8Array(0) };
  const json: string | undefined = JSON.stringify(result);
  // A function or a symbol has no JSON: storing nothing would replay as a parse error.
  if (json === undefined) throw new TypeError(`A ${typeof result} result has no JSON form.`);
  return { status: 200, headers: [], body: encoder.encode(json) };
}

function decode(record: StoredResponse): unknown {
  return record.status === NO_RESULT ? undefined : JSON.parse(decoder.decode(record.body));
}

/**
 * Makes a function idempotent, for queue consumers, jobs and webhooks handled off the
 * request (AWS Powertools' `makeIdempotent`, on any store): calls with the same key run
 * `fn` once; later calls get its stored result (JSON round-tripped) without running it.
 * The outcomes are the HTTP middleware's: a call while another with the key runs throws
 * {@link IdempotencyInProgressError} (the 409); the key with other arguments throws
 * {@link IdempotencyKeyReusedError} (the 422); a store failure before the call rejects with
 * the store's error and `fn` does not run (the 503); `fn` throwing releases the key, so a
 * retry runs it again. While `fn` runs its claim is extended (the heartbeat), so a call
 * slower than `lockTtlMs` never runs twice at once.
 *
 * @param fn - the function (its result must survive `JSON.stringify`)
 * @param options - the store, the key, and the rules
 * @returns a function with the same arguments, resolving the result
 * @throws {@link IdempotencyOptionError} when an option is out of range
 *
 * @example
 * ```ts
 * import { makeIdempotent, memoryStore } from '@brace/idempotency';
 *
 * const chargeOnce = makeIdempotent(
 *   async (message: { id: string; orderId: string; cents: number }) => payments.charge(message.orderId, message.cents),
 *   { store: memoryStore(), key: (message) => message.id },
 * );
 * await chargeOnce(message); // runs
 * await chargeOnce(message); // redelivered: returns the first result, charges nothing
 * ```
 */
export function makeIdempotent<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  options: MakeIdempotentOptions<A>,
): (...args: A) => Promise<Awaited<R>> {
  const store = options?.store;
  if (typeof store?.begin !== 'function' || typeof store.complete !== 'function') {
    throw new IdempotencyOptionError('store', 'an IdempotencyStore (begin, complete, release)');
  }
  if (typeof fn !== 'function') throw new IdempotencyOptionError('fn', 'a function');
  if (typeof options.key !== 'function') throw new IdempotencyOptionError('key', 'a function');
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  checkInteger('ttlMs', ttlMs, 1, 365 * 86_400_000);
  const lockTtlMs = options.lockTtlMs ?? Math.min(DEFAULT_LOCK_TTL_MS, ttlMs);
  checkInteger('lockTtlMs', lockTtlMs, 1, ttlMs);
  const scope = `fn ${options.scope ?? 'function'}`;
  const fingerprint =
    options.fingerprint ??
    ((...args: A) => sha256Fingerprint(JSON.stringify(args) ?? '', new Uint8Array(0)));
  const onError = options.onError;
  const heartbeat =
    options.heartbeat === false
      ? undefined
      : new Heartbeat(store, lockTtlMs, options.clock ?? unrefClock, (error) =>
          report(onError, 'extend', error),
        );

  return async (...args: A): Promise<Awaited<R>> => {
    const key = options.key(...args);
    if (typeof key !== 'string' || key === '') throw new InvalidIdempotencyKeyError('empty');
    if (key.length > 255) throw new InvalidIdempotencyKeyError('too-long');
    const where = { scope, key };
    const begun = await store.begin(where, await fingerprint(...args), { lockTtlMs, ttlMs });
    switch (begun.status) {
      case 'completed':
        return decode(begun.record) as Awaited<R>;
      case 'in-progress':
        throw new IdempotencyInProgressError(begun.retryAfterMs);
      case 'mismatch':
        throw new IdempotencyKeyReusedError();
    }
    const beat = heartbeat?.start(where, begun.token);
    let result: Awaited<R>;
    let record: StoredResponse;
    try {
      result = await fn(...args);
      record = encode(result);
    } catch (error) {
      heartbeat?.stop(beat);
      await store.release(where, begun.token).catch((e: unknown) => report(onError, 'release', e));
      throw error;
    }
    heartbeat?.stop(beat);
    try {
      const owned = await store.complete(where, begun.token, record, { ttlMs });
      if (!owned) report(onError, 'complete', new IdempotencyClaimLostError());
    } catch (error) {
      report(onError, 'complete', error);
    }
    return result;
  };
}
