/**
 * Standard Schema validation of requests and responses (zod, valibot, ArkType…), with drift reports when a provider changes its payloads.
 *
 * @module
 */
export {
  createDriftDeduper,
  DEFAULT_DRIFT_MAX_ENTRIES,
  DEFAULT_DRIFT_WINDOW_MS,
  type DriftDeduper,
  type DriftDeduperOptions,
} from './dedupe.js';
export {
  type DriftFinding,
  type DriftKind,
  type DriftObservation,
  MAX_DRIFT_DEPTH,
  MAX_FINDINGS_PER_PAYLOAD,
} from './drift.js';
export {
  basePathOf,
  createSchemaGuard,
  type SchemaGuard,
  type SchemaGuardOptions,
} from './engine.js';
export {
  RequestSchemaError,
  ResponseSchemaError,
  SchemaGuardOptionError,
  type SchemaIssue,
  UnmatchedRouteError,
} from './errors.js';
export {
  defineRoutes,
  type HttpMethod,
  MAX_PATH_SEGMENTS,
  type RouteKey,
  type RouteMatch,
  type RouteSpec,
  Routes,
  type RouteTable,
} from './routes.js';
export {
  type ParsedResponse,
  type ValidateBodyOptions,
  type ValidateResponseOptions,
  validateBody,
  validateResponse,
} from './standalone.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export {
  DEFAULT_MAX_BODY_LENGTH,
  DEFAULT_MODE,
  type DriftReport,
  type GuardMode,
} from './validate.js';
