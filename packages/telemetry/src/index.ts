/**
 * One structured event per call and attempt, OpenTelemetry spans and metrics, rolling error rate and p95, and health per integration (`createTelemetry`, `healthHandler`).
 *
 * @module
 */
export { DEFAULT_MAX_HOSTS, OTHER_HOST } from './attributes.js';
export { TelemetryOptionError } from './errors.js';
export {
  type HealthDocument,
  type HealthHandlerOptions,
  type HealthSource,
  healthDocument,
  healthHandler,
} from './handler.js';
export { DEFAULT_THRESHOLDS, evaluateHealth } from './health.js';
export { DURATION_BUCKETS, METRIC_NAMES } from './otel.js';
export type {
  Attributes,
  AttributeValue,
  ContextLike,
  MeterLike,
  ObservableResultLike,
  SpanLike,
  TracerLike,
} from './otel-types.js';
export { prometheusText } from './prometheus.js';
export {
  DEFAULT_SENSITIVE_NAME_PARTS,
  DEFAULT_SENSITIVE_QUERY_NAMES,
  REDACTED,
  type RedactOptions,
} from './redact.js';
export {
  DEFAULT_WINDOW_MS,
  RELATIVE_ACCURACY,
  SKETCH_BIN_LIMIT,
  WINDOW_SLICES,
} from './rolling.js';
export {
  createTelemetry,
  DEFAULT_REQUEST_ID_HEADER,
  type Telemetry,
} from './telemetry.js';
export {
  compileTemplates,
  OTHER_TEMPLATE,
  type TemplateMatcher,
  type TemplateOption,
} from './templates.js';
export type {
  Attempt,
  AttemptEvent,
  Call,
  CallEvent,
  CallRequest,
  HealthReason,
  HealthReport,
  HealthStatus,
  HealthThresholds,
  LatencyStats,
  Outcome,
  RateLimitStats,
  RequestIdOptions,
  TelemetryEvent,
  TelemetryLogger,
  TelemetryOptions,
  TelemetrySample,
  TelemetryStats,
  ThresholdLimits,
  UnmatchedHostEvent,
  UnmatchedTemplateEvent,
} from './types.js';
export type { StatsSource, TelemetryListeners } from './watch.js';
