import type { DriftReport } from '@brace/schema-guard';

/** Fields every event carries. */
export interface EventBase {
  /** The integration's name. */
  integration: string;
}

/** A failed attempt will be retried after `delayMs`. */
export interface ClientRetryEvent extends EventBase {
  /** The event's name. */
  type: 'retry';
  /** The attempt that failed (1 for the first). */
  attempt: number;
  /** The wait before the next attempt, in ms. */
  delayMs: number;
  /** The failed attempt's HTTP status, when it had an answer. */
  status: number | undefined;
  /** The request URL. */
  url: string;
}

/** A failed call will not be retried. */
export interface ClientGiveUpEvent extends EventBase {
  /** The event's name. */
  type: 'giveUp';
  /** The last attempt. */
  attempt: number;
  /** `not-retryable`, `exhausted`, `budget` or `retry-after-too-long`. */
  reason: string;
  /** The request URL, when known. */
  url: string | undefined;
}

/** The limiter made a request wait. */
export interface ClientThrottledEvent extends EventBase {
  /** The event's name. */
  type: 'throttled';
  /** The limiter key (the host by default). */
  key: string;
  /** How long, in ms. */
  waitMs: number;
  /** `policy`, `server-remaining` or `retry-after`. */
  reason: string;
}

/** The provider's answer made the limiter stop sending for a while, or slow down. */
export interface ClientPauseEvent extends EventBase {
  /** The event's name. */
  type: 'pause';
  /** The paused (or paced) key: the host by default. */
  key: string;
  /** How long the pause (or the pacing) lasts, in ms. */
  durationMs: number;
  /**
   * `retry-after` (the provider said how long), `server-remaining` (nothing left until the
   * reset, or a full Shopify bucket), `server-pace` (what remains is spread over the time to the
   * reset, or a Shopify bucket over half full is paced at its leak rate: one start per
   * `spacingMs`; nothing is paused), or `backoff` (a bare 429: 1 s, doubling per 429 in a row to
   * 60 s, reset by a success).
   */
  reason: string;
  /** For `server-pace`: ms between starts of the key. */
  spacingMs?: number;
}

/** A circuit changed state. */
export interface ClientBreakerEvent extends EventBase {
  /** The event's name. */
  type: 'breaker';
  /** The state it left. */
  from: string | undefined;
  /** The state it entered: `closed`, `open` or `half-open`. */
  to: string;
  /** The circuit's key (the host). */
  key: string;
}

/** A response did not match its route's schema (deduplicated per route and window). */
export interface ClientDriftEvent extends EventBase {
  /** The event's name. */
  type: 'drift';
  /** What drifted (never the values, unless the guard was told to include them). */
  report: DriftReport;
}

/** A response carried `Deprecation` and/or `Sunset`: emitted for every such response. */
export interface ClientDeprecationEvent extends EventBase {
  /** The event's name. */
  type: 'deprecation';
  /** `METHOD route` (the route template when a route matched, else the path). */
  endpoint: string;
  /** When the endpoint was (or will be) deprecated, from `Deprecation` (RFC 9745). */
  deprecatedAt: Date | undefined;
  /** When the endpoint may stop answering, from `Sunset` (RFC 8594). */
  sunsetAt: Date | undefined;
  /** The `Link` with `rel="deprecation"` or `rel="sunset"`, when given. */
  link: string | undefined;
  /** Whether this is the first time this endpoint was seen deprecated (the warning is printed then). */
  first: boolean;
}

/** The cache answered, missed, or its store failed. */
export interface ClientCacheEvent extends EventBase {
  /** The event's name. */
  type: 'cache';
  /** `serve`, `miss` or `store-error`. */
  kind: string;
  /** The cache's own event object. */
  detail: unknown;
}

/** The token manager built from `auth: { grant }` refreshed, or failed to. */
export interface ClientAuthEvent extends EventBase {
  /** The event's name. */
  type: 'auth';
  /** `refresh` or `refresh-error`. */
  kind: string;
  /** The token manager's own event object (never a token). */
  detail: unknown;
}

/**
 * Every event an integration emits, by name. Each part's own callbacks are wired into this one
 * stream, so one `on(name, fn)` (or `on('*', fn)`) sees them all.
 *
 * @example
 * ```ts
 * import type { IntegrationEvents } from '@brace/client';
 *
 * const log = (event: IntegrationEvents['retry']) => console.info(event.attempt, event.delayMs);
 * ```
 */
export interface IntegrationEvents {
  /** A failed attempt will be retried. */
  retry: ClientRetryEvent;
  /** A failed call will not be retried. */
  giveUp: ClientGiveUpEvent;
  /** The limiter made a request wait. */
  throttled: ClientThrottledEvent;
  /** The provider's answer paused (or paced) the limiter. */
  pause: ClientPauseEvent;
  /** A circuit changed state. */
  breaker: ClientBreakerEvent;
  /** Schema drift. */
  drift: ClientDriftEvent;
  /** A deprecated or sunsetting endpoint answered. */
  deprecation: ClientDeprecationEvent;
  /** The cache answered or missed. */
  cache: ClientCacheEvent;
  /** Credentials were refreshed, or refreshing them failed. */
  auth: ClientAuthEvent;
}

/** An event name, or `'*'` for all of them. */
export type IntegrationEventName = keyof IntegrationEvents;

/** Any event of the stream. */
export type AnyIntegrationEvent = IntegrationEvents[IntegrationEventName];

/** A listener for `name` (`'*'` receives every event). */
export type Listener<K extends IntegrationEventName | '*'> = (
  event: K extends IntegrationEventName ? IntegrationEvents[K] : AnyIntegrationEvent,
) => void;

/** @internal The integration's one event stream. */
export interface Emitter {
  on<K extends IntegrationEventName | '*'>(name: K, listener: Listener<K>): () => void;
  emit<K extends IntegrationEventName>(event: IntegrationEvents[K]): void;
  /** Whether any listener would receive an event of `type` (its own or `'*'`). */
  listens(type: IntegrationEventName): boolean;
}

function deliver(
  set: Set<(event: AnyIntegrationEvent) => void> | undefined,
  event: AnyIntegrationEvent,
): void {
  if (set === undefined || set.size === 0) return;
  for (const fn of set) {
    try {
      fn(event);
    } catch {
      // A listener's failure is its own: the request goes on.
    }
  }
}

/** @internal Creates the stream. A throwing listener never breaks a request or other listeners. */
export function createEmitter(): Emitter {
  const listeners = new Map<string, Set<(event: AnyIntegrationEvent) => void>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      const fn = listener as (event: AnyIntegrationEvent) => void;
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
    emit(event) {
      // The event's own listeners, then every-event ones: no array, nothing when none listen.
      deliver(listeners.get(event.type), event);
      deliver(listeners.get('*'), event);
    },
    listens(type) {
      return (listeners.get(type)?.size ?? 0) > 0 || (listeners.get('*')?.size ?? 0) > 0;
    },
  };
}
