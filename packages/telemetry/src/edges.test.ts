import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { defaultIsCached } from './classify.js';
import { createTelemetry } from './index.js';
import { telemetryHooks } from './ky.js';
import { withParent } from './otel.js';
import { readSource, type WatchedState } from './watch.js';

describe('edges', () => {
  it('the plain context sets, reads and deletes values immutably', () => {
    const parent = { setAttributes() {}, setStatus() {}, end() {} };
    const context = withParent(undefined, parent);
    const key = Symbol('k');
    const withKey = context.setValue(key, 1);
    expect(withKey.getValue(key)).toBe(1);
    expect(context.getValue(key)).toBeUndefined();
    expect(withKey.deleteValue(key).getValue(key)).toBeUndefined();
    expect(withKey.getValue(Symbol.for('OpenTelemetry Context Key SPAN'))).toBe(parent);
  });

  it('Cache-Status: hit only with the hit parameter; oversized values are ignored', () => {
    expect(defaultIsCached({ 'cache-status': 'edge; fwd=miss, origin; hit' })).toBe(true);
    expect(defaultIsCached({ 'cache-status': 'edge; fwd=uri-miss' })).toBe(false);
    expect(defaultIsCached({ 'cache-status': `edge; hit${' '.repeat(2000)}` })).toBe(false);
    expect(defaultIsCached({})).toBe(false);
  });

  it('watch: failing: false means credentials ok; partial rate-limit figures', () => {
    const state: WatchedState = {};
    readSource({ stats: () => ({ failing: false, limit: 10 }) }, state, 5);
    expect(state).toEqual({
      credentials: 'ok',
      rateLimit: { remaining: undefined, limit: 10, at: 5 },
    });
    const telemetry = createTelemetry({ integration: 'x' });
    telemetry.watch({ stats: () => ({ limit: 0, remaining: 0 }) });
    expect(telemetry.stats().rateLimit).toEqual({ at: expect.any(Number), remaining: 0, limit: 0 });
    const limitOnly = createTelemetry({ integration: 'y' });
    const call = limitOnly.start({ method: 'GET', url: 'https://a.test/' });
    call.attempt().end({ status: 200, headers: { 'x-ratelimit-limit': '100' } });
    call.end();
    expect(limitOnly.stats().rateLimit).toEqual({ at: expect.any(Number), limit: 100 });
  });

  it('ky: beforeError without a recorded call (a beforeRequest hook failed) passes the error through', async () => {
    const telemetry = createTelemetry({ integration: 'x' });
    const hooks = telemetryHooks(telemetry);
    const api = ky.create({
      hooks: {
        ...hooks,
        beforeRequest: [
          () => {
            throw new RangeError('before any fetch');
          },
        ],
      },
    });
    await expect(api.get('https://a.test/')).rejects.toThrow('before any fetch');
    expect(telemetry.stats().calls).toBe(0);
  });
});
