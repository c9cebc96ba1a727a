/**
 * Provider fakes on a real loopback server (`createProvider`): presets, rate limits, faults, drift, signed webhooks, a ledger with asserts, record and replay.
 *
 * @module
 */
export { type Assertions, createAssertions } from './assert.js';
export type { DriftStep, DriftType } from './drift.js';
export { SimulatorAssertionError, SimulatorOptionsError } from './errors.js';
export {
  DEFAULT_SLOW_BODY_MS,
  DEFAULT_SLOW_MS,
  FAULT_NAMES,
  type FaultName,
  type FaultOptions,
  type ScriptStep,
} from './faults.js';
export {
  MAX_ROUTE_KEYS,
  MAX_SECONDS,
  OTHER_ROUTES,
  ProviderLedger,
  type SecondStats,
  type TranscriptEntry,
  type WebhookStats,
} from './ledger.js';
export type { OAuthLedger } from './oauth-ledger.js';
export {
  type ErrorAnswer,
  type ErrorKind,
  type IdempotencyBehaviour,
  type Preset,
  versionAccepted,
} from './preset-types.js';
export {
  github,
  ietf,
  isStripeVersion,
  type PresetName,
  presets,
  shopify,
  slack,
  stripe,
} from './presets/index.js';
export { createProvider } from './provider.js';
export type {
  Provider,
  ProviderOptions,
  RouteAnswer,
  RouteContext,
  RouteHandler,
} from './provider-types.js';
export { type Random, seededRandom } from './random.js';
export { MAX_RATE_LIMIT_KEYS, type RateLimitKey, type RateLimitState } from './rate-window.js';
export {
  createRecorder,
  type Fixture,
  type Interaction,
  type Recorder,
  type RecorderOptions,
} from './record.js';
export { REDACTED, type RedactOptions } from './redact.js';
export {
  checkFixtureDrift,
  type DriftEntry,
  type FixtureDriftOptions,
  replayFixture,
} from './replay.js';
export { canonicalJson, MAX_RESOURCES, type Resource, ResourceStore } from './resources.js';
export { type RunningServer, serveFetch } from './serve.js';
export type {
  DeliveryRecord,
  SenderContext,
  WebhookEvent,
  WebhookEventPage,
  WebhookOptions,
} from './webhook-types.js';
export { MAX_WEBHOOK_RECORDS, WebhookSender } from './webhooks.js';
