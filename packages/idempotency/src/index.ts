/**
 * Idempotency keys and the framework-free store-and-replay engine, its store interface and the in-memory store.
 *
 * @module
 */
export { type StoreOperation, storeOperation, withDeadline } from './deadline.js';
export {
  IdempotencyClaimLostError,
  IdempotencyInProgressError,
  IdempotencyKeyConflictError,
  IdempotencyKeyReusedError,
  IdempotencyOptionError,
  IdempotencyRawBodyError,
  IdempotencyStoreError,
  InvalidIdempotencyKeyError,
} from './errors.js';
export { defaultFingerprint, type IdempotencyRequest } from './fingerprint.js';
export { type MakeIdempotentOptions, makeIdempotent } from './function.js';
export {
  createIdempotencyKey,
  formatIdempotencyKey,
  IDEMPOTENCY_KEY_HEADER,
  type IdempotencyKeyFormat,
  type KeyRule,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type ParsedIdempotencyKey,
  parseIdempotencyKey,
  type WithIdempotencyKeyOptions,
  type WithKey,
  withIdempotencyKey,
} from './key.js';
export {
  DEFAULT_MEMORY_STORE_MAX_ENTRIES,
  type MemoryStore,
  type MemoryStoreOptions,
  memoryStore,
} from './memory-store.js';
export {
  DEFAULT_IDEMPOTENT_METHODS,
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_RETRY_AFTER_SECONDS,
  DEFAULT_REPLAY_HEADERS,
  DEFAULT_TTL_MS,
  defaultCacheStatus,
  type IdempotencyErrorEvent,
  type IdempotencyOptions,
} from './options.js';
export {
  IDEMPOTENCY_PROBLEMS,
  type IdempotencyProblemCode,
  type IdempotencyProblemTypes,
} from './problem.js';
export { credentialScope, DEFAULT_CREDENTIAL_HEADERS } from './scope.js';
export type {
  BeginOptions,
  BeginResult,
  CompleteOptions,
  ExtendOptions,
  IdempotencyStore,
  StoredResponse,
  StoreKey,
} from './store.js';
export { createIdempotency, type Idempotency, type WebHandler } from './web.js';
