import type { Clock } from '@brace/core';
import { checkInteger, IdempotencyOptionError } from './errors.js';
import { defaultFingerprint, type IdempotencyRequest } from './fingerprint.js';
import { type HeartbeatClock, unrefClock } from './heartbeat.js';
import { IDEMPOTENCY_KEY_HEADER } from './key.js';
import { IDEMPOTENCY_PROBLEMS, type IdempotencyProblemTypes } from './problem.js';
import { credentialScope } from './scope.js';
import type { IdempotencyStore } from './store.js';

/**
 * Default `methods`: the non-idempotent methods that carry a key, `POST` and `PATCH`.
 *
 * @example
 * ```ts
 * import { DEFAULT_IDEMPOTENT_METHODS } from '@brace/idempotency';
 *
 * const methods = [...DEFAULT_IDEMPOTENT_METHODS, 'PUT'];
 * ```
 */
export const DEFAULT_IDEMPOTENT_METHODS: readonly string[] = Object.freeze(['POST', 'PATCH']);
/**
 * Default `ttlMs`: a completed record is kept 24 hours (as Stripe does).
 *
 * @example
 * ```ts
 * import { DEFAULT_TTL_MS, memoryStore } from '@brace/idempotency';
 *
 * const options = { store: memoryStore(), ttlMs: DEFAULT_TTL_MS * 7 }; // a week
 * ```
 */
export const DEFAULT_TTL_MS = 86_400_000;
/**
 * Default `lockTtlMs`: an in-progress claim expires after 60 seconds.
 *
 * @example
 * ```ts
 * import { DEFAULT_LOCK_TTL_MS, memoryStore } from '@brace/idempotency';
 *
 * const options = { store: memoryStore(), lockTtlMs: DEFAULT_LOCK_TTL_MS * 5 }; // slow handlers
 * ```
 */
export const DEFAULT_LOCK_TTL_MS = 60_000;
/**
 * Default `maxBodyBytes`: responses up to 1 MiB are stored.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BODY_BYTES, memoryStore } from '@brace/idempotency';
 *
 * const options = { store: memoryStore(), maxBodyBytes: DEFAULT_MAX_BODY_BYTES / 4 };
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/**
 * Default `maxRequestBytes`: request bodies up to 1 MiB are read and fingerprinted; a bigger
 * one is answered 413 before anything runs.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_REQUEST_BYTES, memoryStore } from '@brace/idempotency';
 *
 * const options = { store: memoryStore(), maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES * 8 }; // uploads
 * ```
 */
export const DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
/**
 * Default `maxRetryAfterSeconds` of a 409: 1 second.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_RETRY_AFTER_SECONDS, memoryStore } from '@brace/idempotency';
 *
 * const options = { store: memoryStore(), maxRetryAfterSeconds: DEFAULT_MAX_RETRY_AFTER_SECONDS * 2 };
 * ```
 */
export const DEFAULT_MAX_RETRY_AFTER_SECONDS = 1;
/**
 * Default `replayHeaders`: the response headers stored and replayed. Never `set-cookie`
 * (it may carry a session), `date`, or hop-by-hop and length headers (recomputed).
 *
 * @example
 * ```ts
 * import { DEFAULT_REPLAY_HEADERS, memoryStore } from '@brace/idempotency';
 *
 * const options = { store: memoryStore(), replayHeaders: [...DEFAULT_REPLAY_HEADERS, 'x-request-cost'] };
 * ```
 */
export const DEFAULT_REPLAY_HEADERS: readonly string[] = Object.freeze([
  'content-type',
  'content-language',
  'content-encoding',
  'content-disposition',
  'content-location',
  'location',
  'etag',
  'last-modified',
  'cache-control',
  'expires',
  'link',
  'vary',
]);

/**
 * Default `cacheStatus`: stores 2xx and 4xx results except 408, 409, 425 and 429 (which
 * say "try again"); everything else (1xx, 3xx, 5xx) releases the key.
 *
 * @param status - the handler's status
 * @returns whether the result is stored and replayed
 *
 * @example
 * ```ts
 * import { defaultCacheStatus } from '@brace/idempotency';
 *
 * defaultCacheStatus(201); // true
 * defaultCacheStatus(429); // false
 * defaultCacheStatus(503); // false
 * ```
 */
export function defaultCacheStatus(status: number): boolean {
  if (status >= 200 && status < 300) return true;
  if (status < 400 || status >= 500) return false;
  return status !== 408 && status !== 409 && status !== 425 && status !== 429;
}

/**
 * What `onError` receives: a store operation failed (or a claim was lost). The request
 * itself was answered: with 503 when `begin` failed, with the handler's response otherwise.
 *
 * @example
 * ```ts
 * import type { IdempotencyErrorEvent } from '@brace/idempotency';
 *
 * const onError = (event: IdempotencyErrorEvent) => log.warn(event.phase, event.error);
 * ```
 */
export interface IdempotencyErrorEvent {
  /** Which store operation failed (`extend`: the heartbeat of a long handler). */
  phase: 'begin' | 'complete' | 'release' | 'extend';
  /** The error (a store's rejection, or an `IdempotencyClaimLostError`). */
  error: unknown;
}

/**
 * Options of the server middleware (`createIdempotency`, `withIdempotency`, the Hono and
 * Express middleware).
 *
 * @typeParam R - the framework's request type that `scope` and `fingerprint` see in `raw`
 *
 * @example
 * ```ts
 * import { memoryStore, type IdempotencyOptions } from '@brace/idempotency';
 *
 * const options: IdempotencyOptions<Request> = {
 *   store: memoryStore({ maxEntries: 10_000 }),
 *   required: true,
 *   scope: (request) => request.raw.headers.get('x-tenant-id') ?? '',
 * };
 * ```
 */
export interface IdempotencyOptions<R = unknown> {
  /** Where claims and responses are kept: `memoryStore()` or an adapter. */
  store: IdempotencyStore;
  /** The methods handled (others pass straight through). Default `['POST', 'PATCH']`. */
  methods?: readonly string[];
  /** Answer 400 when a handled request has no key. Default `false` (it runs without one). */
  required?: boolean;
  /** How long a completed response is kept, in ms (1 ms to 365 days). Default 24 hours. */
  ttlMs?: number;
  /**
   * How long an in-progress claim lasts, in ms (1 ms to `ttlMs`): after that, a crashed
   * handler's key is taken over by the next request with it. Set it above your slowest
   * handler. Default 60 seconds.
   */
  lockTtlMs?: number;
  /**
   * The tenant part of the store key (an account id, an API key's id), so that one tenant
   * can never replay another's response. The method and path are always added. Default
   * {@link credentialScope}: a hash of the credentials the request carries (`Authorization`,
   * `X-API-Key`, `Cookie`). `false` shares one scope between all callers: opt out only when
   * keys are unguessable and every caller is trusted.
   */
  scope?: false | ((request: IdempotencyRequest<R>) => string | Promise<string>);
  /**
   * Identifies "the same request". Default {@link defaultFingerprint}: SHA-256 over method,
   * path with query, and the body bytes.
   */
  fingerprint?: (request: IdempotencyRequest<R>) => string | Promise<string>;
  /** Which handler statuses are stored and replayed. Default {@link defaultCacheStatus}. */
  cacheStatus?: (status: number) => boolean;
  /**
   * The largest response body stored, in bytes (0 to 256 MiB). A bigger body, or an
   * `text/event-stream` response, is passed through unstored and the key is released.
   * Default 1 MiB.
   */
  maxBodyBytes?: number;
  /**
   * The largest request body read and fingerprinted, in bytes (0 to 1 GiB). A request that
   * declares a bigger `Content-Length`, or whose body grows past it while it is read, is
   * answered 413 (`IDEMPOTENCY_REQUEST_TOO_LARGE`) without claiming the key or running the
   * handler. Default {@link DEFAULT_MAX_REQUEST_BYTES} (1 MiB).
   */
  maxRequestBytes?: number;
  /** Response headers stored and replayed (any case). Default {@link DEFAULT_REPLAY_HEADERS}. */
  replayHeaders?: readonly string[];
  /** The request header read. Default `Idempotency-Key`. */
  header?: string;
  /**
   * The largest `Retry-After` sent with a 409, in seconds (1 to 86,400); it is smaller
   * when the first request's claim expires sooner. Default 1.
   */
  maxRetryAfterSeconds?: number;
  /** Called when a store operation fails. A throwing callback is ignored. */
  onError?: (event: IdempotencyErrorEvent) => void;
  /**
   * Extend the claim while the handler runs (when the store implements `extend`), so that a
   * handler slower than `lockTtlMs` is never run twice at once: every `lockTtlMs / 3`, each
   * claim that has run that long gets a fresh `lockTtlMs`. One loop per middleware, no timer
   * per request, armed only when a claim outlives the turn of the event loop it was made in;
   * a handler shorter than `lockTtlMs / 3` is never extended. `lockTtlMs` then only bounds how
   * long a crashed process's claim blocks its key. Default `true`.
   */
  heartbeat?: boolean;
  /**
   * The `type` URI of the problem bodies the middleware writes: a link to your documentation
   * of idempotency errors (the draft asks for one), for every code or per code. Default
   * `about:blank`.
   */
  problemType?: IdempotencyProblemTypes;
  /** The heartbeat's time source (`now`, `sleep`); `manualClock` from `@brace/core` in tests. Default: real time, timers that never hold the process open. */
  clock?: Pick<Clock, 'now' | 'sleep'>;
}

/** Options with defaults applied and checked. */
export interface ResolvedOptions<R> {
  store: IdempotencyStore;
  methods: ReadonlySet<string>;
  required: boolean;
  ttlMs: number;
  lockTtlMs: number;
  scope: ((request: IdempotencyRequest<R>) => string | Promise<string>) | undefined;
  fingerprint: (request: IdempotencyRequest<R>) => string | Promise<string>;
  cacheStatus: (status: number) => boolean;
  maxBodyBytes: number;
  maxRequestBytes: number;
  replayHeaders: ReadonlySet<string>;
  header: string;
  maxRetryAfterSeconds: number;
  onError: ((event: IdempotencyErrorEvent) => void) | undefined;
  heartbeat: boolean;
  clock: HeartbeatClock;
  problemType: IdempotencyProblemTypes | undefined;
}

function checkFunction(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new IdempotencyOptionError(option, 'a function');
  }
}

/** Applies defaults and checks every option, naming the option at fault. */
export function resolveOptions<R>(options: IdempotencyOptions<R>): ResolvedOptions<R> {
  const store = options?.store;
  if (
    typeof store !== 'object' ||
    store === null ||
    typeof store.begin !== 'function' ||
    typeof store.complete !== 'function' ||
    typeof store.release !== 'function'
  ) {
    throw new IdempotencyOptionError('store', 'an IdempotencyStore (begin, complete, release)');
  }
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  checkInteger('ttlMs', ttlMs, 1, 365 * 86_400_000);
  const lockTtlMs = options.lockTtlMs ?? Math.min(DEFAULT_LOCK_TTL_MS, ttlMs);
  checkInteger('lockTtlMs', lockTtlMs, 1, ttlMs);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  checkInteger('maxBodyBytes', maxBodyBytes, 0, 256 * 1_048_576);
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  checkInteger('maxRequestBytes', maxRequestBytes, 0, 1_073_741_824);
  const maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS;
  checkInteger('maxRetryAfterSeconds', maxRetryAfterSeconds, 1, 86_400);
  const methods = options.methods ?? DEFAULT_IDEMPOTENT_METHODS;
  if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string' || m === '')) {
    throw new IdempotencyOptionError('methods', 'an array of HTTP method names');
  }
  const replayHeaders = options.replayHeaders ?? DEFAULT_REPLAY_HEADERS;
  if (!Array.isArray(replayHeaders) || replayHeaders.some((h) => typeof h !== 'string')) {
    throw new IdempotencyOptionError('replayHeaders', 'an array of header names');
  }
  const header = options.header ?? IDEMPOTENCY_KEY_HEADER;
  if (typeof header !== 'string' || header === '') {
    throw new IdempotencyOptionError('header', 'a non-empty header name');
  }
  if (options.required !== undefined && typeof options.required !== 'boolean') {
    throw new IdempotencyOptionError('required', 'a boolean');
  }
  if (options.scope !== false) checkFunction('scope', options.scope);
  checkFunction('fingerprint', options.fingerprint);
  checkFunction('cacheStatus', options.cacheStatus);
  checkFunction('onError', options.onError);
  if (options.heartbeat !== undefined && typeof options.heartbeat !== 'boolean') {
    throw new IdempotencyOptionError('heartbeat', 'a boolean');
  }
  const clock = options.clock ?? unrefClock;
  if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') {
    throw new IdempotencyOptionError('clock', 'a clock with now() and sleep(ms)');
  }
  const problemType = options.problemType;
  if (
    problemType !== undefined &&
    !(typeof problemType === 'string' && problemType !== '') &&
    !(
      typeof problemType === 'object' &&
      problemType !== null &&
      Object.entries(problemType).every(
        ([code, uri]) => code in IDEMPOTENCY_PROBLEMS && typeof uri === 'string' && uri !== '',
      )
    )
  ) {
    throw new IdempotencyOptionError(
      'problemType',
      'a URI, or a record from IDEMPOTENCY_PROBLEMS codes to URIs',
    );
  }
  return {
    problemType,
    store,
    methods: new Set(methods.map((m) => m.toUpperCase())),
    required: options.required ?? false,
    ttlMs,
    lockTtlMs,
    scope:
      options.scope === false
        ? undefined
        : (options.scope ??
          (credentialScope as (request: IdempotencyRequest<R>) => Promise<string>)),
    fingerprint: options.fingerprint ?? defaultFingerprint,
    cacheStatus: options.cacheStatus ?? defaultCacheStatus,
    maxBodyBytes,
    maxRequestBytes,
    replayHeaders: new Set(replayHeaders.map((h) => h.toLowerCase())),
    header,
    maxRetryAfterSeconds,
    onError: options.onError,
    heartbeat: options.heartbeat ?? true,
    clock,
  };
}
