/**
 * Where a store keeps one idempotency record. `scope` already combines the tenant scope,
 * the method and the path (the middleware builds it), so that one tenant can never replay
 * another's response; `key` is the client's Idempotency-Key as received.
 *
 * @example
 * ```ts
 * import type { StoreKey } from '@brace/idempotency';
 *
 * const where: StoreKey = { scope: 'tenant-42 POST /orders', key: '8e03978e-40d5-43e8-bc93-6894a57f9324' };
 * ```
 */
export interface StoreKey {
  /** Tenant scope + method + path, as built by the middleware. */
  scope: string;
  /** The Idempotency-Key value. */
  key: string;
}

/**
 * A stored response: what a completed request is replayed as.
 *
 * @example
 * ```ts
 * import type { StoredResponse } from '@brace/idempotency';
 *
 * const record: StoredResponse = {
 *   status: 201,
 *   headers: [['content-type', 'application/json']],
 *   body: new TextEncoder().encode('{"id":"ord_1"}'),
 * };
 * ```
 */
export interface StoredResponse {
  /** The HTTP status code. */
  status: number;
  /** The replayable headers (already filtered to the allow-list), names in lower case. */
  headers: Array<[string, string]>;
  /** The exact body bytes. */
  body: Uint8Array;
}

/**
 * What {@link IdempotencyStore.begin} found:
 * - `acquired`: the caller now owns the key; `token` proves it to `complete`/`release`.
 * - `in-progress`: another request holds the key; try again after `retryAfterMs`.
 * - `completed`: a stored response exists for this key and fingerprint: replay `record`.
 * - `mismatch`: the key exists (in progress or completed) with another fingerprint.
 *
 * @example
 * ```ts
 * import type { BeginResult } from '@brace/idempotency';
 *
 * function describe(result: BeginResult) {
 *   return result.status === 'completed' ? `replay ${result.record.status}` : result.status;
 * }
 * ```
 */
export type BeginResult =
  | {
      /** The caller now owns the key. */
      status: 'acquired';
      /** Proves ownership to `complete` and `release`. */
      token: string;
    }
  | {
      /** Another request holds the key. */
      status: 'in-progress';
      /** Milliseconds until that claim's lock expires (at most `lockTtlMs`). */
      retryAfterMs: number;
    }
  | {
      /** A response is stored for this key and fingerprint. */
      status: 'completed';
      /** The stored response, to replay. */
      record: StoredResponse;
    }
  | {
      /** The key exists with another fingerprint. */
      status: 'mismatch';
    };

/**
 * Options of {@link IdempotencyStore.begin}.
 *
 * @example
 * ```ts
 * import type { BeginOptions } from '@brace/idempotency';
 *
 * const options: BeginOptions = { lockTtlMs: 30_000, ttlMs: 86_400_000 };
 * ```
 */
export interface BeginOptions {
  /** How long an in-progress claim lasts before another request may take it over. */
  lockTtlMs: number;
  /** How long the record lives in all (in-progress and completed). */
  ttlMs: number;
}

/**
 * Options of {@link IdempotencyStore.complete}.
 *
 * @example
 * ```ts
 * import type { CompleteOptions } from '@brace/idempotency';
 *
 * const options: CompleteOptions = { ttlMs: 86_400_000 };
 * ```
 */
export interface CompleteOptions {
  /** How long the completed record is kept, from now. */
  ttlMs: number;
}

/**
 * Options of {@link IdempotencyStore.extend}.
 *
 * @example
 * ```ts
 * import type { ExtendOptions } from '@brace/idempotency';
 *
 * const options: ExtendOptions = { lockTtlMs: 60_000 };
 * ```
 */
export interface ExtendOptions {
  /** The claim's lock now lasts this long from now (the record at least as long). */
  lockTtlMs: number;
}

/**
 * The contract every idempotency store implements (memory, SQLite, Redis, PostgreSQL, or
 * your own). `@brace/idempotency/testing` exports `runStoreConformance`, the suite that
 * proves an implementation.
 *
 * Rules: `begin` is atomic (of many concurrent calls on one key exactly one gets
 * `acquired`); an in-progress claim whose lock expired is taken over by the next `begin`
 * (a new token; the old token no longer works); a completed record keeps its fingerprint;
 * only the current owner's token completes, releases or extends; an expired record is gone.
 * Store failures reject with an error whose `cause` is the driver's error.
 *
 * @example
 * ```ts
 * import { memoryStore, type IdempotencyStore } from '@brace/idempotency';
 *
 * const store: IdempotencyStore = memoryStore({ maxEntries: 10_000 });
 * const where = { scope: 'POST /orders', key: 'k1' };
 * const begun = await store.begin(where, 'sha256:...', { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * if (begun.status === 'acquired') {
 *   await store.complete(where, begun.token, { status: 201, headers: [], body: new Uint8Array() }, { ttlMs: 86_400_000 });
 * }
 * ```
 */
export interface IdempotencyStore {
  /** Claims `key` for a request with this `fingerprint`, or reports why it cannot. */
  begin(key: StoreKey, fingerprint: string, options: BeginOptions): Promise<BeginResult>;
  /**
   * Stores the response for a claimed key. Resolves `true` when `token` still owns the
   * claim, `false` (and changes nothing) when it does not.
   */
  complete(
    key: StoreKey,
    token: string,
    record: StoredResponse,
    options: CompleteOptions,
  ): Promise<boolean>;
  /**
   * Gives up a claim so that the next request runs again. Resolves `true` when `token`
   * still owned the claim, `false` (and changes nothing) when it did not.
   */
  release(key: StoreKey, token: string): Promise<boolean>;
  /**
   * Extends the lock of a claim in progress (the heartbeat of a long handler): its lock now
   * lasts `lockTtlMs` from now, and the record at least as long. Resolves `true` when `token`
   * still owns the claim, `false` (and changes nothing) when it does not: completed,
   * released, expired or taken over. Every Brace store implements it; a store without it
   * gets no heartbeat (its claims expire after `lockTtlMs` whatever the handler does).
   */
  extend?(key: StoreKey, token: string, options: ExtendOptions): Promise<boolean>;
}
