import { authHooks } from '@brace/auth/ky';
import { isRetryableError } from '@brace/backoff';
import { backoffHooks, backoffRetry, backoffStatusRecorder } from '@brace/backoff/ky';
import { cacheHooks } from '@brace/cache/ky';
import { type AnyHook, type HooksLike, wrapFetchHook } from '@brace/core';
import { idempotencyHooks } from '@brace/idempotency/ky';
import { problemDetailsHooks } from '@brace/problem-details/ky';
import { rateLimitHooks } from '@brace/rate-limit/ky';
import { schemaGuardOptions } from '@brace/schema-guard/ky';
import { telemetryHooks } from '@brace/telemetry/ky';
import type { Options } from 'ky';
import { kyAttemptTimeout } from './attempt-timeout.js';
import { breakerGate, recordingOnly } from './breaker-gate.js';
import { observeFetch } from './endpoint.js';
import { oneBeforeError, oneBeforeRequest, oneInit } from './one-hook.js';
import { DEFAULT_TIMEOUT_MS, type IntegrationOptions } from './options.js';
import type { Parts } from './parts.js';

const list = (hooks: HooksLike | undefined, name: keyof HooksLike): AnyHook[] =>
  (hooks?.[name] as AnyHook[] | undefined) ?? [];

/**
 * @internal ky's options for an integration. The hook order, and why:
 *
 * `init` hooks wrap ky's `fetch` (no response clones); each wraps the one before, so the first
 * listed is the innermost. Outermost to innermost, per attempt:
 * 0. the attempt timeout's outer half — hands the inner half the request ky made (for ky's
 *    `TimeoutError`), see `attempt-timeout.ts`;
 * 1. auth — the credential goes on each attempt, before the cache sees the request, so the
 *    cache keys each credential's answers apart (by a hash of it) and may keep `private` ones
 *    (GitHub marks authenticated answers `private`); a 401 is refreshed and re-sent *through*
 *    the cache and the limiter below, so the re-send takes a slot of its own;
 * 2. cache — a fresh or stale-if-error answer needs nothing below it (no slot, no network);
 * 3. the breaker's fail-fast — inside the cache, so an open circuit refuses only what the cache
 *    cannot answer: a fresh entry is served, a refused attempt is answered from an entry in its
 *    stale-if-error window (`stale: breaker-open`), and the origin is never reached;
 * 4. rate limit — a slot just before the network; the response's headers teach it the limits;
 * 5. the attempt timeout — ky's `timeout` is taken over here, so it starts when the attempt is
 *    sent: neither the queue (bounded by the limiter's `maxWaitMs`) nor auth counts against it;
 * 6. telemetry — the attempt as the provider served it (queue waits are the limiter's figures);
 * 7. the observer — backoff's record of each status (it feeds the retry budget and the breaker:
 *    `backoffStatusRecorder`, in place of backoff's own `init` wrapper, one async step fewer per
 *    attempt), then `Deprecation`/`Sunset` of every raw response (what a response says about
 *    limits, a bare 429 included, is the limiter's to act on, in 4).
 *
 * `beforeRequest` (once per call): without auth, the cache answers fresh entries first (no slot,
 * no budget; with auth the request has no credential yet, so the lookup is left to the cache's
 * fetch wrapper); then the request body is checked against its route (an invalid body is never
 * sent nor counted); then the budget counts the call (backoff's hooks see the breaker through
 * `recordingOnly`: they record, the gate in 3 refuses); last the idempotency key, so every retry
 * carries the same one.
 *
 * `beforeError`: telemetry and backoff read ky's own error first; problem details go last, so
 * the caller gets a `ProblemDetailsError` with ky's `HTTPError` as its `cause`.
 *
 * No `afterResponse` hook: ky clones the response for each one. Each kind's list is handed to ky
 * as one hook (`one-hook.ts`): ky copies and merges every hook list on each request, item by
 * item, and races each `beforeRequest` hook against its total timeout.
 */
export function integrationKyOptions(parts: Parts, options: IntegrationOptions<unknown>): Options {
  const routes = options.routes;
  const { emitter, name: integration } = parts;
  const cache = parts.cache ? cacheHooks(parts.cache) : undefined;
  const auth = parts.auth ? authHooks(parts.auth) : undefined;
  const limit = parts.limiter ? rateLimitHooks(parts.limiter) : undefined;
  const telemetry = parts.telemetry ? (telemetryHooks(parts.telemetry) as HooksLike) : undefined;
  const recorded = {
    ...(parts.budget ? { budget: parts.budget } : {}),
    ...(parts.breaker ? { breaker: recordingOnly(parts.breaker) } : {}),
  };
  const backoff = parts.budget || parts.breaker ? (backoffHooks(recorded) as HooksLike) : undefined;
  // backoff's status record goes in the observer's wrapper (its own `init` wrapper is left out).
  const record = backoff ? backoffStatusRecorder(recorded) : undefined;
  const idempotency = parts.idempotency
    ? (idempotencyHooks({
        header: parts.idempotency.header,
        format: parts.idempotency.format,
        methods: parts.idempotency.methods,
      }) as HooksLike)
    : undefined;
  const errors = options.errors ?? true;
  const problems =
    errors === false
      ? undefined
      : (problemDetailsHooks({
          normalize: typeof errors === 'function' ? errors : (parts.preset?.normalizeError ?? true),
        }) as unknown as HooksLike);
  const guard = routes
    ? schemaGuardOptions(routes, {
        baseUrl: parts.baseUrl,
        mode: options.drift ?? 'warn',
        clock: parts.clock,
        onDrift: (report) => emitter.emit({ type: 'drift', integration, report }),
      })
    : undefined;

  const timeout = kyAttemptTimeout();
  const hooks: HooksLike = {
    init: oneInit([
      wrapFetchHook(observeFetch(parts, routes, record)),
      ...list(telemetry, 'init'),
      timeout.send,
      ...list(limit, 'init'),
      ...(parts.breaker ? [breakerGate(parts.breaker)] : []),
      ...list(cache, 'init'),
      ...list(auth, 'init'),
      timeout.outer,
    ]),
    beforeRequest: oneBeforeRequest([
      ...(auth ? [] : list(cache, 'beforeRequest')),
      ...list(guard?.hooks as HooksLike | undefined, 'beforeRequest'),
      ...list(backoff, 'beforeRequest'),
      ...list(idempotency, 'beforeRequest'),
    ]),
    beforeRetry: list(backoff, 'beforeRetry'),
    beforeError: oneBeforeError([
      ...list(telemetry, 'beforeError'),
      ...list(backoff, 'beforeError'),
      ...list(problems, 'beforeError'),
    ]),
  };
  for (const key of Object.keys(hooks) as Array<keyof HooksLike>) {
    if (hooks[key]?.length === 0) delete hooks[key];
  }

  const isRateLimited = parts.preset?.isRateLimited;
  const limited = isRateLimited
    ? (error: unknown) => {
        const response = (error as { response?: Response }).response;
        return response !== undefined && isRateLimited(response.status, response.headers);
      }
    : undefined;
  const retry =
    parts.attempts <= 1
      ? 0
      : backoffRetry({
          attempts: parts.attempts,
          ...(parts.budget ? { budget: parts.budget } : {}),
          retryOnTimeout: parts.retryOnTimeout,
          ...(limited
            ? {
                shouldRetry: (error: unknown) =>
                  isRetryableError(error, { retryOnTimeout: parts.retryOnTimeout }) ||
                  limited(error),
              }
            : {}),
          ...(parts.maxRetryAfterMs !== undefined ? { maxRetryAfter: parts.maxRetryAfterMs } : {}),
          ...(parts.idempotency ? { idempotencyHeader: parts.idempotency.header } : {}),
          clock: parts.clock,
          ...(parts.random ? { random: parts.random } : {}),
          onRetry: (e) =>
            emitter.emit({
              type: 'retry',
              integration,
              attempt: e.attempt,
              delayMs: e.delayMs,
              status: (e.error as { response?: Response }).response?.status,
              url: e.request.url,
            }),
          onGiveUp: (e) =>
            emitter.emit({
              type: 'giveUp',
              integration,
              attempt: e.attempt,
              reason: e.reason,
              url: e.request?.url,
            }),
        });

  return {
    baseUrl: parts.baseUrl,
    headers: parts.headers,
    // ky merges the options once per top-level key on every request: the default timeout is
    // left out (the attempt timeout's `send` reads a missing one as the default).
    ...(parts.timeoutMs === DEFAULT_TIMEOUT_MS ? {} : { timeout: parts.timeoutMs }),
    retry,
    ...(parts.fetch ? { fetch: parts.fetch } : {}),
    ...(guard ? { parseJson: guard.parseJson } : {}),
    hooks: hooks as Options['hooks'],
  };
}
