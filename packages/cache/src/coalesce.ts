import type { Call, Context, Origin, Outcome } from './context.js';
import { emit } from './options.js';
import { askOrigin } from './origin.js';
import { type Policy, varyMatches } from './policy.js';
import type { CacheEntry } from './store.js';
import { getEntry, lockKey, policyOf, unlockKey } from './store-ops.js';
import { withinMaxAge } from './windows.js';

/** Waits for `promise`, or rejects at once with the signal's reason when it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** True when another caller's outcome is also a right answer for `call`. */
function shareable(outcome: Outcome, call: Call): boolean {
  switch (outcome.type) {
    case 'entry':
      return outcome.entry.meta.vary === null || varyMatches(outcome.entry.meta.vary, call.headers);
    case 'bytes':
      return (
        !outcome.setsCookie && (outcome.vary === null || varyMatches(outcome.vary, call.headers))
      );
    case 'stream':
      return false;
    case 'error':
      return !outcome.aborted;
  }
}

/**
 * Another process holds the lock: poll the store for its result until the lock frees up
 * without one or `lockMs` passes. Resolves the stored answer, or `{ token: null }`: go on
 * without the lock.
 */
async function waitForOther(
  ctx: Context,
  call: Call,
): Promise<{ outcome: Outcome } | { token: null }> {
  const deadline = ctx.clock.now() + ctx.lockMs;
  while (ctx.clock.now() < deadline) {
    await ctx.clock.sleep(ctx.pollMs, call.signal);
    const stored = await storedAnswer(ctx, call);
    if (stored !== undefined) return { outcome: stored };
    const token = await lockKey(ctx, call.key);
    if (token !== undefined) {
      // Freed without a result: the answer was not stored (no-store, too large ...) or the
      // holder failed. Every waiter asks for itself now, in parallel: holding the lock here
      // would queue the processes behind each other, one origin request at a time.
      // Double-checked first: the holder may have stored its result just before unlocking.
      if (token !== null) {
        const stored = await storedAnswer(ctx, call);
        await unlockKey(ctx, call.key, token);
        if (stored !== undefined) return { outcome: stored };
      }
      return { token: null };
    }
  }
  return { token: null };
}

/** A fresh entry another process stored for `call`, as a shared outcome. */
async function storedAnswer(ctx: Context, call: Call): Promise<Outcome | undefined> {
  const found = await getEntry(ctx, call.key);
  const policy = found && policyOf(ctx, found);
  if (
    found &&
    policy &&
    found.meta.kind === 'http' &&
    withinMaxAge(ctx, found) &&
    (found.meta.vary === null || varyMatches(found.meta.vary, call.headers)) &&
    policy.satisfiesWithoutRevalidation(call.policyRequest)
  ) {
    emit(ctx.options.onCoalesce, { method: call.method, url: call.url, scope: 'store' });
    return { type: 'entry', entry: found, policy, reason: 'fresh' };
  }
  return undefined;
}

/** One origin request per key: in process by the flights map, across processes by the store's lock. */
async function lead(
  ctx: Context,
  call: Call,
  origin: Origin,
  entry: CacheEntry | undefined,
  policy: Policy | undefined,
): Promise<Outcome> {
  let token = await lockKey(ctx, call.key);
  if (token === undefined) {
    let waited: Awaited<ReturnType<typeof waitForOther>>;
    try {
      waited = await waitForOther(ctx, call);
    } catch (error) {
      // This caller's own abort while polling: its error alone, never its followers'.
      return { type: 'error', error, aborted: true };
    }
    if ('outcome' in waited) return waited.outcome;
    token = waited.token;
  }
  try {
    if (typeof token === 'string') {
      // Double-checked: the previous holder may have stored its result and unlocked between
      // this caller's first look and its lock.
      const stored = await storedAnswer(ctx, call);
      if (stored !== undefined) return stored;
    }
    return await askOrigin(ctx, call, origin, entry, policy);
  } finally {
    if (typeof token === 'string') await unlockKey(ctx, call.key, token);
  }
}

/** Waits for the in-flight request for the key, and shares its outcome when it fits. */
async function follow(
  ctx: Context,
  call: Call,
  origin: Origin,
  entry: CacheEntry | undefined,
  policy: Policy | undefined,
  inflight: Promise<Outcome>,
): Promise<Outcome> {
  emit(ctx.options.onCoalesce, { method: call.method, url: call.url, scope: 'process' });
  const outcome = await untilAborted(inflight, call.signal);
  if (shareable(outcome, call)) return outcome;
  // The leader's caller aborted: coalesce again (on the store lock too) rather than each
  // follower asking the origin for itself.
  if (outcome.type === 'error') return coalesced(ctx, call, origin, entry, policy);
  return askOrigin(ctx, call, origin, entry, policy);
}

/** Joins the in-flight request for the key, or leads one. */
export function coalesced(
  ctx: Context,
  call: Call,
  origin: Origin,
  entry: CacheEntry | undefined,
  policy: Policy | undefined,
): Promise<Outcome> {
  const inflight = ctx.flights.get(call.key);
  if (inflight !== undefined) return follow(ctx, call, origin, entry, policy, inflight);
  // The cache's own memory store: in process is everywhere, and the flights map coalesces it.
  const led = ctx.ownStore
    ? askOrigin(ctx, call, origin, entry, policy)
    : lead(ctx, call, origin, entry, policy);
  // The flight leaves the map as it lands, before its followers or its caller go on. (No
  // named helper closure: one fewer function object per miss.)
  const flights = ctx.flights;
  const key = call.key;
  const flight: Promise<Outcome> = led.then(
    (outcome) => {
      if (flights.get(key) === flight) flights.delete(key);
      return outcome;
    },
    (error: unknown) => {
      if (flights.get(key) === flight) flights.delete(key);
      throw error;
    },
  );
  flights.set(key, flight);
  return flight;
}
