import type { FetchLike, HooksLike } from '@brace/core';
import type { AxiosAdapter } from 'axios';
import ky from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import { cacheAdapter } from './axios.js';
import { cachedFetch } from './fetch.js';
import {
  type Cache,
  type CacheRequest,
  type CacheStatus,
  type CacheStore,
  cacheStatusOf,
  createCache,
  memoryStore,
  type Origin,
} from './index.js';
import { cacheHooks } from './ky.js';
import { sqliteStore } from './sqlite.js';

describe('public types', () => {
  it('a Request is a CacheRequest; stores are CacheStores', () => {
    expectTypeOf<Request>().toExtend<CacheRequest>();
    expectTypeOf(memoryStore()).toExtend<CacheStore>();
    expectTypeOf(sqliteStore).returns.toEqualTypeOf<CacheStore>();
  });

  it('the cache and its adapters have the shapes other code composes', () => {
    expectTypeOf(createCache).returns.toEqualTypeOf<Cache>();
    expectTypeOf<Cache['handle']>().parameter(1).toEqualTypeOf<Origin>();
    expectTypeOf(cachedFetch).returns.toEqualTypeOf<FetchLike>();
    expectTypeOf(cacheHooks).returns.toEqualTypeOf<HooksLike>();
    expectTypeOf(cacheAdapter).returns.toEqualTypeOf<AxiosAdapter>();
    expectTypeOf(cacheStatusOf).returns.toEqualTypeOf<CacheStatus | undefined>();
    ky.create({ hooks: cacheHooks(createCache()) });
  });
});
