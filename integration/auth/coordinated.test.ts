import {
  AuthGrantError,
  AuthLockTimeoutError,
  type CoordinationEvent,
  clientCredentials,
  createTokenManager,
  customGrant,
  type Grant,
  GrantFailure,
  memoryTokenStore,
  type RefreshEvent,
  refreshToken,
  type TokenStore,
} from '@brace/auth';
import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { drive, track } from '../../packages/auth/src/test-utils/fixtures.js';
import { CLIENT_SECRET, loopback } from './test-utils/loopback.js';

/** A rotating grant: refresh token `rt-n` is good once; reuse is counted. */
function rotating(
  clock: { now(): number },
  options: { fail?: (n: number) => Error | undefined } = {},
) {
  const used = new Set<string>();
  let issued = 0;
  const sent: Array<string | undefined> = [];
  let reuse = 0;
  let recovered = 0;
  const grant: Grant = {
    credential: 'rotating test grant',
    rotatesRefreshToken: true,
    initialRefreshToken: async () => 'rt-0',
    async request({ refreshToken }) {
      sent.push(refreshToken);
      if (refreshToken === undefined || used.has(refreshToken)) {
        reuse++;
        throw new AuthGrantError('rotating test grant', 'invalid_grant', 400, 'reuse');
      }
      used.add(refreshToken);
      issued++;
      const failure = options.fail?.(issued);
      if (failure) throw failure;
      return {
        accessToken: `at-${issued}`,
        tokenType: 'bearer',
        expiresAt: clock.now() + 100_000,
        refreshToken: `rt-${issued}`,
      };
    },
    async recover() {
      recovered++;
      return {
        accessToken: `recovered-${recovered}`,
        tokenType: 'bearer',
        expiresAt: clock.now() + 100_000,
        refreshToken: `rt-r${recovered}`,
      };
    },
  };
  return { grant, sent, reuse: () => reuse, recovered: () => recovered };
}

const timing = { refreshBeforeMs: 10_000, jitterMs: 0, expirySkewMs: 1000 };

describe('coordinated refresh through a shared store', () => {
  it('many managers sharing a store: one grant call per expiry, the rest adopt the stored token', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const r = rotating(clock);
    const events: RefreshEvent[] = [];
    const managers = Array.from({ length: 5 }, (_, i) =>
      createTokenManager({
        grant: r.grant,
        store,
        key: 'shared',
        clock,
        random: () => i / 5,
        ...timing,
        jitterMs: 2000,
        onRefresh: (e) => events.push(e),
      }),
    );
    const first = await Promise.all(managers.map((m) => m.getToken()));
    expect(new Set(first)).toEqual(new Set(['at-1']));
    await clock.advanceTo(95_000);
    const second = managers.map((m) => m.current());
    expect(new Set(second)).toEqual(new Set(['at-2']));
    expect(r.sent).toEqual(['rt-0', 'rt-1']);
    expect(events.filter((e) => e.source === 'grant')).toHaveLength(2);
    for (const m of managers) m.close();
  });

  it('waiters wait for the holder, then adopt; the wait is reported once', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const slow = customGrant(async () => {
      await gate;
      return { accessToken: 'slow', expiresIn: 100 };
    });
    const kinds: CoordinationEvent['kind'][] = [];
    const make = () =>
      createTokenManager({
        grant: slow,
        store,
        key: 'k',
        clock,
        pollIntervalMs: 50,
        onCoordination: (e) => kinds.push(e.kind),
      });
    const a = make();
    const b = make();
    const pa = a.getToken();
    await clock.advance(0);
    const pb = track(b.getToken());
    await clock.advance(200);
    expect(pb.settled()).toBe(false);
    release();
    expect(await pa).toBe('slow');
    expect(await pb.promise).toBe('slow');
    expect(kinds).toEqual(['lock-wait']);
    a.close();
    b.close();
  });

  it('a holder that never finishes: waiters fail with AuthLockTimeoutError after lockWaitMs', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const stuck = customGrant(() => new Promise(() => {}));
    const opts = {
      grant: stuck,
      store,
      key: 'k',
      clock,
      lockTtlMs: 10_000,
      lockWaitMs: 3_000,
      pollIntervalMs: 100,
    };
    const a = createTokenManager(opts);
    const b = createTokenManager(opts);
    void a.getToken().catch(() => {});
    await clock.advance(0);
    const pb = track(b.getToken());
    await drive(clock, pb.settled);
    const error = await pb.promise.catch((e) => e);
    expect(error).toBeInstanceOf(AuthLockTimeoutError);
    expect(error.waitedMs).toBeGreaterThanOrEqual(3_000);
    a.close();
    b.close();
  });

  it('the default key tells credentials apart: a shared store never hands one audience or scope the other’s token', async () => {
    const long = 'a'.repeat(64);
    const lb = await loopback({
      accessTokenTtlSec: 600,
      clients: ['app', `${long}-1`, `${long}-2`].map((clientId) => ({
        clientId,
        clientSecret: CLIENT_SECRET,
      })),
    });
    try {
      const store = memoryTokenStore();
      const cc = (extra: { audience?: string; scope?: string; clientId?: string }) =>
        clientCredentials({
          tokenUrl: lb.tokenUrl,
          clientId: 'app',
          clientSecret: CLIENT_SECRET,
          allowInsecureRequests: true,
          ...extra,
        });
      const managers = [
        createTokenManager({ grant: cc({ audience: 'https://orders' }), store }),
        createTokenManager({ grant: cc({ audience: 'https://billing' }), store }),
        createTokenManager({ grant: cc({ scope: 'read' }), store }),
        createTokenManager({ grant: cc({ scope: 'write' }), store }),
        createTokenManager({ grant: cc({ clientId: `${long}-1` }), store }),
        createTokenManager({ grant: cc({ clientId: `${long}-2` }), store }),
      ];
      const tokens = [];
      for (const m of managers) tokens.push(await m.getToken().catch((e) => e.code));
      expect(new Set(tokens).size).toBe(managers.length);
      for (const m of managers) m.close();
    } finally {
      await lb.close();
    }
  });

  it('a shared store needs an explicit key for grants whose identity is a secret (refresh token) or unknown (custom)', () => {
    const store = memoryTokenStore();
    const grants = [
      refreshToken({
        tokenUrl: 'https://id.example.com/t',
        clientId: 'app',
        refreshToken: 'rt-tenant-a',
      }),
      customGrant(async () => ({ accessToken: 'at' })),
    ];
    for (const grant of grants) {
      expect(() => createTokenManager({ grant, store })).toThrow(
        expect.objectContaining({ code: 'AUTH_INVALID_OPTION', option: 'key' }) as Error,
      );
      createTokenManager({ grant, store, key: 'tenant-a' }).close();
      createTokenManager({ grant }).close(); // its own store: no key needed
    }
  });

  it('polls a store without waitForChange', async () => {
    const clock = manualClock({ now: 0 });
    const inner = memoryTokenStore({ now: clock.now });
    const store: TokenStore = {
      load: (k) => inner.load(k),
      lock: (k, t) => inner.lock(k, t),
      claim: (k, f) => inner.claim(k, f),
      save: (k, f, t) => inner.save(k, f, t),
      unlock: (k, f, c) => inner.unlock(k, f, c),
    };
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    let calls = 0;
    const grant = customGrant(async () => {
      calls++;
      await gate;
      return { accessToken: 'polled', expiresIn: 100 };
    });
    const a = createTokenManager({ grant, store, key: 'k', clock, pollIntervalMs: 100 });
    const b = createTokenManager({ grant, store, key: 'k', clock, pollIntervalMs: 100 });
    const pa = a.getToken();
    await clock.advance(0);
    const pb = track(b.getToken());
    await clock.advance(250);
    release();
    await pa;
    await drive(clock, pb.settled);
    expect(await pb.promise).toBe('polled');
    expect(calls).toBe(1);
    a.close();
    b.close();
  });

  it('a holder that died after sending a rotating refresh token: never resent, recovered', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const r = rotating(clock);
    const kinds: string[] = [];
    const m = createTokenManager({
      grant: r.grant,
      store,
      key: 'k',
      clock,
      ...timing,
      lockTtlMs: 5000,
      onCoordination: (e) => kinds.push(e.kind),
    });
    expect(await m.getToken()).toBe('at-1');
    // Simulate the dead holder: it locked, claimed and sent rt-1, then vanished.
    const fence = (await store.lock('k', 5000)) as number;
    await store.claim('k', fence);
    r.sent.push('rt-1 (dead holder)');
    await clock.advanceTo(95_000); // m's proactive refresh finds the lock held, waits it out
    await drive(clock, () => m.current()?.startsWith('recovered') === true);
    expect(r.sent.filter((s) => s === 'rt-1')).toHaveLength(0);
    expect(r.reuse()).toBe(0);
    expect(r.recovered()).toBe(1);
    expect(kinds).toContain('recovered');
    expect((await store.load('k'))?.pending).toBeUndefined();
    m.close();
  });

  it('without recover(), a refresh token in doubt is AuthGrantError refresh_token_in_doubt', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const r = rotating(clock);
    const { recover: _omit, ...grant } = r.grant;
    const fence = (await store.lock('k', 10)) as number;
    await store.claim('k', fence);
    await clock.advance(20);
    const m = createTokenManager({ grant, store, key: 'k', clock });
    const error = await m.getToken().catch((e) => e);
    expect(error).toMatchObject({
      code: 'AUTH_GRANT_REJECTED',
      oauthError: 'refresh_token_in_doubt',
    });
    expect(r.sent).toEqual([]);
    m.close();
  });

  it('a timeout after sending leaves the claim: the retry recovers instead of resending', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const r = rotating(clock, {
      fail: (n) => (n === 1 ? new GrantFailure('timeout', undefined, true) : undefined),
    });
    const m = createTokenManager({ grant: r.grant, store, key: 'k', clock, retryBaseMs: 10 });
    const p = track(m.getToken());
    await drive(clock, p.settled);
    expect(await p.promise).toBe('recovered-1');
    expect(r.sent).toEqual(['rt-0']);
    expect(r.reuse()).toBe(0);
    m.close();
  });

  it('a 5xx answer proves the token unspent: the claim is cleared and the same token retried', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    let n = 0;
    const grant: Grant = {
      credential: 'g',
      rotatesRefreshToken: true,
      initialRefreshToken: async () => 'rt-0',
      async request({ refreshToken }) {
        n++;
        if (n === 1) throw new GrantFailure('status', 503, false);
        return {
          accessToken: `a-${refreshToken}`,
          tokenType: 'bearer',
          expiresAt: clock.now() + 100_000,
        };
      },
    };
    const m = createTokenManager({ grant, store, key: 'k', clock, retryBaseMs: 10 });
    const p = track(m.getToken());
    await drive(clock, p.settled);
    expect(await p.promise).toBe('a-rt-0');
    m.close();
  });

  it('a holder fenced out after its lock expired keeps its token locally and reports it', async () => {
    const clock = manualClock({ now: 0 });
    const inner = memoryTokenStore({ now: clock.now });
    const store: TokenStore = { ...inner, save: async () => false };
    const kinds: string[] = [];
    const m = createTokenManager({
      grant: customGrant(async () => ({ accessToken: 'mine', expiresIn: 100 })),
      store,
      key: 'k',
      clock,
      onCoordination: (e) => kinds.push(e.kind),
    });
    expect(await m.getToken()).toBe('mine');
    expect(kinds).toEqual(['fenced-out']);
    m.close();
  });

  it('a lost claim (fenced out before sending) sends nothing and tries again', async () => {
    const clock = manualClock({ now: 0 });
    const inner = memoryTokenStore({ now: clock.now });
    let claims = 0;
    const store: TokenStore = {
      ...inner,
      claim: async (k, f) => (++claims === 1 ? false : inner.claim(k, f)),
    };
    const r = rotating(clock);
    const m = createTokenManager({ grant: r.grant, store, key: 'k', clock });
    expect(await m.getToken()).toBe('at-1');
    expect(r.sent).toEqual(['rt-0']);
    m.close();
  });

  it('store failures are transient: retried, and the lock is released', async () => {
    const clock = manualClock({ now: 0 });
    const inner = memoryTokenStore({ now: clock.now });
    let loads = 0;
    const store: TokenStore = {
      ...inner,
      load: async (k) => {
        loads++;
        if (loads === 2) throw new Error('connection reset');
        return inner.load(k);
      },
    };
    const m = createTokenManager({
      grant: customGrant(async () => ({ accessToken: 'ok', expiresIn: 100 })),
      store,
      key: 'k',
      clock,
      retryBaseMs: 10,
    });
    const p = track(m.getToken());
    await drive(clock, p.settled);
    expect(await p.promise).toBe('ok');
    m.close();
  });

  it('a rotated refresh token goes to the grant’s save before it is used', async () => {
    const clock = manualClock({ now: 0 });
    const r = rotating(clock);
    const saved: string[] = [];
    const grant: Grant = {
      ...r.grant,
      saveRefreshToken: async (t) => {
        saved.push(t);
      },
    };
    const m = createTokenManager({ grant, clock });
    await m.getToken();
    await m.refresh();
    expect(saved).toEqual(['rt-1', 'rt-2']);
    expect(r.sent).toEqual(['rt-0', 'rt-1']);
    m.close();
  });

  it('a failing save() releases the lock (keeping the claim): the retry recovers at once, not after lockTtlMs', async () => {
    const clock = manualClock({ now: 0 });
    const r = rotating(clock);
    let failures = 1;
    const grant: Grant = {
      ...r.grant,
      saveRefreshToken: async () => {
        if (failures-- > 0) throw new Error('vault unavailable');
      },
    };
    const kinds: string[] = [];
    const m = createTokenManager({
      grant,
      clock,
      lockTtlMs: 20_000,
      retryBaseMs: 10,
      retryCapMs: 10,
      onCoordination: (e) => kinds.push(e.kind),
    });
    const p = track(m.getToken());
    await drive(clock, p.settled);
    expect(await p.promise).toBe('recovered-1');
    expect(clock.now()).toBeLessThan(20_000);
    expect(kinds).not.toContain('lock-wait');
    expect(r.sent).toEqual(['rt-0']); // the spent token was never resent
    m.close();
  });
});

describe('joining while another process refreshes', () => {
  it('a process without a token adopts a stored one that is still valid instead of waiting', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const fence = (await store.lock('k', 60_000)) as number;
    await store.save('k', fence, {
      accessToken: 'in-window',
      tokenType: 'bearer',
      expiresAt: 30_000,
      issuedAt: 0,
    });
    await store.lock('k', 60_000); // another process is refreshing it right now
    let calls = 0;
    const m = createTokenManager({
      grant: customGrant(async () => {
        calls++;
        return { accessToken: 'new', expiresIn: 60 };
      }),
      store,
      key: 'k',
      clock,
      refreshBeforeMs: 20_000,
      expirySkewMs: 1000,
      jitterMs: 0,
    });
    await clock.advanceTo(20_000); // past the refresh point (15 s), still valid
    expect(await m.getToken()).toBe('in-window');
    expect(calls).toBe(0);
    m.close();
  });
});

describe('a lock timeout while a valid token is served', () => {
  it('does not start another wait on every request', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const kinds: string[] = [];
    const m = createTokenManager({
      grant: customGrant(async () => ({ accessToken: 'a', expiresIn: 100 })),
      store,
      key: 'k',
      clock,
      refreshBeforeMs: 50_000,
      jitterMs: 0,
      expirySkewMs: 1000,
      lockTtlMs: 60_000,
      lockWaitMs: 1000,
      retryBaseMs: 5000,
      random: () => 0,
      proactive: false,
      onCoordination: (e) => kinds.push(e.kind),
    });
    await m.getToken();
    await store.lock('k', 600_000); // another process holds the lock and never finishes
    await clock.advanceTo(60_000); // in the window
    expect(await m.getToken()).toBe('a');
    await drive(clock, () => kinds.length === 1);
    await clock.advance(1100); // the wait times out
    for (let i = 0; i < 5; i++) expect(await m.getToken()).toBe('a');
    await clock.advance(0);
    expect(kinds).toEqual(['lock-wait']); // no second wait started
    m.close();
  });
});
