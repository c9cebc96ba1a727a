/**
 * One declaration per third-party API (`defineIntegration`): every Brace part composed in the right order, with health, validation, stats and one event stream.
 *
 * @module
 */
export {
  type DeprecationNotice,
  MAX_DEPRECATION_HEADER_LENGTH,
  MAX_WARNED_ENDPOINTS,
  readDeprecation,
} from './deprecation.js';
export { ClientOptionError } from './errors.js';
export type {
  AnyIntegrationEvent,
  ClientAuthEvent,
  ClientBreakerEvent,
  ClientCacheEvent,
  ClientDeprecationEvent,
  ClientDriftEvent,
  ClientGiveUpEvent,
  ClientPauseEvent,
  ClientRetryEvent,
  ClientThrottledEvent,
  EventBase,
  IntegrationEventName,
  IntegrationEvents,
  Listener,
} from './events.js';
export {
  defineIntegration,
  type Integration,
  type IntegrationMembers,
} from './integration.js';
export {
  DEFAULT_CLIENT_ATTEMPTS,
  DEFAULT_QUEUE_WAIT_MS,
  DEFAULT_RETRY_RATIO,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VERSION_HEADER,
  type IdempotencySettings,
  type IntegrationOptions,
  type RetrySettings,
  type TokenAuth,
} from './options.js';
export type { ProviderPreset } from './preset-types.js';
export type { SharedOptions } from './shared.js';
export type {
  DeprecatedEndpoint,
  IntegrationHealth,
  IntegrationHealthReason,
  IntegrationStats,
  ValidationResult,
} from './status.js';
