import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createDriftDeduper, SchemaGuardOptionError } from './index.js';

const plan = { kind: 'unknown-key' as const, path: '$.plan' };
const role = { kind: 'enum' as const, path: '$.role', expected: 'enum', received: 'string' };

describe('createDriftDeduper', () => {
  it('reports a drift once per window, then again with the count since', async () => {
    const clock = manualClock({ now: 0 });
    const d = createDriftDeduper({ windowMs: 1_000, clock });
    expect(d.filter('GET /a', [plan])).toEqual([{ ...plan, count: 1, firstSeen: 0 }]);
    await clock.advance(10);
    expect(d.filter('GET /a', [plan, role])).toEqual([{ ...role, count: 1, firstSeen: 10 }]);
    expect(d.filter('GET /a', [plan])).toEqual([]);
    expect(d.filter('GET /b', [plan])).toHaveLength(1);
    await clock.advance(990);
    expect(d.filter('GET /a', [plan])).toEqual([{ ...plan, count: 3, firstSeen: 0 }]);
    expect(d.filter('GET /a', [])).toEqual([]);
    expect(d.size).toBe(3);
  });

  it('tells enum values apart only when values are included', () => {
    const d = createDriftDeduper();
    expect(d.filter('r', [{ ...role, value: 'owner' }])).toHaveLength(1);
    expect(d.filter('r', [{ ...role, value: 'guest' }])).toHaveLength(1);
    expect(d.filter('r', [{ ...role, value: 'guest' }])).toHaveLength(0);
  });

  it('is bounded: expired entries go first, then the oldest', async () => {
    const clock = manualClock({ now: 0 });
    const d = createDriftDeduper({ windowMs: 100, maxEntries: 3, clock });
    for (const p of ['$.a', '$.b', '$.c']) d.filter('r', [{ kind: 'missing', path: p }]);
    expect(d.size).toBe(3);
    d.filter('r', [{ kind: 'missing', path: '$.d' }]);
    expect(d.size).toBe(3);
    // $.a was forgotten, so it is new again.
    expect(d.filter('r', [{ kind: 'missing', path: '$.a' }])).toHaveLength(1);
    await clock.advance(100);
    d.filter('r', [{ kind: 'missing', path: '$.e' }]);
    expect(d.size).toBe(1);
  });

  it('rejects bad options, naming them', () => {
    expect(() => createDriftDeduper({ windowMs: -1 })).toThrow(SchemaGuardOptionError);
    expect(() => createDriftDeduper({ windowMs: 1.5 })).toThrow(/driftWindowMs/);
    expect(() => createDriftDeduper({ maxEntries: 0 })).toThrow(/driftMaxEntries/);
    expect(() => createDriftDeduper({ clock: { now: 1 } as never })).toThrow(/clock/);
  });
});
