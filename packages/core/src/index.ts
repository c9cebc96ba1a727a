/**
 * The shared base: Retry-After, RateLimit and structured-field parsing, the injectable clock, `BraceError`, and ky hook composition (`composeHooks`).
 *
 * @module
 */
export { type Clock, type ManualClock, manualClock, systemClock } from './clock.js';
export { BraceError, type BraceErrorOptions, isBraceError } from './errors.js';
export { type FetchLike, type FetchOptionCarrier, wrapFetchHook } from './fetch-hook.js';
export { getHeader, type HeadersInput } from './headers.js';
export {
  type AnyHook,
  composeHooks,
  type HooksLike,
  isResponseObserver,
  observeResponse,
} from './hooks.js';
export {
  EPOCH_MILLISECONDS_THRESHOLD,
  EPOCH_SECONDS_THRESHOLD,
  parseRateLimit,
  type RateLimitInfo,
  type RateLimitPolicy,
  type RateLimitSource,
} from './rate-limit.js';
export { parseRetryAfter } from './retry-after.js';
export { parseServerDelay, type ServerDelay } from './server-delay.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export {
  type BareItem,
  type Dictionary,
  DisplayString,
  type InnerList,
  type Item,
  type List,
  MAX_STRUCTURED_FIELD_LENGTH,
  type Parameters,
  parseDictionary,
  parseItem,
  parseList,
  StructuredFieldError,
  serializeDictionary,
  serializeItem,
  serializeList,
  Token,
} from './structured-fields.js';
export { hostOfUrl } from './url-host.js';
