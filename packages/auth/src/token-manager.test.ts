import { inspect } from 'node:util';
import { BraceError, isBraceError } from '@brace/core';
import { describe, expect, it } from 'vitest';
import {
  AuthClosedError,
  AuthGrantError,
  AuthOptionError,
  AuthRefreshError,
  createTokenManager,
  customGrant,
  GrantFailure,
  type RefreshErrorEvent,
  type RefreshEvent,
} from './index.js';
import { countingGrant, drive, manualClock, seeded, track } from './test-utils/fixtures.js';

const base = { refreshBeforeMs: 60_000, jitterMs: 10_000, expirySkewMs: 5_000 };

describe('createTokenManager', () => {
  it('fetches once, then serves the cached token with no further grant calls', async () => {
    const clock = manualClock({ now: 1_000_000 });
    const { grant, calls } = countingGrant(clock);
    const auth = createTokenManager({ grant, clock, random: seeded(), ...base });
    expect(auth.current()).toBeUndefined();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => auth.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(await auth.getToken()).toBe('at-1');
    expect(auth.current()).toBe('at-1');
    expect(calls).toHaveLength(1);
    auth.close();
  });

  it('refreshes ahead of expiry on the timer, within refreshBeforeMs plus jitter', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 3600);
    const events: RefreshEvent[] = [];
    const auth = createTokenManager({
      grant,
      clock,
      random: () => 0.5,
      ...base,
      onRefresh: (e) => events.push(e),
    });
    await auth.getToken();
    // Due at 3600 s - 60 s - 0.5 * 10 s = 3535 s.
    await clock.advanceTo(3_534_999);
    expect(calls).toHaveLength(1);
    await clock.advanceTo(3_535_000);
    expect(calls).toHaveLength(2);
    expect(auth.current()).toBe('at-2');
    expect(events.map((e) => [e.reason, e.source])).toEqual([
      ['initial', 'grant'],
      ['proactive', 'grant'],
    ]);
    auth.close();
  });

  it('different random draws spread the refresh point across the jitter window', async () => {
    const points = new Set<number>();
    for (const r of [0, 0.25, 0.99]) {
      const clock = manualClock({ now: 0 });
      const { grant, calls } = countingGrant(clock, 3600);
      const auth = createTokenManager({ grant, clock, random: () => r, ...base });
      await auth.getToken();
      while (calls.length < 2) await clock.next();
      points.add(clock.now());
      auth.close();
    }
    expect([...points].sort()).toEqual([3_530_100, 3_537_500, 3_540_000]);
  });

  it('the proactive timer and a 401 share one in-flight refresh', async () => {
    const clock = manualClock({ now: 0 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { grant, calls } = countingGrant(clock, 3600, (n) =>
      n === 2 ? gate.then(() => ({ accessToken: 'at-2', expiresIn: 3600 })) : undefined,
    );
    const auth = createTokenManager({ grant, clock, random: () => 0, ...base });
    await auth.getToken();
    await clock.advanceTo(3_540_000); // proactive refresh starts, blocked on the gate
    expect(calls).toHaveLength(2);
    // Meanwhile the server rejects at-1: the 401 path joins the same refresh.
    const retried = auth.rejected({ in: 'header', name: 'authorization', value: 'Bearer at-1' });
    release();
    expect(await retried).toEqual({ in: 'header', name: 'authorization', value: 'Bearer at-2' });
    expect(calls).toHaveLength(2);
    auth.close();
  });

  it('never hands out an expired token: waits for the refresh instead', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 100);
    const auth = createTokenManager({ grant, clock, random: () => 0, ...base, proactive: false });
    await auth.getToken();
    await clock.advanceTo(96_000); // 1 s inside the 5 s skew margin
    expect(auth.current()).toBeUndefined();
    expect(await auth.getToken()).toBe('at-2');
    expect(calls).toHaveLength(2);
    auth.close();
  });

  it('without a timer, the first request in the window refreshes in the background', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 3600);
    const auth = createTokenManager({ grant, clock, random: () => 0, ...base, proactive: false });
    await auth.getToken();
    await clock.advanceTo(3_550_000);
    expect(calls).toHaveLength(1);
    expect(await auth.getToken()).toBe('at-1'); // still valid: served at once
    await clock.advance(0);
    expect(calls).toHaveLength(2);
    expect(await auth.getToken()).toBe('at-2');
    auth.close();
  });

  it('short lifetimes refresh at half-life at the latest, not in a loop', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 10);
    const auth = createTokenManager({ grant, clock, random: () => 0, ...base, expirySkewMs: 500 });
    await auth.getToken();
    await clock.advanceTo(4_999);
    expect(calls).toHaveLength(1);
    await clock.advanceTo(5_000);
    expect(calls).toHaveLength(2);
    auth.close();
  });

  it('transient failures retry with full-jitter backoff, then AuthRefreshError', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 3600, () =>
      Promise.reject(new GrantFailure('status', 503, false)),
    );
    const errors: RefreshErrorEvent[] = [];
    const auth = createTokenManager({
      grant,
      clock,
      random: () => 0.5,
      maxAttempts: 3,
      retryBaseMs: 100,
      onRefreshError: (e) => errors.push(e),
    });
    const pending = track(auth.getToken());
    await drive(clock, pending.settled);
    await expect(pending.promise).rejects.toBeInstanceOf(AuthRefreshError);
    expect(calls.map((c) => c.now)).toEqual([0, 50, 150]); // 0.5 x 100, then 0.5 x 200
    const error = (await pending.promise.catch((e) => e)) as AuthRefreshError;
    expect(error).toMatchObject({
      code: 'AUTH_REFRESH_FAILED',
      reason: 'status',
      status: 503,
      attempts: 3,
    });
    expect(errors.map((e) => e.willRetry)).toEqual([true, true, false]);
    auth.close();
  });

  it('a transient failure recovers on the next attempt', async () => {
    const clock = manualClock({ now: 0 });
    const { grant } = countingGrant(clock, 3600, (n) =>
      n === 1 ? Promise.reject(new Error('socket hang up')) : undefined,
    );
    const auth = createTokenManager({ grant, clock, random: () => 0.5 });
    const pending = track(auth.getToken());
    await drive(clock, pending.settled);
    expect(await pending.promise).toBe('at-2');
    auth.close();
  });

  it('keeps serving a still-valid token while background refreshes fail, retrying them', async () => {
    const clock = manualClock({ now: 0 });
    let down = true;
    const { grant, calls } = countingGrant(clock, 3600, (n) =>
      n > 1 && down ? Promise.reject(new GrantFailure('network', undefined, false)) : undefined,
    );
    const errors: RefreshErrorEvent[] = [];
    const auth = createTokenManager({
      grant,
      clock,
      random: () => 0.5,
      ...base,
      retryBaseMs: 1000,
      onRefreshError: (e) => errors.push(e),
    });
    await auth.getToken();
    await clock.advanceTo(3_535_000);
    expect(calls).toHaveLength(2);
    expect(errors[0]).toMatchObject({ servingCachedToken: true, willRetry: true });
    expect(await auth.getToken()).toBe('at-1');
    await clock.advance(749);
    expect(calls).toHaveLength(2);
    await clock.advance(1); // background retry: half the 1 s step plus 0.5 x the other half
    expect(calls).toHaveLength(3);
    down = false;
    await clock.advance(1500); // second step: 2 s -> 1 s + 0.5 x 1 s
    expect(calls).toHaveLength(4);
    expect(await auth.getToken()).toBe('at-4');
    auth.close();
  });

  it('a permanent refusal is never retried and names the code, not the secret', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 3600, () =>
      Promise.reject(new AuthGrantError('test grant', 'invalid_client', 401, 'Fix it.')),
    );
    const auth = createTokenManager({ grant, clock });
    const error = await auth.getToken().catch((e) => e);
    expect(error).toBeInstanceOf(AuthGrantError);
    expect(error.message).toContain('invalid_client');
    expect(calls).toHaveLength(1);
    auth.close();
  });

  it('a token that arrives already expired is never handed out', async () => {
    const clock = manualClock({ now: 0 });
    const grant = customGrant(async () => ({ accessToken: 'old', expiresAt: 1000 }));
    const auth = createTokenManager({ grant, clock });
    await expect(auth.getToken()).rejects.toMatchObject({ reason: 'invalid-response' });
    auth.close();
  });

  it('a token that arrives unusable (expires_in 0, or within the skew) starts no background refresh loop', async () => {
    for (const expiresIn of [0, -5, 3]) {
      const clock = manualClock({ now: 0 });
      let calls = 0;
      const grant = customGrant(async () => {
        calls += 1;
        return { accessToken: `t-${calls}`, expiresIn };
      });
      const auth = createTokenManager({ grant, clock, random: () => 0, ...base });
      await expect(auth.getToken()).rejects.toMatchObject({ reason: 'invalid-response' });
      for (let i = 0; i < 20; i++) {
        await clock.advance(1);
        await new Promise((r) => setImmediate(r));
      }
      expect(calls).toBe(1);
      // The next request asks again (once), it does not wait for a loop.
      await expect(auth.getToken()).rejects.toMatchObject({ reason: 'invalid-response' });
      expect(calls).toBe(2);
      auth.close();
    }
  });

  it('a lifetime too large for a date is kept as "no expiry", never as Infinity', async () => {
    const clock = manualClock({ now: 0 });
    const events: RefreshEvent[] = [];
    const grant = customGrant(async () => ({ accessToken: 'forever', expiresIn: 1e306 }));
    const auth = createTokenManager({ grant, clock, onRefresh: (e) => events.push(e) });
    expect(await auth.getToken()).toBe('forever');
    expect(events[0]?.expiresAt).toBe(Number.MAX_SAFE_INTEGER);
    auth.close();
  });

  it("a BraceError from the user's grant code is transient like any other: retried, never passed on", async () => {
    // e.g. @brace/backoff's RetryExhaustedError or @brace/schema-guard's ResponseSchemaError,
    // which carry the attempts and the response body (the token in it).
    class VendorError extends BraceError {
      readonly body = '{"token":"planted-session-token"}';
      constructor() {
        super('VENDOR_FAILED', 'vendor session failed');
      }
    }
    const clock = manualClock({ now: 0 });
    let calls = 0;
    const flaky = customGrant(async () => {
      calls += 1;
      if (calls === 1) throw new VendorError();
      return { accessToken: 'second', expiresIn: 3600 };
    });
    const events: RefreshErrorEvent[] = [];
    const auth = createTokenManager({
      grant: flaky,
      clock,
      random: () => 0,
      onRefreshError: (e) => events.push(e),
    });
    const p = track(auth.getToken());
    await drive(clock, p.settled);
    expect(await p.promise).toBe('second');
    expect(events[0]).toMatchObject({ code: 'AUTH_REFRESH_FAILED', willRetry: true });
    auth.close();

    const down = createTokenManager({
      grant: customGrant(async () => {
        throw new VendorError();
      }),
      clock,
      random: () => 0,
      maxAttempts: 2,
    });
    const q = track(down.getToken());
    await drive(clock, q.settled);
    const error = await q.promise.catch((e) => e);
    expect(error).toBeInstanceOf(AuthRefreshError);
    expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
      'planted-session-token',
    );
    down.close();
  });

  it('a token without a lifetime is kept until the server rejects it', async () => {
    const clock = manualClock({ now: 0 });
    let n = 0;
    const grant = customGrant(async () => ({ accessToken: `t${++n}` }));
    const auth = createTokenManager({ grant, clock });
    expect(await auth.getToken()).toBe('t1');
    await clock.advance(365 * 86_400_000);
    expect(await auth.getToken()).toBe('t1');
    auth.invalidate('t1');
    expect(auth.current()).toBeUndefined();
    expect(await auth.getToken()).toBe('t2');
    auth.invalidate('not-current'); // ignored
    expect(auth.current()).toBe('t2');
    auth.close();
  });

  it('rejected() gives up when the refresh returns the same token', async () => {
    const clock = manualClock({ now: 0 });
    const grant = customGrant(async () => ({ accessToken: 'same', expiresIn: 3600 }));
    const auth = createTokenManager({ grant, clock, proactive: false });
    const credential = await auth.authorize();
    expect(credential.value).toBe('Bearer same');
    expect(await auth.rejected(credential)).toBeUndefined();
    auth.close();
  });

  it('an endpoint that answers 401 to every token costs one token request per retryCapMs, not one per request', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock);
    const auth = createTokenManager({ grant, clock, proactive: false, retryCapMs: 10_000 });
    // Every request: 401 with the token it carried (a permission the token will never have).
    const request = async () => {
      const credential = await auth.authorize();
      return auth.rejected(credential);
    };
    expect((await request())?.value).toBe('Bearer at-2'); // the first 401 refreshes once
    for (let i = 0; i < 20; i++) expect(await request()).toBeUndefined();
    expect(calls).toHaveLength(2);
    await clock.advance(10_001);
    expect((await request())?.value).toBe('Bearer at-3'); // later, a 401 refreshes again
    expect(calls).toHaveLength(3);
    // A late 401 for that token after it was replaced retries with the newer one.
    await auth.refresh();
    expect(
      (await auth.rejected({ in: 'header', name: 'authorization', value: 'Bearer at-3' }))?.value,
    ).toBe('Bearer at-4');
    auth.close();
  });

  it('validate() makes a real token request even with a cached token, then the probe', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock);
    const probed: string[] = [];
    const auth = createTokenManager({
      grant,
      clock,
      validate: async (token) => {
        probed.push(token);
      },
    });
    await auth.getToken();
    await auth.validate();
    expect(calls).toHaveLength(2);
    expect(probed).toEqual(['at-2']);
    auth.close();
  });

  it('validate() turns a failing probe into AuthGrantError without its cause', async () => {
    const clock = manualClock({ now: 0 });
    const { grant } = countingGrant(clock);
    const auth = createTokenManager({
      grant,
      clock,
      validate: async (token) => {
        throw new Error(`403 for ${token}`);
      },
    });
    const error = await auth.validate().catch((e) => e);
    expect(error).toMatchObject({ code: 'AUTH_GRANT_REJECTED', oauthError: 'validation_failed' });
    expect(error.cause).toBeUndefined();
    auth.close();
  });

  it('honours a caller signal without cancelling the shared refresh', async () => {
    const clock = manualClock({ now: 0 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { grant } = countingGrant(clock, 3600, () =>
      gate.then(() => ({ accessToken: 'late', expiresIn: 3600 })),
    );
    const auth = createTokenManager({ grant, clock });
    const controller = new AbortController();
    const mine = auth.getToken({ signal: controller.signal });
    const other = auth.getToken();
    controller.abort(new Error('caller gave up'));
    await expect(mine).rejects.toThrow('caller gave up');
    release();
    expect(await other).toBe('late');
    const aborted = AbortSignal.abort(new Error('already'));
    auth.invalidate('late');
    await expect(auth.getToken({ signal: aborted })).rejects.toThrow('already');
    auth.close();
  });

  it('close() fails pending and later calls with AUTH_CLOSED and stops the timer', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 3600, (n) =>
      n === 2 ? Promise.reject(new GrantFailure('timeout', undefined, true)) : undefined,
    );
    const auth = createTokenManager({ grant, clock, random: () => 0 });
    await auth.getToken();
    auth.close();
    await clock.advanceTo(4_000_000);
    expect(calls).toHaveLength(1);
    await expect(auth.getToken()).rejects.toBeInstanceOf(AuthClosedError);
    await expect(auth.refresh()).rejects.toBeInstanceOf(AuthClosedError);

    const auth2 = createTokenManager({ grant, clock, random: () => 0, proactive: false });
    const pending = auth2.getToken(); // call 2 fails, backoff sleep pending
    await clock.advance(0);
    auth2.close();
    await expect(pending).rejects.toBeInstanceOf(AuthClosedError);
  });

  it('after close(), a still-valid cached token is not handed out either (adapters included)', async () => {
    const clock = manualClock({ now: 0 });
    const { grant } = countingGrant(clock, 3600);
    const auth = createTokenManager({ grant, clock });
    expect(await auth.getToken()).toBe('at-1');
    auth.close();
    expect(auth.current()).toBeUndefined();
    await expect(auth.getToken()).rejects.toBeInstanceOf(AuthClosedError);
    await expect(Promise.resolve().then(() => auth.authorize())).rejects.toBeInstanceOf(
      AuthClosedError,
    );
  });

  it('a throwing event callback never breaks a refresh', async () => {
    const clock = manualClock({ now: 0 });
    const { grant } = countingGrant(clock);
    const auth = createTokenManager({
      grant,
      clock,
      onRefresh: () => {
        throw new Error('observer bug');
      },
    });
    expect(await auth.getToken()).toBe('at-1');
    auth.close();
  });

  it('uses real unref’d timers when no clock is given', async () => {
    let n = 0;
    const grant = customGrant(async () => ({ accessToken: `r${++n}`, expiresIn: 0.2 }));
    const auth = createTokenManager({ grant, refreshBeforeMs: 150, jitterMs: 0, expirySkewMs: 10 });
    expect(await auth.getToken()).toBe('r1');
    await new Promise((r) => setTimeout(r, 150));
    expect(auth.current()).toBe('r2');
    auth.close();
  });

  it('rejects bad options at construction, naming the option', () => {
    const grant = customGrant(async () => ({ accessToken: 'a' }));
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ grant: {} }, 'grant'],
      [{ grant, refreshBeforeMs: -1 }, 'refreshBeforeMs'],
      [{ grant, jitterMs: Number.NaN }, 'jitterMs'],
      [{ grant, lockTtlMs: 0 }, 'lockTtlMs'],
      [{ grant, maxAttempts: 1.5 }, 'maxAttempts'],
      [{ grant, pollIntervalMs: 'x' }, 'pollIntervalMs'],
    ];
    for (const [options, option] of bad) {
      const error = (() => {
        try {
          createTokenManager(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AuthOptionError);
      expect((error as AuthOptionError).option).toBe(option);
      expect(isBraceError(error, 'AUTH_INVALID_OPTION')).toBe(true);
    }
    expect(() => customGrant('x' as never)).toThrow(AuthOptionError);
  });

  it('customGrant: bad results, expiresAt, token type and rotation flag', async () => {
    const clock = manualClock({ now: 0 });
    const empty = createTokenManager({
      grant: customGrant(async () => ({ accessToken: '' })),
      clock,
    });
    await expect(empty.getToken()).rejects.toBeInstanceOf(AuthOptionError);
    const g = customGrant(async () => ({ accessToken: 'a', tokenType: 'DPoP', expiresAt: 5 }), {
      rotatesRefreshToken: true,
    });
    expect(g.rotatesRefreshToken).toBe(true);
    expect(g.credential).toBe('custom grant');
    const t = await g.request({ now: 0, signal: new AbortController().signal });
    expect(t).toMatchObject({ tokenType: 'dpop', expiresAt: 5 });
    empty.close();
  });
});

describe('after a failure, requests do not hammer the token endpoint', () => {
  it('a background failure moves the next attempt out by the backoff, not to the next request', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 3600, (n) =>
      n === 2 ? Promise.reject(new GrantFailure('status', 503, false)) : undefined,
    );
    const auth = createTokenManager({
      grant,
      clock,
      random: () => 0,
      ...base,
      proactive: false,
      retryBaseMs: 1000,
    });
    await auth.getToken();
    await clock.advanceTo(3_550_000); // in the window: the next request refreshes in the background
    expect(await auth.getToken()).toBe('at-1');
    await clock.advance(0);
    expect(calls).toHaveLength(2); // failed
    for (let i = 0; i < 20; i++) expect(await auth.getToken()).toBe('at-1');
    expect(calls).toHaveLength(2);
    await clock.advance(500); // half the first step: the scheduled retry
    expect(calls).toHaveLength(3);
    expect(await auth.getToken()).toBe('at-3');
    auth.close();
  });

  it('a refusal fails later calls fast for retryCapMs, then asks again', async () => {
    const clock = manualClock({ now: 0 });
    let refuse = true;
    const { grant, calls } = countingGrant(clock, 3600, () =>
      refuse
        ? Promise.reject(new AuthGrantError('test grant', 'invalid_client', 401, 'Fix it.'))
        : undefined,
    );
    const auth = createTokenManager({ grant, clock, retryCapMs: 10_000 });
    const first = await auth.getToken().catch((e) => e);
    for (let i = 0; i < 10; i++) expect(await auth.getToken().catch((e) => e)).toBe(first);
    expect(calls).toHaveLength(1);
    refuse = false;
    await clock.advance(10_000);
    expect(await auth.getToken()).toBe('at-2');
    expect(calls).toHaveLength(2);
    auth.close();
  });
});
