import type { Clock } from '@brace/core';
import { AuthGrantError, AuthLockTimeoutError, AuthOptionError } from './errors.js';
import { type Grant, GrantFailure, type TokenSet } from './grant.js';
import type { TokenRecord, TokenStore } from './store.js';

/** What one coordinated refresh needs from the manager. */
export interface CoordinatedRefresh {
  grant: Grant;
  store: TokenStore;
  key: string;
  clock: Clock;
  lockTtlMs: number;
  lockWaitMs: number;
  pollIntervalMs: number;
  /** Whether a stored token can be used as is (fresh enough, not the rejected one). */
  adoptable(token: TokenSet): boolean;
  /** Reports a lost fence or a recovery. */
  note(event: 'fenced-out' | 'recovered' | 'lock-wait'): void;
}

/** Where a token came from. */
export type TokenSource = 'store' | 'grant' | 'recover';

/**
 * The lock's lease: with a store that can `renew`, a quarter of `lockTtlMs`, renewed while
 * the refresh runs (a holder that dies is taken over within one lease); else `lockTtlMs`.
 */
export function leaseOf(c: Pick<CoordinatedRefresh, 'store' | 'lockTtlMs'>): number {
  return c.store.renew === undefined ? c.lockTtlMs : c.lockTtlMs / LEASE_PARTS;
}

/** The lease is this fraction of `lockTtlMs` (with a store that can renew). */
const LEASE_PARTS = 4;

/**
 * Renews `fence`'s lease every third of it while the refresh runs, never past `lockTtlMs`
 * after the lock was taken (a refresh that hangs loses the lock then). Returns the stop.
 */
function heartbeat(c: CoordinatedRefresh, fence: number): () => void {
  const { renew } = c.store;
  if (renew === undefined) return () => {};
  const lease = leaseOf(c);
  const until = c.clock.now() + c.lockTtlMs;
  const stop = new AbortController();
  void (async () => {
    for (;;) {
      await c.clock.sleep(lease / 3, stop.signal);
      const left = until - c.clock.now();
      if (left <= 0 || !(await renew.call(c.store, c.key, fence, Math.min(lease, left)))) return;
    }
  })().catch(() => {}); // stopped, or the store failed: the lease runs out, fencing protects
  return () => stop.abort();
}

/** Waits for the record to change, or for one poll interval, whichever comes first. */
async function waitForChange(
  c: CoordinatedRefresh,
  version: number,
  signal: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // Never slower than half a lease: a dead holder's lock is noticed promptly.
    const poll = Math.min(c.pollIntervalMs, leaseOf(c) / 2);
    const sleep = c.clock.sleep(poll, stop.signal).catch(() => {});
    const change = c.store.waitForChange?.(c.key, version, stop.signal);
    await (change === undefined ? sleep : Promise.race([sleep, change]));
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
  signal.throwIfAborted();
}

/** True when a failure proves the refresh token was not consumed. */
function notConsumed(error: unknown): boolean {
  if (error instanceof GrantFailure) return !error.inDoubt;
  return error instanceof AuthGrantError || error instanceof AuthOptionError;
}

/**
 * One refresh, coordinated through the store: adopt a stored token if one is fresh, else
 * take the lock, re-check, claim (rotating grants), call the grant, save under the fence.
 * Other processes wait for the stored result, at most `lockWaitMs` in all.
 */
export async function coordinatedRefresh(
  c: CoordinatedRefresh,
  signal: AbortSignal,
): Promise<{ token: TokenSet; source: TokenSource; version: number }> {
  const started = c.clock.now();
  let noted = false;
  for (;;) {
    const record = await c.store.load(c.key);
    if (record?.token !== undefined && c.adoptable(record.token)) {
      return { token: record.token, source: 'store', version: record.version };
    }
    const fence = await c.store.lock(c.key, leaseOf(c));
    if (fence === undefined) {
      const waited = c.clock.now() - started;
      if (waited >= c.lockWaitMs) throw new AuthLockTimeoutError(waited);
      if (!noted) c.note('lock-wait');
      noted = true;
      await waitForChange(c, record?.version ?? 0, signal);
      continue;
    }
    const stopHeartbeat = heartbeat(c, fence);
    try {
      const result = await underLock(c, fence, signal);
      if (result !== undefined) return result;
    } finally {
      stopHeartbeat();
    }
  }
}

/** The part of a refresh that runs while holding `fence`; undefined when fenced out. */
async function underLock(
  c: CoordinatedRefresh,
  fence: number,
  signal: AbortSignal,
): Promise<{ token: TokenSet; source: TokenSource; version: number } | undefined> {
  let record: TokenRecord | undefined;
  try {
    record = await c.store.load(c.key);
    if (record?.token !== undefined && c.adoptable(record.token)) {
      await c.store.unlock(c.key, fence, false);
      return { token: record.token, source: 'store', version: record.version };
    }
  } catch (error) {
    await c.store.unlock(c.key, fence, false).catch(() => {});
    throw error;
  }
  const { grant } = c;
  const context = (refreshToken?: string) => ({ now: c.clock.now(), signal, refreshToken });
  let token: TokenSet;
  let source: TokenSource = 'grant';
  try {
    if (grant.rotatesRefreshToken && record?.pending !== undefined) {
      // The last holder sent a refresh token and never saved the answer: it may be spent.
      if (grant.recover === undefined) {
        throw new AuthGrantError(
          grant.credential,
          'refresh_token_in_doubt',
          undefined,
          'A process died between sending the refresh token and storing its successor; the token was not resent (that would revoke the grant). Give refreshToken({ recover }) or store a new refresh token.',
        );
      }
      token = await grant.recover(
        context(record.token?.refreshToken ?? (await grant.initialRefreshToken?.())),
      );
      source = 'recover';
    } else {
      const refreshToken = record?.token?.refreshToken ?? (await grant.initialRefreshToken?.());
      if (grant.rotatesRefreshToken && !(await c.store.claim(c.key, fence))) {
        c.note('fenced-out');
        await c.store.unlock(c.key, fence, false);
        return undefined;
      }
      token = await grant.request(context(refreshToken));
    }
  } catch (error) {
    await c.store.unlock(c.key, fence, notConsumed(error)).catch(() => {});
    throw error;
  }
  if (token.refreshToken !== undefined && grant.saveRefreshToken !== undefined) {
    try {
      await grant.saveRefreshToken(token.refreshToken);
    } catch (error) {
      // The old refresh token is spent: the claim stays, the lock goes (the next holder
      // recovers now instead of after lockTtlMs).
      await c.store.unlock(c.key, fence, false).catch(() => {});
      throw error;
    }
  }
  const withIssued = { ...token, issuedAt: token.issuedAt ?? c.clock.now() };
  if (source === 'recover') c.note('recovered');
  if (!(await c.store.save(c.key, fence, withIssued))) {
    // A newer holder took over: this token is still valid, use it here only.
    c.note('fenced-out');
    return { token: withIssued, source, version: -1 };
  }
  return { token: withIssued, source, version: (record?.version ?? 0) + 1 };
}
