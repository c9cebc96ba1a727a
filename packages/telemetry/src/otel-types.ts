/**
 * The parts of `@opentelemetry/api` this package calls, typed structurally so that the
 * package needs no OpenTelemetry at runtime or for its types. A real `Tracer` and `Meter`
 * (from `trace.getTracer()` / `metrics.getMeter()`) are assignable to these.
 */

/**
 * An attribute value, as OpenTelemetry accepts it.
 *
 * @example
 * ```ts
 * import type { AttributeValue } from '@brace/telemetry';
 *
 * const status: AttributeValue = 200;
 * ```
 */
export type AttributeValue = string | number | boolean;

/**
 * A flat attribute map.
 *
 * @example
 * ```ts
 * import type { Attributes } from '@brace/telemetry';
 *
 * const attributes: Attributes = { 'url.template': '/users/{id}', 'http.response.status_code': 200 };
 * ```
 */
export type Attributes = Record<string, AttributeValue | undefined>;

/**
 * The span methods this package calls; an OpenTelemetry `Span` fits.
 *
 * @example
 * ```ts
 * import type { SpanLike } from '@brace/telemetry';
 * import { trace } from '@opentelemetry/api';
 *
 * const span: SpanLike = trace.getTracer('app').startSpan('work');
 * span.end();
 * ```
 */
export interface SpanLike {
  /** Sets attributes. */
  setAttributes(attributes: Attributes): unknown;
  /** Sets the status (`code` 2 is ERROR). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Ends the span, optionally at a given time (epoch ms). */
  end(endTime?: number): void;
}

/**
 * An OpenTelemetry context, structurally (`getValue`, `setValue`, `deleteValue`).
 *
 * @example
 * ```ts
 * import type { ContextLike } from '@brace/telemetry';
 * import { context } from '@opentelemetry/api';
 *
 * const active: ContextLike = context.active();
 * ```
 */
export interface ContextLike {
  /** Reads a value. */
  getValue(key: symbol): unknown;
  /** Returns a new context with the value set. */
  setValue(key: symbol, value: unknown): ContextLike;
  /** Returns a new context without the value. */
  deleteValue(key: symbol): ContextLike;
}

/**
 * The tracer methods this package calls; an OpenTelemetry `Tracer` fits.
 *
 * @example
 * ```ts
 * import type { TracerLike } from '@brace/telemetry';
 * import { trace } from '@opentelemetry/api';
 *
 * const tracer: TracerLike = trace.getTracer('@brace/telemetry');
 * ```
 */
export interface TracerLike {
  /** Starts a span (`kind` 0 INTERNAL, 2 CLIENT; `startTime` epoch ms). */
  startSpan(
    name: string,
    // biome-ignore lint/suspicious/noExplicitAny: the api's SpanOptions/Context are nominal interfaces; structural callers pass plain objects
    options?: any,
    // biome-ignore lint/suspicious/noExplicitAny: see above
    context?: any,
  ): SpanLike;
}

/**
 * What an observable gauge callback receives.
 *
 * @example
 * ```ts
 * import type { ObservableResultLike } from '@brace/telemetry';
 *
 * const report = (result: ObservableResultLike) => result.observe(3, { 'brace.integration': 'stripe' });
 * ```
 */
export interface ObservableResultLike {
  /** Reports one observation. */
  observe(value: number, attributes?: Attributes): void;
}

/**
 * The meter methods this package calls; an OpenTelemetry `Meter` fits.
 *
 * @example
 * ```ts
 * import type { MeterLike } from '@brace/telemetry';
 * import { metrics } from '@opentelemetry/api';
 *
 * const meter: MeterLike = metrics.getMeter('@brace/telemetry');
 * ```
 */
export interface MeterLike {
  /** Creates a histogram. */
  createHistogram(
    name: string,
    options?: {
      description?: string;
      unit?: string;
      advice?: { explicitBucketBoundaries?: number[] };
    },
  ): {
    /** Records one value. */
    record(value: number, attributes?: Attributes): void;
  };
  /** Creates a counter. */
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    /** Adds to the counter. */
    add(value: number, attributes?: Attributes): void;
  };
  /** Creates an observable gauge. */
  createObservableGauge(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    /** Registers the callback that observes the gauge at collection. */
    addCallback(callback: (result: ObservableResultLike) => void): void;
  };
}
