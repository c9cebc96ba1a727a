/**
 * Anything with a `stats()` snapshot, read structurally when `stats()`/`health()` is asked
 * (no timers): a numeric `queued` is the queue depth (a `@brace/rate-limit` limiter), a
 * `state` of `closed`/`open`/`half-open` the breaker state, `remaining`/`limit` rate-limit
 * figures, and `credentials: 'ok' | 'failing'` (or `failing: boolean`) the credentials' state.
 *
 * @example
 * ```ts
 * import type { StatsSource } from '@brace/telemetry';
 *
 * const queue: StatsSource = { stats: () => ({ queued: 3, running: 1 }) };
 * ```
 */
export interface StatsSource {
  /** Returns the current snapshot. */
  stats(): unknown;
}

/**
 * `on*` callbacks to pass into other Brace packages' options (they are typed structurally,
 * so no package imports another): a breaker's `onStateChange`, a retry's `onRetry`, a
 * limiter's `onQueued`/`onDispatch`/`onThrottled`, a token manager's
 * `onRefresh`/`onRefreshError`. Each takes one plain object and never throws.
 *
 * @example
 * ```ts
 * import { createCircuitBreaker } from '@brace/backoff';
 * import { createTelemetry } from '@brace/telemetry';
 *
 * const telemetry = createTelemetry({ integration: 'stripe' });
 * const breaker = createCircuitBreaker({ onStateChange: telemetry.listeners.onStateChange });
 * ```
 */
export interface TelemetryListeners {
  /** A circuit breaker changed state (`{ from, to }`). */
  onStateChange(event: { from?: string; to: string }): void;
  /** A retry is about to happen (counted by the adapters already; kept for plain `retry()`). */
  onRetry(event: { attempt?: number }): void;
  /** A task was queued (`{ queued }`). */
  onQueued(event: { queued?: number }): void;
  /** A task left the queue (`{ queued }`). */
  onDispatch(event: { queued?: number }): void;
  /** The limiter throttled. */
  onThrottled(event: unknown): void;
  /** Credentials were refreshed successfully. */
  onRefresh(event: unknown): void;
  /** Refreshing credentials failed. */
  onRefreshError(event: unknown): void;
}

/** State fed by watched sources and listeners. */
export interface WatchedState {
  breaker?: 'closed' | 'open' | 'half-open';
  queueDepth?: number;
  credentials?: 'ok' | 'failing';
  rateLimit?: { remaining?: number; limit?: number; at: number };
}

const BREAKER_STATES = new Set(['closed', 'open', 'half-open']);

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Reads one source's snapshot into `state`; a throwing or odd source is ignored. */
export function readSource(source: StatsSource, state: WatchedState, now: number): void {
  let snapshot: unknown;
  try {
    snapshot = source.stats();
  } catch {
    return;
  }
  if (typeof snapshot !== 'object' || snapshot === null) return;
  const s = snapshot as Record<string, unknown>;
  const queued = finite(s.queued);
  if (queued !== undefined) state.queueDepth = (state.queueDepth ?? 0) + queued;
  if (typeof s.state === 'string' && BREAKER_STATES.has(s.state)) {
    state.breaker = s.state as WatchedState['breaker'];
  }
  const remaining = finite(s.remaining);
  const limit = finite(s.limit);
  if (remaining !== undefined || limit !== undefined)
    state.rateLimit = { remaining, limit, at: now };
  if (s.credentials === 'ok' || s.credentials === 'failing') state.credentials = s.credentials;
  else if (typeof s.failing === 'boolean') state.credentials = s.failing ? 'failing' : 'ok';
}
