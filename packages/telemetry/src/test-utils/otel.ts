import type { Meter, Tracer } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** A real OpenTelemetry SDK with in-memory exporters. */
export interface OtelSdk {
  tracer: Tracer;
  meter: Meter;
  spans(): ReadableSpan[];
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

/** A real OpenTelemetry SDK (tracer + meter) with in-memory exporters. */
export function otelSdk(): OtelSdk {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    spans(): ReadableSpan[] {
      return spanExporter.getFinishedSpans();
    },
    /** Collects and returns every metric, by name. */
    async metrics(): Promise<Map<string, MetricData>> {
      metricExporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
        }
      }
      return byName;
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** Total count over a histogram metric's data points. */
export function histogramCount(metric: MetricData | undefined): number {
  if (!metric) return 0;
  return (metric.dataPoints as DataPoint<Histogram>[]).reduce(
    (sum, point) => sum + point.value.count,
    0,
  );
}

/** Sum over a counter metric's data points. */
export function counterSum(metric: MetricData | undefined): number {
  if (!metric) return 0;
  return (metric.dataPoints as DataPoint<number>[]).reduce((sum, point) => sum + point.value, 0);
}
