import type { Authenticator, TokenManagerOptions } from '@brace/auth';
import type { CircuitBreaker, CircuitBreakerOptions, RetryBudget } from '@brace/backoff';
import type { Cache, CacheOptions } from '@brace/cache';
import type { Clock, FetchLike } from '@brace/core';
import type { ProblemDetails } from '@brace/problem-details';
import type { RateLimiter, RateLimiterOptions } from '@brace/rate-limit';
import type { Routes } from '@brace/schema-guard';
import type { Telemetry, TelemetryOptions } from '@brace/telemetry';
import type { ProviderPreset } from './preset-types.js';
import type { SharedOptions } from './shared.js';

/**
 * The retry budget's default share of retries: 10% of requests (Google SRE).
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY_RATIO } from '@brace/client';
 *
 * console.log(DEFAULT_RETRY_RATIO); // 0.1
 * ```
 */
export const DEFAULT_RETRY_RATIO = 0.1;
/**
 * Default attempts per call, the first included.
 *
 * @example
 * ```ts
 * import { DEFAULT_CLIENT_ATTEMPTS } from '@brace/client';
 *
 * console.log(DEFAULT_CLIENT_ATTEMPTS); // 3
 * ```
 */
export const DEFAULT_CLIENT_ATTEMPTS = 3;
/**
 * Default per-attempt timeout, in ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_TIMEOUT_MS } from '@brace/client';
 *
 * console.log(DEFAULT_TIMEOUT_MS); // 10000
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Default `maxWaitMs` of the limiter the client builds: the longest an attempt waits in its
 * queue before `RateLimitWaitTimeoutError`. The per-attempt timeout (`timeoutMs`) starts only
 * once the slot is granted, so this is what bounds the wait (with the caller's signal).
 *
 * @example
 * ```ts
 * import { DEFAULT_QUEUE_WAIT_MS } from '@brace/client';
 *
 * console.log(DEFAULT_QUEUE_WAIT_MS); // 60000
 * ```
 */
export const DEFAULT_QUEUE_WAIT_MS = 60_000;
/**
 * The version header used when no preset names one.
 *
 * @example
 * ```ts
 * import { DEFAULT_VERSION_HEADER } from '@brace/client';
 *
 * console.log(DEFAULT_VERSION_HEADER); // 'api-version'
 * ```
 */
export const DEFAULT_VERSION_HEADER = 'api-version';

/**
 * A token sent the way the preset (or `header`/`prefix`) says, with rotation: `[current,
 * previous]` retries a 401 with the previous key (see `apiKey` in `@brace/auth`).
 *
 * @example
 * ```ts
 * import type { TokenAuth } from '@brace/client';
 *
 * const auth: TokenAuth = { token: process.env.GITHUB_TOKEN ?? '' };
 * ```
 */
export interface TokenAuth {
  /** The token, or `[current, previous]` during a rotation. */
  token: string | readonly [string, string];
  /** The header. Default: the preset's, else `authorization`. */
  header?: string;
  /** Text before the token. Default: the preset's, else `Bearer `. */
  prefix?: string;
}

/**
 * Idempotency-key options of an integration.
 *
 * @example
 * ```ts
 * import type { IdempotencySettings } from '@brace/client';
 *
 * const settings: IdempotencySettings = { format: 'token', methods: ['POST'] };
 * ```
 */
export interface IdempotencySettings {
  /** The header. Default: the preset's, else `idempotency-key`. */
  header?: string;
  /** `structured` (a structured-field String, the IETF draft) or `token` (bare, as Stripe takes it). */
  format?: 'structured' | 'token';
  /** The methods that get a key. Default `['POST', 'PATCH']`. */
  methods?: readonly string[];
}

/**
 * Retry options of an integration.
 *
 * @example
 * ```ts
 * import type { RetrySettings } from '@brace/client';
 *
 * const retry: RetrySettings = { attempts: 5, retryOnTimeout: true };
 * ```
 */
export interface RetrySettings {
  /** Attempts per call, the first included (1–100). Default {@link DEFAULT_CLIENT_ATTEMPTS}. */
  attempts?: number;
  /** The retry budget shared by every call. Default `createRetryBudget({ ratio: DEFAULT_RETRY_RATIO })`. */
  budget?: RetryBudget;
  /** Retry timeouts too. Default `false`. */
  retryOnTimeout?: boolean;
  /** Longest server-requested wait honoured, in ms. Default `@brace/backoff`'s (60 s). */
  maxRetryAfterMs?: number;
}

/**
 * Options of `defineIntegration` (and `createFetch`). Everything but `name` and `baseUrl` is
 * optional, and those two come from `preset` when one is given.
 *
 * @example
 * ```ts
 * import type { IntegrationOptions } from '@brace/client';
 *
 * const options: IntegrationOptions = { name: 'billing', baseUrl: 'https://billing.example.com/v1/' };
 * ```
 */
export interface IntegrationOptions<T = unknown> {
  /** The integration's name: in events, telemetry, health and warnings. Default: the preset's. */
  name?: string;
  /** The API's base URL (`{version}` is replaced by the pinned version). Default: the preset's. */
  baseUrl?: string;
  /** A provider preset (`@brace/client/presets`): limits, headers, errors, auth scheme, version. */
  preset?: ProviderPreset;
  /** The API version pinned on every call. Default: the preset's; `false` sends none. */
  version?: string | false;
  /** The request header carrying `version`. Default: the preset's, else {@link DEFAULT_VERSION_HEADER}. */
  versionHeader?: string;
  /**
   * Credentials: a `@brace/auth` authenticator (token manager, `apiKey`, ...), a token, or the
   * options of a token manager (`{ grant, ... }`: built here, its token shared through `shared`
   * and its refreshes on the event stream). Default: none.
   */
  auth?: Authenticator | TokenAuth | TokenManagerOptions;
  /**
   * The limiter: options for a new one (`@brace/rate-limit`'s: `pacing`, `safetyMarginMs`,
   * `adaptive`...), your own `RateLimiter` (its events stay yours), or `false`. Default: the
   * preset's policies, paced smoothly with a 50 ms margin, learning from headers and backing off
   * after a bare 429; without a preset, no policy and `concurrency: Infinity`.
   */
  rateLimit?: false | RateLimiter | RateLimiterOptions;
  /** Retries: `false` for none. Default: {@link DEFAULT_CLIENT_ATTEMPTS} attempts inside a 10% budget. */
  retry?: false | RetrySettings;
  /** The circuit breaker (per host): `false`, options, or your own. Default: `createCircuitBreaker()`. */
  breaker?: boolean | CircuitBreaker | CircuitBreakerOptions;
  /** Idempotency keys on POST and PATCH. Default: on, as the preset says; `false` when the provider has none. */
  idempotency?: boolean | IdempotencySettings;
  /** The route table (`defineRoutes` from `@brace/schema-guard`): typed calls on `integration.api`. */
  routes?: Routes<T>;
  /** What a response that does not match its schema does: `'warn'` (default, a `drift` event) or `'throw'`. */
  drift?: 'warn' | 'throw';
  /** Error bodies as RFC 9457 problems (`ProblemDetailsError`): `true` (default), `false`, or your own mapping. */
  errors?:
    | boolean
    | ((body: unknown, context: { status: number; baseUrl: string }) => ProblemDetails | undefined);
  /** An HTTP cache (`@brace/cache`): options for a new one, your own `Cache`, or `false` (default). */
  cache?: false | Cache | CacheOptions;
  /** Telemetry (`@brace/telemetry`): `true` (default), options for a new one, your own, or `false`. */
  telemetry?: boolean | Telemetry | Omit<TelemetryOptions, 'integration'>;
  /**
   * Per-attempt timeout in ms, or `false`. It starts when the attempt is sent (after the
   * limiter's slot and the credential), and the body gets as long again after the headers.
   * Default {@link DEFAULT_TIMEOUT_MS}.
   */
  timeoutMs?: number | false;
  /** Headers sent on every call. */
  headers?: Record<string, string>;
  /** One place for the shared stores of a many-process deployment (Redis or PostgreSQL). */
  shared?: SharedOptions;
  /** The cheap GET `validate()` makes, relative to `baseUrl`. Default: the preset's, else none. */
  validatePath?: string;
  /** Where the one-per-endpoint deprecation warning goes. Default `console.warn`; `false` for none. */
  warn?: ((message: string) => void) | false;
  /** The `fetch` underneath. Default: the global `fetch`, looked up at call time. */
  fetch?: FetchLike;
  /** Time source for waits, windows and dates. Default `systemClock`. */
  clock?: Clock;
  /** Uniform random in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
}
