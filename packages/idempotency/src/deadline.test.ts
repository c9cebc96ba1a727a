import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdempotencyStoreError, storeOperation, withDeadline } from './index.js';

describe('withDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles with the work when it answers in time, and clears its timer', async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(
      withDeadline(Promise.reject(new Error('store down')), 1_000, () => new Error('late')),
    ).rejects.toThrow('store down');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with onTimeout() after timeoutMs; a late answer goes to onLate, a late failure nowhere', async () => {
    const late: number[] = [];
    let answer: (value: number) => void = () => undefined;
    const work = new Promise<number>((resolve) => {
      answer = resolve;
    });
    const result = withDeadline(
      work,
      1_000,
      () => new Error('timed out'),
      (v) => late.push(v),
    );
    const caught = result.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(late).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await caught) as Error).message).toBe('timed out');
    answer(42);
    await Promise.resolve();
    await Promise.resolve();
    expect(late).toEqual([42]);
    // Without onLate a late answer is dropped; a late failure is swallowed.
    const dropped = withDeadline(new Promise<number>(() => undefined), 10, () => new Error('t'));
    const failing = withDeadline(
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('x')), 20)),
      10,
      () => new Error('t2'),
    );
    const both = Promise.allSettled([dropped, failing]);
    await vi.advanceTimersByTimeAsync(30);
    expect(
      (await both).map((r) => (r.status === 'rejected' ? (r.reason as Error).message : '')),
    ).toEqual(['t', 't2']);
  });

  it('its timer never holds the process open', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    void withDeadline(Promise.resolve(1), 50, () => new Error('t'));
    const timer = spy.mock.results[0]?.value as { hasRef(): boolean };
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
  });

  it('storeOperation: a timeout, a driver error (values redacted) and a store error passing through', async () => {
    const how = { store: 'Redis', operation: 'begin', timeoutMs: 100, redact: ['key-secret-1'] };
    const slow = storeOperation(new Promise<number>(() => undefined), how).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    const timeout = (await slow) as IdempotencyStoreError;
    expect(timeout).toBeInstanceOf(IdempotencyStoreError);
    expect(timeout.operation).toBe('begin');
    expect(timeout.message).toContain('Redis did not answer within 100 ms (timeoutMs)');
    const driver = Object.assign(new Error('ERR bad key-secret-1'), {
      code: 'ERR',
      command: { args: ['key-secret-1', 'body-secret-2'] },
    });
    const failed = (await storeOperation(Promise.reject(driver), how).catch(
      (e: unknown) => e,
    )) as IdempotencyStoreError;
    expect(failed).toBeInstanceOf(IdempotencyStoreError);
    expect(failed.store).toBe('Redis');
    const dump = inspect(failed, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    expect(dump).not.toContain('key-secret-1');
    expect(dump).not.toContain('body-secret-2');
    expect(dump).toContain('ERR');
    const own = new IdempotencyStoreError('Redis', 'complete', undefined, 'x');
    await expect(storeOperation(Promise.reject(own), how)).rejects.toBe(own);
    await expect(storeOperation(Promise.resolve('ok'), how)).resolves.toBe('ok');
  });
});
