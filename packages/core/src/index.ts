/**
 * The shared base: Retry-After, RateLimit and structured-field parsing, the injectable clock, `BraceError`, and ky hook composition (`composeHooks`).
 *
 * @module
 */
export { type Clock, type ManualClock, manualClock, systemClock } from './clock.js';
export { BraceError, type BraceErrorOptions, isBraceError } from './errors.js';
export {
  type FetchLike,
  type FetchOptionCarrier,
  PER_CALL_FETCH,
  wrapFetchHook,
} from './fetch-hook.js';
export { getHeader, type HeaderRecordValue, type HeadersInput } from './headers.js';
export {
  type AnyHook,
  composeHooks,
  type HooksLike,
  isResponseObserver,
  observeResponse,
} from './hooks.js';
export { findUnknownOption, type UnknownOption } from './options.js';
export { DEFAULT_MAX_KEYS, policyFromHeader, type RateLimitPolicy } from './policy.js';
export {
  EPOCH_MILLISECONDS_THRESHOLD,
  EPOCH_SECONDS_THRESHOLD,
  parseRateLimit,
  type RateLimitHeaderPolicy,
  type RateLimitInfo,
  type RateLimitSource,
} from './rate-limit.js';
export { parseRetryAfter } from './retry-after.js';
export {
  SAFE_CAUSE_MESSAGE_LIMIT,
  SafeCause,
  type SafeCauseOptions,
  safeCause,
  scrubMessage,
} from './safe-cause.js';
export { safeIssueMessage } from './safe-issue.js';
export { parseServerDelay, type ServerDelay } from './server-delay.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export {
  type BareItem,
  Decimal,
  type Dictionary,
  DisplayString,
  type InnerList,
  type Item,
  type List,
  MAX_STRUCTURED_FIELD_LENGTH,
  numberValue,
  type Parameters,
  parseDictionary,
  parseItem,
  parseList,
  StructuredDate,
  StructuredFieldError,
  serializeDictionary,
  serializeItem,
  serializeList,
  Token,
} from './structured-fields.js';
export { hostOfUrl } from './url-host.js';
