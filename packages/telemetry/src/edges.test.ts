import { manualClock } from '@brace/core';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { defaultIsCached } from './classify.js';
import { createTelemetry, type Telemetry, type TelemetrySample } from './index.js';
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

  it('ky: the first attempt starts with the call (same instant); a Telemetry whose calls are its own still works', async () => {
    const clock = manualClock({ now: 1_000 });
    const samples: TelemetrySample[] = [];
    const telemetry = createTelemetry({ integration: 'x', clock });
    telemetry.subscribe((sample) => samples.push(sample));
    const fetch = async () => {
      await clock.advance(40);
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    };
    await ky
      .create({ fetch, hooks: telemetryHooks(telemetry) })
      .get('https://a.test/')
      .json();
    expect(samples).toEqual([
      { kind: 'attempt', at: 1_040, retry: false, rateLimited: false },
      { kind: 'call', at: 1_040, durationMs: 40, error: false },
    ]);
    // Calls that are not this package's own (a wrapper): attempts are started the public way.
    let attempts = 0;
    const wrapper: Telemetry = {
      ...telemetry,
      start(request) {
        const call = telemetry.start(request);
        return {
          get template() {
            return call.template;
          },
          get requestId() {
            return call.requestId;
          },
          get attempts() {
            return call.attempts;
          },
          get ended() {
            return call.ended;
          },
          attempt() {
            attempts++;
            return call.attempt();
          },
          end: (outcome) => call.end(outcome),
        };
      },
    };
    await ky
      .create({ fetch, hooks: telemetryHooks(wrapper) })
      .get('https://a.test/')
      .json();
    expect(attempts).toBe(1);
    expect(telemetry.stats().calls).toBe(2);
  });
});
