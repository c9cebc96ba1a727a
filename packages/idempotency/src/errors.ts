import { BraceError, safeCause } from '@brace/core';

/**
 * Thrown at construction when an option of `@brace/idempotency` is out of range. The
 * message names the option and the accepted range.
 *
 * @example
 * ```ts
 * import { IdempotencyOptionError, memoryStore } from '@brace/idempotency';
 *
 * try {
 *   memoryStore({ maxEntries: 0 });
 * } catch (error) {
 *   if (error instanceof IdempotencyOptionError) console.log(error.code); // 'IDEMPOTENCY_INVALID_OPTION'
 * }
 * ```
 */
export class IdempotencyOptionError extends BraceError {
  /** The name of the offending option, e.g. `maxEntries`. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - the accepted range, in words
   */
  constructor(option: string, expected: string) {
    super('IDEMPOTENCY_INVALID_OPTION', `Option \`${option}\` must be ${expected}.`);
    this.option = option;
  }
}

/**
 * Thrown by {@link withIdempotencyKey} when `init.headers` already carries a different
 * Idempotency-Key than the one passed explicitly. The message never contains either key.
 *
 * @example
 * ```ts
 * import { IdempotencyKeyConflictError, withIdempotencyKey } from '@brace/idempotency';
 *
 * try {
 *   withIdempotencyKey({ headers: { 'Idempotency-Key': '"a"' } }, { key: 'b' });
 * } catch (error) {
 *   if (error instanceof IdempotencyKeyConflictError) console.log(error.code); // 'IDEMPOTENCY_KEY_CONFLICT'
 * }
 * ```
 */
export class IdempotencyKeyConflictError extends BraceError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_CONFLICT',
      'The request already carries a different Idempotency-Key; pass one key or the other, not both.',
    );
  }
}

/**
 * Reported through `onError` (phase `complete`) when a handler finished but its response
 * could not be stored because the claim on the key was no longer its own: the lock expired
 * and another request took the key over (or, after it expired, a full memory store made
 * room with it). The response was still sent; a retry may run the handler again.
 *
 * @example
 * ```ts
 * import { IdempotencyClaimLostError } from '@brace/idempotency';
 *
 * const onError = ({ error }: { error: unknown }) => {
 *   if (error instanceof IdempotencyClaimLostError) metrics.count('idempotency.claim_lost');
 * };
 * ```
 */
export class IdempotencyClaimLostError extends BraceError {
  constructor() {
    super(
      'IDEMPOTENCY_CLAIM_LOST',
      'The response was not stored: the claim on its Idempotency-Key expired or was taken over before the handler finished. Raise lockTtlMs above your slowest handler.',
    );
  }
}

/**
 * Passed to Express' `next` when a body parser consumed the request body before the
 * idempotency middleware could read its bytes, and did not keep them.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { keepRawBody } from '@brace/idempotency/express';
 *
 * // The fix: keep the raw bytes while parsing.
 * app.use(express.json({ verify: keepRawBody }));
 * ```
 */
export class IdempotencyRawBodyError extends BraceError {
  constructor() {
    super(
      'IDEMPOTENCY_RAW_BODY_UNAVAILABLE',
      'The request body was parsed before the idempotency middleware could read its bytes. Pass `verify: keepRawBody` to your body parser (express.json({ verify: keepRawBody })), or use express.raw().',
    );
  }
}

const KEY_RULES = {
  empty: 'it is empty',
  'too-long': 'it is over 255 characters',
  syntax:
    'it must be a structured-field string of printable ASCII (sent as "...") or a token (RFC 9110 tchar, ":" and "/")',
} as const;

/**
 * Thrown on the client when a key to be sent breaks a rule: empty, over 255 characters, or
 * not representable in the chosen format. `rule` names the rule; the key itself is never
 * part of the message.
 *
 * @example
 * ```ts
 * import { formatIdempotencyKey, InvalidIdempotencyKeyError } from '@brace/idempotency';
 *
 * try {
 *   formatIdempotencyKey('a key with spaces', 'token');
 * } catch (error) {
 *   if (error instanceof InvalidIdempotencyKeyError) console.log(error.rule); // 'syntax'
 * }
 * ```
 */
export class InvalidIdempotencyKeyError extends BraceError {
  /** The rule the key broke: `empty`, `too-long` or `syntax`. */
  readonly rule: 'empty' | 'too-long' | 'syntax';

  /**
   * @param rule - the rule the key broke
   * @param options - `cause`, e.g. the structured-field serialiser's error
   */
  constructor(rule: 'empty' | 'too-long' | 'syntax', options?: { cause?: unknown }) {
    super(
      'IDEMPOTENCY_KEY_INVALID',
      `The Idempotency-Key cannot be sent: ${KEY_RULES[rule]}. Use a UUID (createIdempotencyKey()) or a business key that keeps the rule.`,
      options,
    );
    this.rule = rule;
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new IdempotencyOptionError(option, `an integer from ${min} to ${max}`);
  }
}

/**
 * Thrown (as a rejection) by a store adapter (`@brace/idempotency-redis`, `-postgres`,
 * `-sqlite`) when its database fails during an operation: a dropped or terminated
 * connection, a timeout, a server error, a missing table, a reply the store does not
 * recognise, or no answer within the store's `timeoutMs`. One class for every adapter, so
 * `instanceof` works whichever store is in use; each adapter re-exports it. `cause` is the
 * client's error reduced to a `SafeCause` (from `@brace/core`): its name, code and scrubbed
 * message, never the command's arguments, so neither the key, the fingerprint, the owner
 * token nor the body can reach a log through it. The message names the store and the
 * operation only.
 *
 * @example
 * ```ts
 * import { IdempotencyStoreError } from '@brace/idempotency';
 *
 * try {
 *   await store.begin({ scope: 'POST /orders', key: idempotencyKey }, fingerprint, { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * } catch (error) {
 *   if (error instanceof IdempotencyStoreError) console.error(error.store, error.operation, error.cause);
 * }
 * ```
 */
export class IdempotencyStoreError extends BraceError {
  /** The store that failed, e.g. `Redis`, `PostgreSQL`, `SQLite`. */
  readonly store: string;
  /** The store operation that failed: `begin`, `complete`, `release`, `sweep` or `migrate`. */
  readonly operation: string;

  /**
   * @param store - the store that failed, as the message names it
   * @param operation - the store operation that failed
   * @param cause - the client's error (kept as a `SafeCause`, see `safeCause` in `@brace/core`)
   * @param detail - what to do about it, appended to the message
   * @param redact - the values the store sent (key, scope, fingerprint, token), removed
   *   from the cause's messages too
   */
  constructor(
    store: string,
    operation: string,
    cause: unknown,
    detail = `see \`cause\` for the ${store} error`,
    redact: readonly string[] = [],
  ) {
    super(
      'IDEMPOTENCY_STORE_ERROR',
      `The ${store} idempotency store failed during ${operation}; ${detail}.`,
      { cause: safeCause(cause, { redact }) },
    );
    this.store = store;
    this.operation = operation;
  }
}

/**
 * Thrown by a function made with `makeIdempotent` when another call with the same key is
 * still running (Powertools' `IdempotencyAlreadyInProgressError`). Retry after
 * `retryAfterMs`: you then get the first call's result. The key is not in the message.
 *
 * @example
 * ```ts
 * import { IdempotencyInProgressError } from '@brace/idempotency';
 *
 * try {
 *   await chargeOnce(message);
 * } catch (error) {
 *   if (error instanceof IdempotencyInProgressError) requeue(message, error.retryAfterMs);
 *   else throw error;
 * }
 * ```
 */
export class IdempotencyInProgressError extends BraceError {
  /** Milliseconds until the running call's claim expires (at most `lockTtlMs`). */
  readonly retryAfterMs: number;

  /** @param retryAfterMs - when to retry */
  constructor(retryAfterMs: number) {
    super(
      'IDEMPOTENCY_IN_PROGRESS',
      `A call with this idempotency key is still running; retry in ${Math.max(0, Math.ceil(retryAfterMs))} ms to get its result.`,
    );
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Thrown by a function made with `makeIdempotent` when its key was used before with other
 * arguments (another fingerprint): the HTTP middleware's 422. Use a new key for new work.
 *
 * @example
 * ```ts
 * import { IdempotencyKeyReusedError } from '@brace/idempotency';
 *
 * await payOnce(order).catch((error: unknown) => {
 *   if (error instanceof IdempotencyKeyReusedError) alertDuplicateKey();
 * });
 * ```
 */
export class IdempotencyKeyReusedError extends BraceError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'This idempotency key was already used with different arguments; use a new key for new work.',
    );
  }
}
