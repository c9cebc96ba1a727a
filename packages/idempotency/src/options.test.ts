import { describe, expect, it } from 'vitest';
import { IdempotencyOptionError } from './errors.js';
import { memoryStore } from './memory-store.js';
import {
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_TTL_MS,
  defaultCacheStatus,
  type IdempotencyOptions,
  resolveOptions,
} from './options.js';

const store = memoryStore();

describe('defaultCacheStatus', () => {
  it('stores 2xx and 4xx except 408, 409, 425, 429', () => {
    const stored = [];
    for (let s = 100; s < 600; s++) if (defaultCacheStatus(s)) stored.push(s);
    expect(stored.filter((s) => s < 300)).toHaveLength(100);
    expect(stored.filter((s) => s >= 300 && s < 400)).toHaveLength(0);
    expect(stored.filter((s) => s >= 500)).toHaveLength(0);
    expect(stored.filter((s) => s >= 400 && s < 500)).toHaveLength(96);
    for (const s of [408, 409, 425, 429]) expect(defaultCacheStatus(s)).toBe(false);
  });
});

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions({ store });
    expect(o.ttlMs).toBe(DEFAULT_TTL_MS);
    expect(o.lockTtlMs).toBe(DEFAULT_LOCK_TTL_MS);
    expect([...o.methods]).toEqual(['POST', 'PATCH']);
    expect(o.required).toBe(false);
    expect(o.replayHeaders.has('content-type')).toBe(true);
    expect(o.replayHeaders.has('set-cookie')).toBe(false);
    expect(o.header).toBe('Idempotency-Key');
    expect(o.maxRetryAfterSeconds).toBe(1);
    // A short ttlMs caps the default lock.
    expect(resolveOptions({ store, ttlMs: 1000 }).lockTtlMs).toBe(1000);
    expect([...resolveOptions({ store, replayHeaders: ['X-A'] }).replayHeaders]).toEqual(['x-a']);
  });

  it('throws IdempotencyOptionError naming the option and range', () => {
    const bad: Array<[string, Partial<IdempotencyOptions>]> = [
      ['store', { store: undefined as never }],
      ['store', { store: { begin: () => null } as never }],
      ['ttlMs', { ttlMs: 0 }],
      ['ttlMs', { ttlMs: 1.5 }],
      ['lockTtlMs', { ttlMs: 1000, lockTtlMs: 1001 }],
      ['lockTtlMs', { lockTtlMs: 0 }],
      ['maxBodyBytes', { maxBodyBytes: -1 }],
      ['maxRetryAfterSeconds', { maxRetryAfterSeconds: 0 }],
      ['methods', { methods: 'POST' as never }],
      ['methods', { methods: [''] }],
      ['replayHeaders', { replayHeaders: [1 as never] }],
      ['replayHeaders', { replayHeaders: 'x' as never }],
      ['header', { header: '' }],
      ['required', { required: 'yes' as never }],
      ['scope', { scope: 'tenant' as never }],
      ['fingerprint', { fingerprint: 1 as never }],
      ['cacheStatus', { cacheStatus: true as never }],
      ['onError', { onError: {} as never }],
    ];
    for (const [option, options] of bad) {
      let error: unknown;
      try {
        resolveOptions({ store, ...options } as IdempotencyOptions);
      } catch (e) {
        error = e;
      }
      expect(error, option).toBeInstanceOf(IdempotencyOptionError);
      expect((error as IdempotencyOptionError).option).toBe(option);
      expect((error as Error).message).toContain(`\`${option}\``);
      expect((error as IdempotencyOptionError).code).toBe('IDEMPOTENCY_INVALID_OPTION');
    }
    expect(() => resolveOptions(undefined as never)).toThrow(IdempotencyOptionError);
  });
});
