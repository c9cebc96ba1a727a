import { BraceError } from '@brace/core';

/**
 * Thrown at construction when an option of `@brace/cache` is out of range. The message names
 * the option and the accepted range.
 *
 * @example
 * ```ts
 * import { CacheOptionError, createCache } from '@brace/cache';
 *
 * try {
 *   createCache({ maxAgeMs: -1 });
 * } catch (error) {
 *   if (error instanceof CacheOptionError) console.log(error.code); // 'CACHE_INVALID_OPTION'
 * }
 * ```
 */
export class CacheOptionError extends BraceError {
  /** The name of the offending option, e.g. `maxAgeMs`. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - the accepted range, in words
   */
  constructor(option: string, expected: string) {
    super('CACHE_INVALID_OPTION', `Option \`${option}\` must be ${expected}.`);
    this.option = option;
  }
}

/**
 * What a store adapter rejects with when its backend fails (connection lost, bad reply). The
 * cache never lets it fail a request: it reports it through `onStoreError` and carries on
 * without caching. The message names the store and the operation, never a key or a body.
 *
 * @example
 * ```ts
 * import { CacheStoreError } from '@brace/cache';
 *
 * const error = new CacheStoreError('Redis', 'get', new Error('ECONNRESET'));
 * console.log(error.code); // 'CACHE_STORE_ERROR'
 * ```
 */
export class CacheStoreError extends BraceError {
  /** The store's name, e.g. `Redis`. */
  readonly store: string;
  /** The operation that failed: `get`, `set`, `delete`, `lock` or `unlock`. */
  readonly operation: string;

  /**
   * @param store - the store's name
   * @param operation - the failed operation
   * @param cause - the backend's error
   */
  constructor(store: string, operation: string, cause: unknown) {
    super(
      'CACHE_STORE_ERROR',
      `The ${store} cache store failed during \`${operation}\`; the request went on without the cache. Check the store's connection.`,
      { cause },
    );
    this.store = store;
    this.operation = operation;
  }
}
