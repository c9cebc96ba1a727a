import { systemClock } from '@brace/core';
import { boundedStore } from './bounded-store.js';
import { coordinatedRefresh } from './coordinated.js';
import type { Credential } from './credential.js';
import { sendWithDpop } from './dpop.js';
import { AuthClosedError, AuthGrantError, AuthRefreshError } from './errors.js';
import { emit, type RefreshReason } from './events.js';
import type { TokenSet } from './grant.js';
import { validateManagerOptions } from './manager-options.js';
import { failureOf, isFinal, withSignal } from './refresh-outcome.js';
import { memoryTokenStore } from './store.js';
import { timer } from './timer.js';
import type { TokenManager, TokenManagerOptions } from './token-manager-types.js';

export {
  DEFAULT_EXPIRY_SKEW_MS,
  DEFAULT_JITTER_MS,
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_REFRESH_BEFORE_MS,
} from './manager-options.js';

export type { TokenManager, TokenManagerOptions } from './token-manager-types.js';

/** The longest delay a timer holds. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Creates a {@link TokenManager}.
 *
 * @param options - the grant, timing, store and events
 * @returns the manager
 * @example
 * ```ts
 * import { createTokenManager, refreshToken } from '@brace/auth';
 *
 * const auth = createTokenManager({
 *   grant: refreshToken({ tokenUrl: 'https://id.example.com/token', clientId: 'app', refreshToken: 'rt' }),
 *   refreshBeforeMs: 120_000,
 * });
 * await auth.validate(); // at start-up: fails fast on a bad credential
 * ```
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const o = validateManagerOptions(options);
  const { grant } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const store = boundedStore(
    options.store ?? memoryTokenStore({ now: () => clock.now() }),
    o.storeTimeoutMs,
    clock,
  );
  const key = options.key ?? grant.key ?? grant.credential;
  const lifecycle = new AbortController();
  const schedule = timer(options.clock, lifecycle.signal);

  let token: TokenSet | undefined;
  let refreshAt = 0;
  let rejected: string | undefined;
  let inflight: Promise<TokenSet> | undefined;
  let backgroundAttempt = 0;
  let refusal: AuthGrantError | undefined;
  let refusedUntil = 0;
  // The token a 401 made this manager fetch: if it is refused too, the server refuses the
  // credential (a permission, an audience), not the token's age, and for retryCapMs further
  // 401s with it get no refresh (else every such request costs a token request).
  let afterRejection: { token: string; until: number } | undefined;

  const window = (t: TokenSet) =>
    Math.min(o.refreshBeforeMs, (t.expiresAt - (t.issuedAt ?? t.expiresAt)) / 2);
  const usable = (t: TokenSet) =>
    t.accessToken !== rejected && clock.now() < t.expiresAt - o.expirySkewMs;
  const backoff = (attempt: number) =>
    random() * Math.min(o.retryCapMs, o.retryBaseMs * 2 ** (attempt - 1));
  // Background retries keep at least half the step, so a still-valid token is never the
  // reason for a tight loop against a failing endpoint.
  const backgroundDelay = (attempt: number) => {
    const step = Math.min(o.retryCapMs, o.retryBaseMs * 2 ** (attempt - 1));
    return step / 2 + (random() * step) / 2;
  };

  const holdsValid = () => token !== undefined && usable(token);

  const install = (t: TokenSet) => {
    token = t;
    refusal = undefined;
    // The grant issued the rejected token again: it is current, the 401 path gives up.
    if (t.accessToken === rejected) rejected = undefined;
    backgroundAttempt = 0;
    const w = window(t);
    refreshAt = t.expiresAt - w - random() * Math.min(o.jitterMs, w / 2);
    const delay = refreshAt - clock.now();
    // Beyond a timer's range (or no expiry): the first request in the window refreshes.
    // A token that arrived unusable (`expires_in` 0, or within the skew) schedules nothing:
    // its refresh point has passed, and a timer would refresh in a loop.
    const arrivedUsable = clock.now() < t.expiresAt - o.expirySkewMs;
    if (o.proactive && arrivedUsable && delay < MAX_TIMER_MS) {
      schedule(delay, () => startRefresh('proactive'));
    }
  };

  const attemptOnce = async (reason: RefreshReason, replacing: string | undefined) => {
    const started = clock.now();
    const result = await coordinatedRefresh(
      {
        grant,
        store,
        key,
        clock,
        lockTtlMs: o.lockTtlMs,
        lockWaitMs: o.lockWaitMs,
        pollIntervalMs: o.pollIntervalMs,
        // A stored token before its refresh point, or, while this process has no valid
        // token at all, any stored token still valid (its refresh then runs in the background
        // instead of requests waiting for another process's refresh).
        adoptable: (t) =>
          reason !== 'validate' &&
          t.accessToken !== replacing &&
          t.accessToken !== rejected &&
          (clock.now() < t.expiresAt - window(t) ||
            (!holdsValid() && clock.now() < t.expiresAt - o.expirySkewMs)),
        note: (kind) => emit(options.onCoordination, { credential: grant.credential, kind }),
      },
      lifecycle.signal,
    );
    install(result.token);
    emit(options.onRefresh, {
      credential: grant.credential,
      reason,
      source: result.source,
      expiresAt: result.token.expiresAt,
      durationMs: clock.now() - started,
    });
    return result.token;
  };

  const runRefresh = async (reason: RefreshReason): Promise<TokenSet> => {
    const replacing = token?.accessToken;
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce(reason, replacing);
      } catch (error) {
        if (lifecycle.signal.aborted) throw new AuthClosedError();
        const final = isFinal(error);
        const serving = token !== undefined && usable(token) && reason !== 'validate';
        const { reason: failure, status } = failureOf(error);
        const retryNow = !final && !serving && attempt < o.maxAttempts;
        emit(options.onRefreshError, {
          credential: grant.credential,
          code: final ? (error as { code: string }).code : 'AUTH_REFRESH_FAILED',
          failure: final ? undefined : failure,
          status: final ? (error as { status?: number }).status : status,
          attempt,
          willRetry: retryNow || (!final && serving),
          servingCachedToken: serving,
        });
        if (error instanceof AuthGrantError) {
          // A refusal is not retried: later calls fail fast with it for a while instead of
          // asking the token endpoint again on every request.
          refusal = error;
          refusedUntil = clock.now() + o.retryCapMs;
          refreshAt = Math.max(refreshAt, refusedUntil);
        }
        if (final) {
          // Still serving a valid token: the next request does not start another attempt
          // at once (a lock wait or a refusal would just repeat).
          if (serving)
            refreshAt = Math.max(refreshAt, clock.now() + backgroundDelay(++backgroundAttempt));
          throw error;
        }
        if (serving && token !== undefined) {
          backgroundAttempt += 1;
          const delay = backgroundDelay(backgroundAttempt);
          refreshAt = clock.now() + delay; // requests meanwhile do not start another refresh
          schedule(delay, () => startRefresh('retry'));
          return token;
        }
        if (!retryNow) throw new AuthRefreshError(grant.credential, failure, status, attempt);
        await clock.sleep(backoff(attempt), lifecycle.signal).catch(() => {
          throw new AuthClosedError();
        });
      }
    }
  };

  const startRefresh = (reason: RefreshReason): Promise<TokenSet> => {
    if (lifecycle.signal.aborted) return Promise.reject(new AuthClosedError());
    if (inflight === undefined) {
      inflight = runRefresh(reason).finally(() => {
        inflight = undefined;
      });
      // A background refresh's failure is reported through onRefreshError.
      inflight.catch(() => {});
    }
    return inflight;
  };

  const fresh = async (reason: RefreshReason, signal?: AbortSignal): Promise<string> => {
    if (refusal !== undefined && reason !== 'validate' && clock.now() < refusedUntil) {
      throw refusal;
    }
    const t = await withSignal(startRefresh(reason), signal);
    if (!usable(t)) {
      throw new AuthRefreshError(grant.credential, 'invalid-response', undefined, 1);
    }
    return t.accessToken;
  };

  const current = (): string | undefined => {
    const t = token;
    if (t === undefined || !usable(t) || lifecycle.signal.aborted) return undefined;
    if (clock.now() >= refreshAt && inflight === undefined) startRefresh('proactive');
    return t.accessToken;
  };

  const getToken = (opts?: { signal?: AbortSignal }): Promise<string> => {
    if (lifecycle.signal.aborted) return Promise.reject(new AuthClosedError());
    const t = current();
    if (t !== undefined) return Promise.resolve(t);
    return fresh(token === undefined ? 'initial' : rejected ? 'rejected' : 'expired', opts?.signal);
  };

  const scheme = grant.dpop === undefined ? 'Bearer' : 'DPoP';
  const asCredential = (accessToken: string): Credential => ({
    in: 'header',
    name: 'authorization',
    value: `${scheme} ${accessToken}`,
  });

  const dpop = grant.dpop;
  return {
    ...(dpop === undefined
      ? {}
      : {
          send: (
            request: Request,
            credential: Credential,
            send: (r: Request) => Promise<Response>,
          ) => sendWithDpop(dpop, request, credential, send),
        }),
    getToken,
    current,
    invalidate(accessToken) {
      if (token?.accessToken === accessToken) rejected = accessToken;
    },
    refresh: (opts) => fresh('proactive', opts?.signal),
    async validate(opts) {
      if (inflight !== undefined) await inflight.catch(() => {});
      const accessToken = await fresh('validate', opts?.signal);
      if (options.validate === undefined) return;
      try {
        await options.validate(accessToken, opts?.signal ?? lifecycle.signal);
      } catch {
        throw new AuthGrantError(
          grant.credential,
          'validation_failed',
          undefined,
          'The token was issued but the validate() call refused it: check the scopes and audience.',
        );
      }
    },
    close() {
      lifecycle.abort(new AuthClosedError());
    },
    authorize(signal) {
      const t = current();
      if (t !== undefined) return asCredential(t);
      return getToken(signal ? { signal } : undefined).then(asCredential);
    },
    async rejected(credential, signal) {
      const used = credential.value.slice(scheme.length + 1);
      const refusedAgain = afterRejection?.token === used && token?.accessToken === used;
      if (refusedAgain && clock.now() < (afterRejection?.until ?? 0)) return undefined;
      this.invalidate(used);
      const next = await getToken(signal ? { signal } : undefined);
      if (next === used) return undefined;
      // Not past the new token's refresh point: a 401 from then on is its age again.
      afterRejection = { token: next, until: Math.min(clock.now() + o.retryCapMs, refreshAt) };
      return asCredential(next);
    },
  };
}
