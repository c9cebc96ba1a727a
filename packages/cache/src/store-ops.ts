import type { Context } from './context.js';
import { CacheStoreError } from './errors.js';
import { emit } from './options.js';
import type { Policy } from './policy.js';
import type { CacheEntry } from './store.js';

function failed(ctx: Context, operation: string, error: unknown): undefined {
  emit(ctx.options.onStoreError, { operation, error });
  return undefined;
}

/**
 * Waits for a store operation, at most `storeTimeoutMs`: a store that hangs (a client queueing
 * commands while disconnected) must not hang the request. Synchronous results pass at no cost.
 */
function bounded<T>(ctx: Context, operation: string, result: T | Promise<T>): T | Promise<T> {
  if (!(result instanceof Promise)) return result;
  const controller = new AbortController();
  const timeout = ctx.clock.sleep(ctx.storeTimeoutMs, controller.signal).then(
    () => {
      throw new CacheStoreError(
        'configured',
        operation,
        new Error(`No answer within storeTimeoutMs (${ctx.storeTimeoutMs} ms).`),
      );
    },
    () => undefined as never,
  );
  return Promise.race([result, timeout]).finally(() => controller.abort());
}

function isEntry(value: unknown): value is CacheEntry {
  const e = value as CacheEntry | undefined;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.body instanceof Uint8Array &&
    typeof e.meta === 'object' &&
    e.meta !== null &&
    e.meta.v === 1 &&
    typeof e.meta.storedAt === 'number' &&
    typeof e.meta.status === 'number'
  );
}

/**
 * Reads an entry; a failing store or a malformed entry is a miss (and an event). Synchronous
 * when the store answers synchronously (the memory store): a hit waits for no extra tick.
 */
export function getEntry(
  ctx: Context,
  key: string,
): CacheEntry | undefined | Promise<CacheEntry | undefined> {
  let value: unknown;
  try {
    value = bounded(ctx, 'get', ctx.store.get(key));
  } catch (error) {
    return failed(ctx, 'get', error);
  }
  if (value instanceof Promise) {
    return value.then(
      (v) => checked(ctx, v),
      (error) => failed(ctx, 'get', error),
    );
  }
  return checked(ctx, value);
}

function checked(ctx: Context, value: unknown): CacheEntry | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isEntry(value))
    return failed(ctx, 'get', new TypeError('The store returned a malformed entry.'));
  return value;
}

/** The entry's policy, hydrated once per entry object; undefined when it cannot be read. */
export function policyOf(ctx: Context, entry: CacheEntry): Policy | undefined {
  let policy = ctx.hydrated.get(entry);
  if (policy !== undefined) return policy;
  try {
    policy = ctx.policies.hydrate(entry.meta.policy);
  } catch (error) {
    return failed(ctx, 'get', error);
  }
  ctx.hydrated.set(entry, policy);
  return policy;
}

/** Writes an entry; a failure is an event, never an error. */
export async function setEntry(
  ctx: Context,
  key: string,
  entry: CacheEntry,
  ttlMs: number,
): Promise<boolean> {
  try {
    await bounded(ctx, 'set', ctx.store.set(key, entry, Math.max(1, Math.ceil(ttlMs))));
    return true;
  } catch (error) {
    failed(ctx, 'set', error);
    return false;
  }
}

/** Deletes an entry; a failure is an event, never an error. */
export async function deleteEntry(ctx: Context, key: string): Promise<void> {
  try {
    await bounded(ctx, 'delete', ctx.store.delete(key));
  } catch (error) {
    failed(ctx, 'delete', error);
  }
}

/** Takes the coalescing lock: a token, `undefined` when held elsewhere, `null` when unsupported or failing. */
export async function lockKey(ctx: Context, key: string): Promise<string | undefined | null> {
  const lock = ctx.store.lock;
  if (lock === undefined) return null;
  try {
    return (await bounded(ctx, 'lock', lock.call(ctx.store, key, ctx.lockMs))) ?? undefined;
  } catch (error) {
    failed(ctx, 'lock', error);
    return null;
  }
}

/** Releases the coalescing lock; a failure is an event (the lock expires on its own). */
export async function unlockKey(ctx: Context, key: string, token: string): Promise<void> {
  try {
    await bounded(ctx, 'unlock', ctx.store.unlock?.(key, token));
  } catch (error) {
    failed(ctx, 'unlock', error);
  }
}
