import type { DriftReport } from '@brace/schema-guard';

/** Fields every event carries. */
export interface EventBase {
  /** The integration's name. */
  integration: string;
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
  /** A failed attempt will be retried after `delayMs`. */
  retry: EventBase & {
    type: 'retry';
    attempt: number;
    delayMs: number;
    status: number | undefined;
    url: string;
  };
  /** A failed call will not be retried (`reason`: not-retryable, exhausted, budget, retry-after-too-long). */
  giveUp: EventBase & { type: 'giveUp'; attempt: number; reason: string; url: string | undefined };
  /** The limiter made a request wait (`reason`: policy, server-remaining, retry-after). */
  throttled: EventBase & { type: 'throttled'; key: string; waitMs: number; reason: string };
  /** The provider told the limiter to stop sending for `durationMs`. */
  pause: EventBase & { type: 'pause'; key: string; durationMs: number; reason: string };
  /** A circuit changed state. */
  breaker: EventBase & { type: 'breaker'; from: string | undefined; to: string; key: string };
  /** A response did not match its route's schema (deduplicated per route and window). */
  drift: EventBase & { type: 'drift'; report: DriftReport };
  /** A response carried `Deprecation` and/or `Sunset`: emitted for every such response. */
  deprecation: EventBase & {
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
  };
  /** The cache answered or missed (`kind`: serve, miss, store, bypass, store-error). */
  cache: EventBase & { type: 'cache'; kind: string; detail: unknown };
  /** Credentials were refreshed, or refreshing them failed. */
  auth: EventBase & { type: 'auth'; kind: string; detail: unknown };
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
      for (const name of [event.type, '*']) {
        const set = listeners.get(name);
        if (set === undefined) continue;
        for (const fn of set) {
          try {
            fn(event);
          } catch {
            // A listener's failure is its own: the request goes on.
          }
        }
      }
    },
  };
}
