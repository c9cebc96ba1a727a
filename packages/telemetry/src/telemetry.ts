import { getHeader, systemClock } from '@brace/core';
import { AttributeCache, DEFAULT_MAX_HOSTS, OTHER_HOST } from './attributes.js';
import { CallImpl, type Shared } from './call.js';
import { defaultIsCached, defaultIsError, normalizeMethod } from './classify.js';
import { TelemetryOptionError } from './errors.js';
import { evaluateHealth } from './health.js';
import { createInstruments } from './otel.js';
import { createRedactor } from './redact.js';
import { requestIdGenerator } from './request-id.js';
import { DEFAULT_WINDOW_MS, quantile, RELATIVE_ACCURACY, RollingWindow } from './rolling.js';
import { RouteCache } from './routes.js';
import { compileTemplates, OTHER_TEMPLATE } from './templates.js';
import type {
  Call,
  CallRequest,
  HealthReport,
  TelemetryEvent,
  TelemetryLogger,
  TelemetryOptions,
  TelemetrySample,
  TelemetryStats,
} from './types.js';
import {
  readSource,
  type StatsSource,
  type TelemetryListeners,
  type WatchedState,
} from './watch.js';

/**
 * The request id header read and (optionally) sent: `x-request-id`.
 *
 * @example
 * ```ts
 * import { DEFAULT_REQUEST_ID_HEADER } from '@brace/telemetry';
 *
 * console.log(DEFAULT_REQUEST_ID_HEADER); // 'x-request-id'
 * ```
 */
export const DEFAULT_REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** Wraps a user callback so that a throw gives `fallback`'s answer instead. */
function safe<A extends unknown[], R>(fn: (...args: A) => R, fallback: (...args: A) => R) {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch {
      return fallback(...args);
    }
  };
}

/**
 * One integration's telemetry: start calls, read rolling statistics and health.
 *
 * @example
 * ```ts
 * import { createTelemetry } from '@brace/telemetry';
 *
 * const telemetry = createTelemetry({ integration: 'github', template: ['/repos/{owner}/{repo}'] });
 * const call = telemetry.start({ method: 'GET', url: 'https://api.github.com/repos/a/b' });
 * const response = await fetch('https://api.github.com/repos/a/b');
 * call.attempt().end({ status: response.status, headers: response.headers });
 * call.end();
 * telemetry.health(); // { integration: 'github', status: 'ok', reasons: [], stats: {...} }
 * ```
 */
export interface Telemetry {
  /** The integration's name. */
  readonly integration: string;
  /** The rolling window, ms. */
  readonly windowMs: number;
  /** The request id header name (lower-case). */
  readonly requestIdHeader: string;
  /** Whether adapters send the request id header when the request has none. */
  readonly sendRequestId: boolean;
  /** Starts a call. */
  start(request: CallRequest): Call;
  /** The rolling window's figures, with watched sources read now. */
  stats(): TelemetryStats;
  /** `stats()` judged against the thresholds. */
  health(): HealthReport;
  /** Reads `source.stats()` whenever statistics are asked; returns an unwatch function. */
  watch(source: StatsSource): () => void;
  /** `on*` callbacks to pass into breakers, retries, limiters and token managers. */
  readonly listeners: TelemetryListeners;
  /** Calls `listener` with every ended call and attempt; returns an unsubscribe function. */
  subscribe(listener: (sample: TelemetrySample) => void): () => void;
  /** The thresholds `health()` uses (for fleet views judging merged figures the same way). */
  readonly thresholds: NonNullable<TelemetryOptions['thresholds']>;
}

function toLogger(
  logger: TelemetryLogger | undefined,
): ((event: TelemetryEvent) => void) | undefined {
  if (logger === undefined) return undefined;
  if (typeof logger === 'function') return logger;
  return (event) => logger[event.level](event);
}

function validate(options: TelemetryOptions): void {
  const { integration, windowMs } = options;
  if (typeof integration !== 'string' || integration.length === 0 || integration.length > 128) {
    throw new TelemetryOptionError('integration', 'a non-empty string of at most 128 characters');
  }
  if (
    windowMs !== undefined &&
    (!Number.isInteger(windowMs) || windowMs < 1000 || windowMs > 86_400_000)
  ) {
    throw new TelemetryOptionError('windowMs', 'an integer from 1000 to 86400000 (ms)');
  }
  const { hosts, maxHosts } = options;
  if (
    hosts !== undefined &&
    (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string' || h.length === 0))
  ) {
    throw new TelemetryOptionError('hosts', 'an array of host names');
  }
  if (
    maxHosts !== undefined &&
    (!Number.isInteger(maxHosts) || maxHosts < 1 || maxHosts > 10_000)
  ) {
    throw new TelemetryOptionError('maxHosts', 'an integer from 1 to 10000');
  }
}

/**
 * Creates one integration's telemetry: one event per attempt and per call to `logger`,
 * OpenTelemetry spans (an operation span wrapping one CLIENT span per attempt) and metrics,
 * rolling statistics over `windowMs` and `health()` against `thresholds`. Nothing is recorded
 * until a call starts; no timer runs.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * import { createTelemetry } from '@brace/telemetry';
 *
 * const telemetry = createTelemetry({
 *   integration: 'stripe',
 *   template: ['/v1/customers/{id}', '/v1/charges'],
 *   logger: (event) => console.log(JSON.stringify(event)), // or a pino logger as it is
 *   tracer: trace.getTracer('@brace/telemetry'),
 *   meter: metrics.getMeter('@brace/telemetry'),
 *   thresholds: { errorRate: { degraded: 0.02, down: 0.3 } },
 * });
 * ```
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  validate(options);
  const clock = options.clock ?? systemClock;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const window = new RollingWindow(windowMs, clock);
  const routes = new RouteCache(
    safe(compileTemplates(options.template), () => undefined),
    typeof options.template !== 'function',
  );
  const declared = options.template !== undefined;
  const log = toLogger(options.logger);
  const requestIdHeader = (options.requestId?.header ?? DEFAULT_REQUEST_ID_HEADER).toLowerCase();
  const randomId = requestIdGenerator();
  const generateId = options.requestId?.generate
    ? safe(options.requestId.generate, randomId)
    : randomId;
  const sources = new Set<StatsSource>();
  const subscribers = new Set<(sample: TelemetrySample) => void>();
  const events: WatchedState = {};
  let headerRateLimit: WatchedState['rateLimit'];
  let unmatched = 0;
  let unmatchedAt: number | undefined;
  let otherHosts = 0;
  let otherHostsAt: number | undefined;

  const emit = (event: TelemetryEvent) => {
    if (!log) return;
    try {
      log(event);
    } catch {
      // A throwing logger never breaks a request.
    }
  };

  const watched = (): WatchedState => {
    const now = clock.now();
    const state: WatchedState = { ...events };
    if (sources.size > 0) {
      let depth: number | undefined;
      for (const source of sources) {
        const read: WatchedState = {};
        readSource(source, read, now);
        if (read.queueDepth !== undefined) depth = (depth ?? 0) + read.queueDepth;
        if (read.breaker) state.breaker = read.breaker;
        if (read.credentials) state.credentials = read.credentials;
        if (read.rateLimit) state.rateLimit = read.rateLimit;
      }
      if (depth !== undefined) state.queueDepth = depth;
    }
    if (headerRateLimit && (!state.rateLimit || headerRateLimit.at >= state.rateLimit.at)) {
      state.rateLimit = headerRateLimit;
    }
    if (state.rateLimit && now - state.rateLimit.at > windowMs) state.rateLimit = undefined;
    return state;
  };

  const attributes = { 'brace.integration': options.integration };
  const instruments = options.meter
    ? createInstruments(options.meter, {
        attributes,
        rateLimit: () => watched().rateLimit,
        queueDepth: () => watched().queueDepth,
      })
    : undefined;

  const onOtherHost = () => {
    otherHosts++;
    const now = clock.now();
    if (otherHostsAt !== undefined && now - otherHostsAt < windowMs) return;
    emit({
      kind: 'unmatched-host',
      msg: `${otherHosts} call(s) went to a host beyond the ${options.hosts ? 'declared hosts' : `first ${maxHosts} hosts`} and were counted as server.address '${OTHER_HOST}'`,
      level: 'warn',
      at: now,
      integration: options.integration,
      count: otherHosts,
    });
    otherHosts = 0;
    otherHostsAt = now;
  };
  const maxHosts = options.maxHosts ?? DEFAULT_MAX_HOSTS;

  const shared: Shared = {
    integration: options.integration,
    now: () => clock.now(),
    window,
    logging: log !== undefined,
    emit,
    sampling: () => subscribers.size > 0,
    sample(sample) {
      for (const subscriber of subscribers) {
        try {
          subscriber(sample);
        } catch {
          // A throwing subscriber never breaks a request.
        }
      }
    },
    tracer: options.tracer,
    context: options.context,
    instruments,
    attributes:
      instruments || options.tracer
        ? new AttributeCache(options.integration, options.hosts, maxHosts, onOtherHost)
        : undefined,
    generateId,
    redactor: createRedactor(options.redact),
    spanUrl: options.spanUrl ?? 'path',
    captureHeaders: new Set((options.captureHeaders ?? []).map((name) => name.toLowerCase())),
    isError: options.isError ? safe(options.isError, defaultIsError) : defaultIsError,
    isCached: options.isCached ? safe(options.isCached, defaultIsCached) : defaultIsCached,
    rateLimitSeen(remaining, limit, at) {
      headerRateLimit = {
        remaining: remaining ?? headerRateLimit?.remaining,
        limit: limit ?? headerRateLimit?.limit,
        at,
      };
    },
  };

  const onUnmatched = (method: string) => {
    unmatched++;
    instruments?.unmatchedTemplates.add(1, attributes);
    const now = clock.now();
    if (unmatchedAt !== undefined && now - unmatchedAt < windowMs) return;
    emit({
      kind: 'unmatched-template',
      msg: `${unmatched} call(s) matched no declared URL template and were counted as '${OTHER_TEMPLATE}'`,
      level: 'warn',
      at: now,
      integration: options.integration,
      method,
      count: unmatched,
    });
    unmatched = 0;
    unmatchedAt = now;
  };

  const stats = (): TelemetryStats => {
    const snapshot = window.snapshot();
    const state = watched();
    const result: TelemetryStats = {
      integration: options.integration,
      windowMs,
      calls: snapshot.calls,
      errors: snapshot.errors,
      errorRate: snapshot.calls > 0 ? snapshot.errors / snapshot.calls : 0,
      attempts: snapshot.attempts,
      retries: snapshot.retries,
      rateLimited: snapshot.rateLimited,
      latencyMs: {
        p50: quantile(snapshot.sketch, 0.5),
        p95: quantile(snapshot.sketch, 0.95),
        p99: quantile(snapshot.sketch, 0.99),
        relativeAccuracy: RELATIVE_ACCURACY,
      },
    };
    if (state.rateLimit) {
      const { remaining, limit, at } = state.rateLimit;
      result.rateLimit = { at };
      if (remaining !== undefined) result.rateLimit.remaining = remaining;
      if (limit !== undefined) result.rateLimit.limit = limit;
      if (remaining !== undefined && limit !== undefined && limit > 0) {
        result.rateLimit.headroom = Math.min(1, remaining / limit);
      }
    }
    if (state.breaker) result.breaker = state.breaker;
    if (state.queueDepth !== undefined) result.queueDepth = state.queueDepth;
    if (state.credentials) result.credentials = state.credentials;
    return result;
  };

  const listeners: TelemetryListeners = {
    onStateChange(event) {
      const to = event?.to;
      if (to !== 'closed' && to !== 'open' && to !== 'half-open') return;
      events.breaker = to;
      instruments?.breakerTransitions.add(1, {
        ...attributes,
        'brace.breaker.from': typeof event.from === 'string' ? event.from : 'unknown',
        'brace.breaker.to': to,
      });
    },
    onRetry() {},
    onQueued(event) {
      if (typeof event?.queued === 'number') events.queueDepth = event.queued;
    },
    onDispatch(event) {
      if (typeof event?.queued === 'number') events.queueDepth = event.queued;
    },
    onThrottled() {},
    onRefresh() {
      events.credentials = 'ok';
    },
    onRefreshError() {
      events.credentials = 'failing';
    },
  };

  return {
    integration: options.integration,
    windowMs,
    requestIdHeader,
    sendRequestId: options.requestId?.send ?? false,
    thresholds: options.thresholds ?? {},
    listeners,
    start(request) {
      const method = normalizeMethod(request.method);
      const route = routes.resolve(method, request.url);
      let template = route.template;
      if (template === undefined) {
        template = OTHER_TEMPLATE;
        if (declared) onUnmatched(method);
      }
      const given = request.headers ? getHeader(request.headers, requestIdHeader) : undefined;
      // Generated only when read (events, spans, a header to send): metrics alone need none.
      const requestId = given !== undefined && REQUEST_ID.test(given) ? given : undefined;
      return new CallImpl(shared, {
        method,
        url: route.url,
        hostname: route.hostname,
        port: route.port,
        template,
        requestId,
      });
    },
    stats,
    health: () => evaluateHealth(stats(), options.thresholds),
    watch(source) {
      sources.add(source);
      return () => {
        sources.delete(source);
      };
    },
    subscribe(listener) {
      subscribers.add(listener);
      return () => {
        subscribers.delete(listener);
      };
    },
  };
}
