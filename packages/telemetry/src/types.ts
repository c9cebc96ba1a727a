import type { Clock, HeadersInput } from '@brace/core';
import type { TelemetryLogger } from './events.js';
import type { ContextLike, MeterLike, TracerLike } from './otel-types.js';
import type { RedactOptions } from './redact.js';
import type { TemplateOption } from './templates.js';

/**
 * The limits of one health check: crossing `degraded` makes the integration degraded,
 * crossing `down` makes it down; a limit left out is not checked.
 *
 * @example
 * ```ts
 * import type { ThresholdLimits } from '@brace/telemetry';
 *
 * const errorRate: ThresholdLimits = { degraded: 0.05, down: 0.5 };
 * ```
 */
export interface ThresholdLimits {
  /** The limit past which the integration is degraded. */
  degraded?: number;
  /** The limit past which the integration is down. */
  down?: number;
}

/**
 * Limits that turn the rolling statistics into `health()`. A limit left out is not checked.
 *
 * @example
 * ```ts
 * import type { HealthThresholds } from '@brace/telemetry';
 *
 * const thresholds: HealthThresholds = {
 *   errorRate: { degraded: 0.02, down: 0.25 },
 *   p95Ms: { degraded: 800 },
 *   headroom: { degraded: 0.2 },
 * };
 * ```
 */
export interface HealthThresholds {
  /** Calls needed in the window before error rate and p95 are judged. Default 10. */
  minCalls?: number;
  /** Error rate (0–1). Default degraded 0.05, down 0.5. */
  errorRate?: ThresholdLimits;
  /** p95 latency in ms. Default degraded 2000. */
  p95Ms?: ThresholdLimits;
  /** Rate-limit headroom, remaining / limit (0–1). Default degraded 0.1. */
  headroom?: ThresholdLimits;
}

/**
 * How the request id is read, generated and sent.
 *
 * @example
 * ```ts
 * import type { RequestIdOptions } from '@brace/telemetry';
 *
 * const requestId: RequestIdOptions = { header: 'x-correlation-id', send: true };
 * ```
 */
export interface RequestIdOptions {
  /** The header carrying it. Default `x-request-id`. */
  header?: string;
  /** Whether adapters set the header on outgoing requests when absent. Default false. */
  send?: boolean;
  /** Makes a new id. Default `crypto.randomUUID()`. */
  generate?: () => string;
}

/**
 * What a call or an attempt ended with.
 *
 * @example
 * ```ts
 * import type { Outcome } from '@brace/telemetry';
 *
 * const fromResponse: Outcome = { status: 503, headers: { 'retry-after': '2' } };
 * const fromError: Outcome = { error: new TypeError('fetch failed') };
 * ```
 */
export interface Outcome {
  /** The response status, when a response arrived. */
  status?: number;
  /** The response headers (read for rate limits, replays, cache hits and `captureHeaders`). */
  headers?: HeadersInput;
  /** The error, when the attempt or call failed without (or besides) a response. */
  error?: unknown;
}

/**
 * Options of {@link createTelemetry}.
 *
 * @example
 * ```ts
 * import { createTelemetry, type TelemetryOptions } from '@brace/telemetry';
 *
 * const options: TelemetryOptions = { integration: 'stripe', template: ['/v1/customers/{id}'] };
 * const telemetry = createTelemetry(options);
 * ```
 */
export interface TelemetryOptions {
  /** The integration's name, on every event, span, metric and health entry. */
  integration: string;
  /** Declared URL templates (or a function); unmatched paths count as `other`. */
  template?: TemplateOption;
  /**
   * The hosts whose names metrics may carry as `server.address`; calls to any other host are
   * counted as `other` (no `server.port`), and an `unmatched-host` event says so. Logs and spans
   * keep the real host. Default: the first `maxHosts` hosts seen.
   */
  hosts?: readonly string[];
  /** Without `hosts`: how many distinct hosts (host and port) metrics name before the rest count as `other` (1 to 10,000). Default `DEFAULT_MAX_HOSTS` (16). */
  maxHosts?: number;
  /** Receives one event per attempt and per call. */
  logger?: TelemetryLogger;
  /** An OpenTelemetry tracer: one operation span per call wrapping one span per attempt. */
  tracer?: TracerLike;
  /** The context operation spans start in (e.g. `() => context.active()`). */
  context?: () => ContextLike;
  /** An OpenTelemetry meter: the duration histograms, counters and gauges. */
  meter?: MeterLike;
  /** Extra header and query names to redact (the defaults always apply). */
  redact?: RedactOptions;
  /** Rolling window of `stats()` and `health()`, ms (1 s – 1 day). Default 60 000. */
  windowMs?: number;
  /** Limits that turn statistics into `health()`. */
  thresholds?: HealthThresholds;
  /** The clock (durations and windows). Default the system clock. */
  clock?: Clock;
  /** Request id header, generation and sending. */
  requestId?: RequestIdOptions;
  /**
   * What `url.full` carries on attempt spans: `path` (default; the real path, credentials and
   * sensitive query values redacted) or `template` (scheme, host and the matched template: for
   * APIs whose paths hold secrets, such as Slack webhook URLs).
   */
  spanUrl?: 'path' | 'template';
  /** Response header names copied, redacted, into attempt events (`x-github-request-id` ...). */
  captureHeaders?: readonly string[];
  /** Whether an outcome counts as an error. Default: a thrown error, 408, 429 or 5xx. */
  isError?: (outcome: Outcome) => boolean;
  /** Whether a response came from a cache. Default: RFC 9211 `Cache-Status` with `hit`. */
  isCached?: (headers: HeadersInput) => boolean;
}

/**
 * The request a call starts with.
 *
 * @example
 * ```ts
 * import type { CallRequest } from '@brace/telemetry';
 *
 * const request: CallRequest = { method: 'GET', url: 'https://api.example.com/users/42' };
 * ```
 */
export interface CallRequest {
  /** The HTTP method. */
  method: string;
  /** The absolute URL. */
  url: string | URL;
  /** The request headers (read for the request id). */
  headers?: HeadersInput;
}

/**
 * One attempt of a call, started by {@link Call.attempt}.
 *
 * @example
 * ```ts
 * const attempt = call.attempt();
 * attempt.end({ status: 200, headers: response.headers });
 * ```
 */
export interface Attempt {
  /** 1 for the first attempt, 2 for the first retry ... */
  readonly number: number;
  /** Ends the attempt (only the first call counts). */
  end(outcome: Outcome): void;
}

/**
 * One call (an operation) in flight, started by {@link Telemetry.start}.
 *
 * @example
 * ```ts
 * const url = 'https://api.example.com/users/42';
 * const call = telemetry.start({ method: 'GET', url });
 * const attempt = call.attempt();
 * const response = await fetch(url, { headers: { 'x-request-id': call.requestId } });
 * attempt.end({ status: response.status, headers: response.headers });
 * call.end();
 * ```
 */
export interface Call {
  /** The request id (from the request's header, else generated). */
  readonly requestId: string;
  /** The matched template, or `other`. */
  readonly template: string;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Whether the call has ended. */
  readonly ended: boolean;
  /** Starts the next attempt. */
  attempt(): Attempt;
  /**
   * Ends the call (only the first call counts). Without an outcome, the last attempt's is used;
   * an attempt still open is ended with the same outcome.
   */
  end(outcome?: Outcome): void;
}

/**
 * Latency quantiles (ms) of the window; undefined when no call ended in it.
 *
 * @example
 * ```ts
 * import type { LatencyStats } from '@brace/telemetry';
 *
 * const show = (latency: LatencyStats) => `p95 ${latency.p95?.toFixed(0) ?? '-'} ms`;
 * ```
 */
export interface LatencyStats {
  /** Median. */
  p50: number | undefined;
  /** 95th percentile. */
  p95: number | undefined;
  /** 99th percentile. */
  p99: number | undefined;
  /** The quantiles' relative accuracy (0.01: within 1% of the exact value). */
  relativeAccuracy: number;
}

/**
 * The last rate-limit figures seen (response headers or a watched source).
 *
 * @example
 * ```ts
 * import type { RateLimitStats } from '@brace/telemetry';
 *
 * const low = (rate: RateLimitStats) => (rate.headroom ?? 1) < 0.1;
 * ```
 */
export interface RateLimitStats {
  /** Units left. */
  remaining?: number;
  /** The quota. */
  limit?: number;
  /** remaining / limit, when both are known. */
  headroom?: number;
  /** When they were seen (epoch ms). */
  at: number;
}

/**
 * What `stats()` returns: the rolling window's figures for one integration.
 *
 * @example
 * ```ts
 * const { calls, errorRate, latencyMs } = telemetry.stats();
 * console.log(`${calls} calls, ${(errorRate * 100).toFixed(1)}% errors, p95 ${latencyMs.p95} ms`);
 * ```
 */
export interface TelemetryStats {
  /** The integration's name. */
  integration: string;
  /** The window the figures cover, ms. */
  windowMs: number;
  /** Calls that ended in the window. */
  calls: number;
  /** Of which errors. */
  errors: number;
  /** errors / calls (0 without calls). */
  errorRate: number;
  /** Attempts sent in the window. */
  attempts: number;
  /** Of which retries. */
  retries: number;
  /** Responses with status 429. */
  rateLimited: number;
  /** Call latency quantiles. */
  latencyMs: LatencyStats;
  /** Rate-limit figures, when seen within the window. */
  rateLimit?: RateLimitStats;
  /** The watched circuit breaker's state. */
  breaker?: 'closed' | 'open' | 'half-open';
  /** The watched queue's depth. */
  queueDepth?: number;
  /** The watched credentials' state. */
  credentials?: 'ok' | 'failing';
}

/**
 * Overall health of an integration.
 *
 * @example
 * ```ts
 * import type { HealthStatus } from '@brace/telemetry';
 *
 * const httpStatus = (status: HealthStatus) => (status === 'down' ? 503 : 200);
 * ```
 */
export type HealthStatus = 'ok' | 'degraded' | 'down';

/**
 * One reason an integration is not `ok`.
 *
 * @example
 * ```ts
 * import type { HealthReason } from '@brace/telemetry';
 *
 * const line = (reason: HealthReason) => `${reason.status}: ${reason.message}`;
 * ```
 */
export interface HealthReason {
  /** Which check. */
  code: 'error-rate' | 'latency-p95' | 'breaker-open' | 'rate-limit-headroom' | 'credentials';
  /** What it makes the integration. */
  status: 'degraded' | 'down';
  /** What happened, for humans. */
  message: string;
  /** The measured figure, when there is one. */
  value?: number;
  /** The limit it crossed, when there is one. */
  threshold?: number;
}

/**
 * What `health()` returns.
 *
 * @example
 * ```ts
 * import { createTelemetry, type HealthReport } from '@brace/telemetry';
 *
 * const telemetry = createTelemetry({ integration: 'stripe' });
 * const report: HealthReport = telemetry.health();
 * if (report.status !== 'ok') console.warn(report.reasons.map((reason) => reason.message).join('; '));
 * ```
 */
export interface HealthReport {
  /** The integration's name. */
  integration: string;
  /** The worst status among the reasons (`ok` without reasons). */
  status: HealthStatus;
  /** Why it is not `ok`. */
  reasons: HealthReason[];
  /** The figures it was judged on. */
  stats: TelemetryStats;
}

export type {
  AttemptEvent,
  CallEvent,
  TelemetryEvent,
  TelemetryLogger,
  TelemetrySample,
  UnmatchedHostEvent,
  UnmatchedTemplateEvent,
} from './events.js';
