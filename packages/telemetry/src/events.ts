// The events the logger receives and the samples subscribers receive.

/** Fields every request event carries. */
interface RequestEventBase {
  /** A human-readable summary (pino's `msg`). */
  msg: string;
  /** The log level the event suggests. */
  level: 'debug' | 'info' | 'warn' | 'error';
  /** When the event was emitted (epoch ms, from the injected clock). */
  at: number;
  /** The integration's name (`stripe`, `github` ...). */
  integration: string;
  /** The HTTP method, upper-case (`_OTHER` for unknown methods). */
  method: string;
  /** The declared template the path matched, or `other`; never the raw path. */
  urlTemplate: string;
  /** The server's host name. */
  serverAddress: string;
  /** The request id (read from the request id header, else generated). */
  requestId: string;
  /** The HTTP status of the (last) response, when one arrived. */
  status?: number;
  /** Duration in ms. */
  durationMs: number;
  /** Low-cardinality error class: the status as a string for 4xx/5xx, else the error's name or code. */
  errorType?: string;
  /** Rate-limit units left, from the response's rate-limit headers. */
  rateLimitRemaining?: number;
  /** Rate-limit quota, from the response's rate-limit headers. */
  rateLimitLimit?: number;
  /** The response was an idempotent replay (`Idempotent-Replayed: true`). */
  replayed: boolean;
  /** The response came from a cache (`Cache-Status: ...; hit`, or the `isCached` option). */
  cached: boolean;
}

/**
 * One attempt (one request sent over the wire) ended.
 *
 * @example
 * ```ts
 * import type { AttemptEvent } from '@brace/telemetry';
 *
 * const onAttempt = (event: AttemptEvent) => {
 *   if (event.attempt > 1) console.warn(`retry ${event.attempt - 1} of ${event.urlTemplate}`);
 * };
 * ```
 */
export interface AttemptEvent extends RequestEventBase {
  /** Discriminant. */
  kind: 'attempt';
  /** 1 for the first attempt, 2 for the first retry ... */
  attempt: number;
  /** Headers named in `captureHeaders`, with sensitive values `REDACTED`. */
  headers?: Record<string, string>;
}

/**
 * One call (an operation, with all its attempts) ended.
 *
 * @example
 * ```ts
 * import type { CallEvent } from '@brace/telemetry';
 *
 * const onCall = (event: CallEvent) => {
 *   if (!event.ok) console.error(`${event.integration} ${event.urlTemplate} failed: ${event.errorType}`);
 * };
 * ```
 */
export interface CallEvent extends RequestEventBase {
  /** Discriminant. */
  kind: 'call';
  /** How many attempts the call made. */
  attempts: number;
  /** Whether the call succeeded (see the `isError` option). */
  ok: boolean;
}

/**
 * Paths matched none of the declared templates and were counted under `other`. Emitted for
 * the first such path, then at most once per window, with the count since the last event.
 *
 * @example
 * ```ts
 * import type { UnmatchedTemplateEvent } from '@brace/telemetry';
 *
 * const onUnmatched = (event: UnmatchedTemplateEvent) => console.warn(event.msg, event.count);
 * ```
 */
export interface UnmatchedTemplateEvent {
  /** Discriminant. */
  kind: 'unmatched-template';
  /** A human-readable summary. */
  msg: string;
  /** Always `warn`. */
  level: 'warn';
  /** When (epoch ms). */
  at: number;
  /** The integration's name. */
  integration: string;
  /** The method of the latest unmatched call. */
  method: string;
  /** Unmatched calls since the previous event. */
  count: number;
}

/**
 * Calls went to hosts beyond the declared `hosts` (or beyond `maxHosts`) and were counted in
 * metrics as `server.address: 'other'`. Emitted for the first such call, then at most once per
 * window, with the count since the last event.
 *
 * @example
 * ```ts
 * import type { UnmatchedHostEvent } from '@brace/telemetry';
 *
 * const onOtherHost = (event: UnmatchedHostEvent) => console.warn(event.msg, event.count);
 * ```
 */
export interface UnmatchedHostEvent {
  /** Discriminant. */
  kind: 'unmatched-host';
  /** A human-readable summary. */
  msg: string;
  /** Always `warn`. */
  level: 'warn';
  /** When (epoch ms). */
  at: number;
  /** The integration's name. */
  integration: string;
  /** Calls counted as `other` since the previous event. */
  count: number;
}

/**
 * Everything the logger receives.
 *
 * @example
 * ```ts
 * import type { TelemetryEvent } from '@brace/telemetry';
 *
 * const logger = (event: TelemetryEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
 * ```
 */
export type TelemetryEvent = AttemptEvent | CallEvent | UnmatchedTemplateEvent | UnmatchedHostEvent;

/**
 * A logger: a function of one event, or a pino-style object whose `debug`/`info`/`warn`/`error`
 * methods take the event as their first argument (pino uses its `msg`).
 *
 * @example
 * ```ts
 * import type { TelemetryLogger } from '@brace/telemetry';
 *
 * const asFunction: TelemetryLogger = (event) => console.log(JSON.stringify(event));
 * const asPinoLike: TelemetryLogger = {
 *   debug: () => {},
 *   info: (event) => console.info(event.msg),
 *   warn: (event) => console.warn(event.msg),
 *   error: (event) => console.error(event.msg),
 * }; // a pino logger fits as it is
 * ```
 */
export type TelemetryLogger =
  | ((event: TelemetryEvent) => void)
  | {
      /** Receives successful attempts. */
      debug(event: TelemetryEvent): void;
      /** Receives successful calls. */
      info(event: TelemetryEvent): void;
      /** Receives failed attempts and unmatched-template and unmatched-host notices. */
      warn(event: TelemetryEvent): void;
      /** Receives failed calls. */
      error(event: TelemetryEvent): void;
    };

/**
 * A sample for subscribers (e.g. fleet aggregation): one ended call or attempt.
 *
 * @example
 * ```ts
 * import type { TelemetrySample } from '@brace/telemetry';
 *
 * const count = (sample: TelemetrySample) => (sample.kind === 'call' && sample.error ? 1 : 0);
 * ```
 */
export type TelemetrySample =
  | {
      /** Discriminant: a call ended. */
      kind: 'call';
      /** When (epoch ms). */
      at: number;
      /** Its duration, ms. */
      durationMs: number;
      /** Whether it counts as an error. */
      error: boolean;
    }
  | {
      /** Discriminant: an attempt ended. */
      kind: 'attempt';
      /** When (epoch ms). */
      at: number;
      /** Whether it was a retry. */
      retry: boolean;
      /** Whether it was answered 429. */
      rateLimited: boolean;
    };
