import { manualClock } from '@brace/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CacheEntry, CacheOptionError, memoryStore } from './index.js';
import { runCacheStoreConformance } from './testing.js';

const clock = manualClock({ now: 0 });
runCacheStoreConformance('memoryStore', () => memoryStore({ clock }), { clock });
runCacheStoreConformance('memoryStore (real time)', () => memoryStore(), { shortTtlMs: 250 });

const entry = (bytes: number): CacheEntry => ({
  meta: { v: 1, kind: 'http', status: 200, storedAt: 0, policy: {}, vary: null, noStale: false },
  body: new Uint8Array(bytes),
});

describe('memoryStore bounds', () => {
  it('evicts the least recently used entry past maxEntries', () => {
    const store = memoryStore({ maxEntries: 2, clock: manualClock({ now: 0 }) });
    store.set('a', entry(1), 1000);
    store.set('b', entry(1), 1000);
    store.get('a');
    store.set('c', entry(1), 1000);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBeDefined();
    expect(store.get('c')).toBeDefined();
    expect(store.size).toBe(2);
  });

  it('keeps exact LRU order whatever the mix of reads, writes and deletes (model, property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('get', 'set', 'delete'), fc.constantFrom('a', 'b', 'c', 'd')),
          { maxLength: 40 },
        ),
        (ops) => {
          const store = memoryStore({ maxEntries: 3, clock: manualClock({ now: 0 }) });
          const model: string[] = []; // least recently used first
          for (const [op, key] of ops) {
            const at = model.indexOf(key);
            if (op === 'get') {
              expect(store.get(key) !== undefined).toBe(at >= 0);
              if (at >= 0) model.push(...model.splice(at, 1));
            } else if (op === 'set') {
              store.set(key, entry(1), 1000);
              if (at >= 0) model.splice(at, 1);
              model.push(key);
              if (model.length > 3) model.shift();
            } else {
              store.delete(key);
              if (at >= 0) model.splice(at, 1);
            }
            expect(store.size).toBe(model.length);
          }
        },
      ),
    );
  });

  it('evicts by body bytes and refuses a body larger than maxBytes', () => {
    const store = memoryStore({ maxBytes: 100, clock: manualClock({ now: 0 }) });
    store.set('a', entry(60), 1000);
    store.set('b', entry(30), 1000);
    expect(store.bytes).toBe(90);
    store.set('c', entry(30), 1000);
    expect(store.get('a')).toBeUndefined();
    expect(store.bytes).toBe(60);
    store.set('huge', entry(101), 1000);
    expect(store.get('huge')).toBeUndefined();
    store.set('b', entry(10), 1000);
    expect(store.bytes).toBe(40);
    store.delete('b');
    store.delete('nothing');
    expect(store.bytes).toBe(30);
  });

  it('bounds its locks by maxEntries, reclaiming expired ones', () => {
    const lockClock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 2, clock: lockClock });
    expect(store.lock?.('a', 10)).toBeTypeOf('string');
    expect(store.lock?.('b', 10)).toBeTypeOf('string');
    expect(store.lock?.('c', 10)).toBeUndefined();
    lockClock.advance(11);
    expect(store.lock?.('c', 10)).toBeTypeOf('string');
  });

  it('gives each lock its own token: a stale holder cannot release a later lock', () => {
    const lockClock = manualClock({ now: 0 });
    const store = memoryStore({ clock: lockClock });
    const first = store.lock?.('k', 10) as string;
    lockClock.advance(11);
    const second = store.lock?.('k', 10) as string;
    expect(second).not.toBe(first);
    store.unlock?.('k', first);
    expect(store.lock?.('k', 10)).toBeUndefined();
    store.unlock?.('k', second);
    expect(store.lock?.('k', 10)).toBeTypeOf('string');
  });

  it('rejects bad bounds at construction', () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(CacheOptionError);
    expect(() => memoryStore({ maxBytes: 1.5 })).toThrow(/maxBytes/);
  });
});
