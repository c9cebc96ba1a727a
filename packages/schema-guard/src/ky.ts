/**
 * ky integration: `schemaGuardHooks` validate responses per route, and a typed guarded client.
 *
 * @module
 */
export {
  type BodyArgs,
  type GuardCallOptions,
  type GuardedClient,
  guard,
  type KeysOf,
  type MatchedPath,
  type NoLead,
  type OutputOf,
  type PathArg,
  type PathOfKey,
  type PathsFor,
  type Pattern,
  type PatternHit,
  type RouteOf,
  type Segment,
  type SegmentsMatch,
  type Split,
  type StaticHit,
  type WithLead,
} from './client.js';
export type { SchemaGuardOptions } from './engine.js';
export { type SchemaGuardKyOptions, schemaGuardHooks, schemaGuardOptions } from './ky-hooks.js';
export type {
  ErrorsOf,
  InputOf,
  OutputOfSchema,
  ParamNames,
  ParamsOf,
  PathOf,
  RouteCallOptions,
  RouteCallParts,
  RouteResult,
  SpecOf,
} from './route-call.js';
