import type { Attributes, ContextLike, MeterLike, SpanLike, TracerLike } from './otel-types.js';

/**
 * The histogram buckets (seconds) OpenTelemetry advises for `http.client.request.duration`.
 *
 * @example
 * ```ts
 * import { DURATION_BUCKETS } from '@brace/telemetry';
 *
 * console.log(DURATION_BUCKETS.length); // 14
 * ```
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/**
 * Names of the metrics this package records (see the README's table for attributes).
 *
 * @example
 * ```ts
 * import { METRIC_NAMES } from '@brace/telemetry';
 *
 * console.log(METRIC_NAMES.requestDuration); // 'http.client.request.duration'
 * ```
 */
export const METRIC_NAMES = Object.freeze({
  /** Per attempt (each request sent), seconds; OpenTelemetry's stable HTTP client metric. */
  requestDuration: 'http.client.request.duration',
  /** Per call (all attempts and waits), seconds. */
  operationDuration: 'brace.client.operation.duration',
  /** Retries (attempts after the first). */
  retries: 'brace.client.retries',
  /** Responses with status 429. */
  rateLimited: 'brace.client.rate_limited',
  /** Circuit-breaker state changes. */
  breakerTransitions: 'brace.client.breaker.transitions',
  /** Responses that were idempotent replays. */
  idempotentReplays: 'brace.client.idempotent_replays',
  /** Calls whose path matched no declared template. */
  unmatchedTemplates: 'brace.client.unmatched_templates',
  /** Rate-limit units left (gauge). */
  rateLimitRemaining: 'brace.client.rate_limit.remaining',
  /** Rate-limit quota (gauge). */
  rateLimitLimit: 'brace.client.rate_limit.limit',
  /** Queue depth (gauge). */
  queueDepth: 'brace.client.queue.depth',
});

/** OpenTelemetry span kinds and status codes, as their numeric values. */
export const SPAN_KIND_INTERNAL = 0;
export const SPAN_KIND_CLIENT = 2;
export const STATUS_ERROR = 2;

/** The key the OpenTelemetry API keeps the active span under (`createContextKey` uses `Symbol.for`). */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/** A minimal immutable context, for when none is given. */
class PlainContext implements ContextLike {
  readonly #values: Map<symbol, unknown>;
  constructor(values: Map<symbol, unknown> = new Map()) {
    this.#values = values;
  }
  getValue(key: symbol): unknown {
    return this.#values.get(key);
  }
  setValue(key: symbol, value: unknown): ContextLike {
    return new PlainContext(new Map(this.#values).set(key, value));
  }
  deleteValue(key: symbol): ContextLike {
    const values = new Map(this.#values);
    values.delete(key);
    return new PlainContext(values);
  }
}

/** The context an attempt span starts in: `base` (or an empty one) with `parent` as its span. */
export function withParent(base: ContextLike | undefined, parent: SpanLike): ContextLike {
  return (base ?? new PlainContext()).setValue(SPAN_KEY, parent);
}

/** The instruments, created once per telemetry. */
export interface Instruments {
  requestDuration: { record(value: number, attributes?: Attributes): void };
  operationDuration: { record(value: number, attributes?: Attributes): void };
  retries: { add(value: number, attributes?: Attributes): void };
  rateLimited: { add(value: number, attributes?: Attributes): void };
  breakerTransitions: { add(value: number, attributes?: Attributes): void };
  idempotentReplays: { add(value: number, attributes?: Attributes): void };
  unmatchedTemplates: { add(value: number, attributes?: Attributes): void };
}

/** Gauge readings, observed when the meter collects. */
export interface GaugeSource {
  rateLimit(): { remaining?: number; limit?: number } | undefined;
  queueDepth(): number | undefined;
  attributes: Attributes;
}

/** Creates the histograms, counters and observable gauges on `meter`. */
export function createInstruments(meter: MeterLike, gauges: GaugeSource): Instruments {
  const buckets = { explicitBucketBoundaries: [...DURATION_BUCKETS] };
  const instruments: Instruments = {
    requestDuration: meter.createHistogram(METRIC_NAMES.requestDuration, {
      description: 'Duration of HTTP client requests (one per attempt).',
      unit: 's',
      advice: buckets,
    }),
    operationDuration: meter.createHistogram(METRIC_NAMES.operationDuration, {
      description: 'Duration of integration calls, all attempts and waits included.',
      unit: 's',
      advice: buckets,
    }),
    retries: meter.createCounter(METRIC_NAMES.retries, {
      description: 'Attempts after the first.',
      unit: '{retry}',
    }),
    rateLimited: meter.createCounter(METRIC_NAMES.rateLimited, {
      description: 'Responses with status 429.',
      unit: '{response}',
    }),
    breakerTransitions: meter.createCounter(METRIC_NAMES.breakerTransitions, {
      description: 'Circuit-breaker state changes.',
      unit: '{transition}',
    }),
    idempotentReplays: meter.createCounter(METRIC_NAMES.idempotentReplays, {
      description: 'Responses that replayed a stored result (Idempotent-Replayed).',
      unit: '{response}',
    }),
    unmatchedTemplates: meter.createCounter(METRIC_NAMES.unmatchedTemplates, {
      description: 'Calls whose path matched no declared URL template.',
      unit: '{call}',
    }),
  };
  const observe = (
    name: string,
    unit: string,
    description: string,
    read: () => number | undefined,
  ) => {
    meter.createObservableGauge(name, { unit, description }).addCallback((result) => {
      const value = read();
      if (value !== undefined) result.observe(value, gauges.attributes);
    });
  };
  observe(
    METRIC_NAMES.rateLimitRemaining,
    '{unit}',
    'Rate-limit units left.',
    () => gauges.rateLimit()?.remaining,
  );
  observe(
    METRIC_NAMES.rateLimitLimit,
    '{unit}',
    'Rate-limit quota.',
    () => gauges.rateLimit()?.limit,
  );
  observe(
    METRIC_NAMES.queueDepth,
    '{request}',
    'Requests waiting in the queue.',
    gauges.queueDepth,
  );
  return instruments;
}

/** Starts a span at `startTime` (epoch ms). */
export function startSpan(
  tracer: TracerLike,
  name: string,
  kind: number,
  startTime: number,
  attributes: Attributes,
  context: ContextLike | undefined,
): SpanLike {
  return tracer.startSpan(name, { kind, startTime, attributes }, context);
}
