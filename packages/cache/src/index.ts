/**
 * HTTP caching that keeps serving when the provider is down (`createCache`): RFC 9111, stale-if-error, stale-while-revalidate, last-known-good and coalescing.
 *
 * @module
 */
export { type Cache, createCache, type HandleOptions } from './cache.js';
export type { Origin } from './context.js';
export { DEFAULT_ORIGIN_DOWN_MS } from './down.js';
export { CacheOptionError, CacheStoreError } from './errors.js';
export type { FailureKind } from './failure.js';
export {
  type CacheRequest,
  DEFAULT_CREDENTIAL_HEADERS,
  DEFAULT_CREDENTIAL_PARAMS,
} from './key.js';
export {
  DEFAULT_MEMORY_MAX_BYTES,
  DEFAULT_MEMORY_MAX_ENTRIES,
  type MemoryCacheStore,
  type MemoryStoreOptions,
  memoryStore,
} from './memory-store.js';
export {
  type BypassEvent,
  type CacheOptions,
  type CoalesceEvent,
  DEFAULT_COALESCE_LOCK_MS,
  DEFAULT_COALESCE_POLL_MS,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REASON_HEADER,
  DEFAULT_STORE_TIMEOUT_MS,
  type MissEvent,
  type RefreshErrorEvent,
  type ServeEvent,
  type StoreErrorEvent,
  type StoreEvent,
} from './options.js';
export { type CacheStatus, cacheStatusOf } from './serve.js';
export type { CacheEntry, CacheEntryMeta, CacheStore } from './store.js';
