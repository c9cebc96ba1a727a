import type { RateLimitPolicy as CoreRateLimitPolicy } from '@brace/core';
import { RateLimitOptionsError } from './errors.js';

/**
 * One limit: at most `limit` units of cost per rolling `intervalMs` — the one policy type of
 * Brace, defined in `@brace/core` and re-exported here. Without `burst` it is enforced as a
 * sliding log: **never more than `limit` starts in any rolling window of `intervalMs`**; with
 * `burst`, with GCRA.
 *
 * @example
 * ```ts
 * import type { RateLimitPolicy } from '@brace/rate-limit';
 *
 * const perSecond: RateLimitPolicy = { limit: 10, intervalMs: 1000 };
 * const smooth: RateLimitPolicy = { limit: 5000, intervalMs: 60_000, burst: 100 };
 * ```
 */
export type RateLimitPolicy = CoreRateLimitPolicy;

/**
 * Why a task is made to wait: `policy` (a policy is full), `server-remaining` or `retry-after`
 * (a server pause), `server-pace` (a server's headers asked to slow down before zero: starts
 * are spread over the time to its reset), `adaptive` (adaptive mode cut the key's rate).
 */
export type ThrottleReason =
  | 'policy'
  | 'server-remaining'
  | 'retry-after'
  | 'server-pace'
  | 'adaptive';

/** Why a partition is paused: the server said `remaining` is 0, or sent `Retry-After`. */
export type PauseReason = 'server-remaining' | 'retry-after';

/**
 * The answer of {@link RateLimitStore.tryAcquire}: either the cost was charged to every
 * policy, or nothing was charged and the caller may retry in `retryInMs`.
 */
export type AcquireResult =
  | {
      /** Charged: the cost was counted against every policy. */
      ok: true;
      /**
       * Optional: what identifies this grant to {@link RateLimitStore.settle} (a store that
       * records grants under its own names, such as a shared store, hands it out here).
       */
      grant?: unknown;
    }
  | {
      /** Not charged. */
      ok: false;
      /** Milliseconds until the request can fit (exact, not a polling interval); >= 1. */
      retryInMs: number;
      /** The refusing policy's index, or -1 when the key is paused by the server. */
      policyIndex: number;
      /** The pause's reason when `policyIndex` is -1. */
      pause?: PauseReason;
    };

/**
 * The answer of {@link RateLimitStore.tryAcquireMany}: the first `granted` requests were
 * charged (each to every policy, in order); the rest were not, and `refused` says when the
 * next one may fit.
 *
 * @example
 * ```ts
 * import type { AcquireManyResult } from '@brace/rate-limit';
 *
 * const some: AcquireManyResult = {
 *   granted: 2,
 *   refused: { ok: false, retryInMs: 120, policyIndex: 0 },
 * };
 * ```
 */
export interface AcquireManyResult {
  /** How many requests, from the first, were charged. */
  granted: number;
  /** Why the next request was refused; `undefined` when every request was charged. */
  refused: Extract<AcquireResult, { ok: false }> | undefined;
  /** Optional: each charged request's grant, in order (see `AcquireResult`'s `grant`). */
  grants?: readonly unknown[];
}

/**
 * Where the limiter keeps per-key usage. The in-memory store is the default;
 * `@brace/rate-limit-redis` shares one limit between processes. Methods may answer
 * synchronously (fast path) or with a promise.
 *
 * @example
 * ```ts
 * import { createRateLimiter, memoryStore } from '@brace/rate-limit';
 *
 * const limiter = createRateLimiter({
 *   policies: [{ limit: 10, intervalMs: 1000 }],
 *   store: memoryStore({ maxKeys: 50_000 }),
 * });
 * ```
 */
export interface RateLimitStore {
  /**
   * Atomically checks every policy and the key's pause, then charges `cost` to all of them
   * only if all allow it: no policy is charged for a request another refused.
   * `now` is the limiter's clock; a shared store may use its own clock instead.
   */
  tryAcquire(
    key: string,
    policies: readonly RateLimitPolicy[],
    cost: number,
    now: number,
  ): AcquireResult | Promise<AcquireResult>;
  /**
   * Optional, for remote stores: tries several requests of one key in one atomic step (one
   * round trip), in order, charging each exactly as {@link RateLimitStore.tryAcquire} would
   * and stopping at the first that does not fit (so a later request never passes an earlier
   * one). When a store has it, the limiter sends the tasks of a key that are ready together
   * in one call instead of one call each. `granted` must be an integer from 0 to
   * `costs.length`, with a `refused` whose `retryInMs` is finite and > 0 when it is less: a
   * malformed answer rejects the call's tasks with `RateLimitStoreAnswerError`.
   */
  tryAcquireMany?(
    key: string,
    policies: readonly RateLimitPolicy[],
    costs: readonly number[],
    now: number,
  ): Promise<AcquireManyResult>;
  /**
   * Pauses `key` for `durationMs` from now, unless it is already paused for longer: a pause
   * is never shortened.
   */
  pause(key: string, durationMs: number, reason: PauseReason, now: number): void | Promise<void>;
  /**
   * Optional: a granted task settled at `now`, so its units in every sliding-log policy count
   * from now on, not from its start: what the provider counts is the request's *arrival*,
   * somewhere between our start and the task's end, so a unit counted until `intervalMs`
   * after the task settled never lets a later start share a provider window with it (see the
   * limiter's `windowFrom`). `grant` is what the grant's answer carried (undefined if none),
   * `grantedAt` the `now` the grant was asked at. Called once per granted task that settled
   * asynchronously; a failure is reported to the limiter's `onError`.
   */
  settle?(
    key: string,
    policies: readonly RateLimitPolicy[],
    cost: number,
    grant: unknown,
    grantedAt: number,
    now: number,
  ): void | Promise<void>;
}

/** @internal Validates policies, throwing {@link RateLimitOptionsError} naming the bad field. */
export function validatePolicies(policies: unknown): readonly RateLimitPolicy[] {
  if (!Array.isArray(policies)) throw new RateLimitOptionsError('policies', 'an array of policies');
  return policies.map((p: Partial<RateLimitPolicy> | undefined, i) => {
    if (typeof p !== 'object' || p === null) {
      throw new RateLimitOptionsError(`policies[${i}]`, 'an object { limit, intervalMs, burst? }');
    }
    if (!Number.isSafeInteger(p.limit) || (p.limit as number) < 1) {
      throw new RateLimitOptionsError(`policies[${i}].limit`, 'an integer >= 1');
    }
    if (typeof p.intervalMs !== 'number' || !(p.intervalMs > 0) || !Number.isFinite(p.intervalMs)) {
      throw new RateLimitOptionsError(`policies[${i}].intervalMs`, 'a finite number > 0');
    }
    if (p.burst !== undefined && (!Number.isSafeInteger(p.burst) || p.burst < 1)) {
      throw new RateLimitOptionsError(`policies[${i}].burst`, 'an integer >= 1 (or undefined)');
    }
    const policy: RateLimitPolicy = { limit: p.limit as number, intervalMs: p.intervalMs };
    if (p.burst !== undefined) policy.burst = p.burst;
    return Object.freeze(policy);
  });
}

/** @internal The largest cost that can ever pass every policy. */
export function capacityOf(policies: readonly RateLimitPolicy[]): number {
  let capacity = Number.POSITIVE_INFINITY;
  for (const p of policies) capacity = Math.min(capacity, p.burst ?? p.limit);
  return capacity;
}
