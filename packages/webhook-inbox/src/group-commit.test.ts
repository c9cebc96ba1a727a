import { afterEach, describe, expect, it, vi } from 'vitest';
import { batcher, groupCommitOptions, type Settled } from './group-commit.js';

type Flush = (items: number[]) => Promise<Array<Settled<string>>>;

/** A flush that records its batches and answers each item (an odd item fails alone). */
function recorder(gate?: () => Promise<void>) {
  const batches: number[][] = [];
  const flush: Flush = async (items) => {
    batches.push(items);
    await gate?.();
    return items.map((n) =>
      n % 2 === 1 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: `v${n}` },
    );
  };
  return { batches, flush };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('group commit', () => {
  it('puts calls of one turn of the event loop in one flush; each gets its own result', async () => {
    const { batches, flush } = recorder();
    const push = batcher(flush, { maxRows: 100, windowMs: 0, concurrency: 4, overlapMs: 0 });
    const results = await Promise.allSettled([0, 1, 2, 4].map(push));
    expect(batches).toEqual([[0, 1, 2, 4]]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      'v0',
      'Error: odd 1',
      'v2',
      'v4',
    ]);
  });

  it('splits at maxRows and keeps at most `concurrency` flushes in flight; the rest wait for a slot', async () => {
    const gates: Array<() => void> = [];
    const { batches, flush } = recorder(() => new Promise<void>((resolve) => gates.push(resolve)));
    const push = batcher(flush, { maxRows: 2, windowMs: 0, concurrency: 1, overlapMs: 0 });
    const all = Promise.all([0, 2, 4, 6, 8].map(push));
    await new Promise(setImmediate);
    expect(batches).toEqual([[0, 2]]); // one in flight; 4, 6, 8 wait
    const late = push(10);
    gates.shift()!();
    await new Promise(setImmediate);
    expect(batches).toEqual([
      [0, 2],
      [4, 6],
    ]);
    gates.shift()!();
    await new Promise(setImmediate);
    gates.shift()!();
    expect(await all).toEqual(['v0', 'v2', 'v4', 'v6', 'v8']);
    expect(await late).toBe('v10');
    expect(batches).toEqual([
      [0, 2],
      [4, 6],
      [8, 10],
    ]);
  });

  it('holds a batch open for windowMs', async () => {
    vi.useFakeTimers();
    const { batches, flush } = recorder();
    const push = batcher(flush, { maxRows: 10, windowMs: 5, concurrency: 1, overlapMs: 0 });
    const first = push(0);
    await vi.advanceTimersByTimeAsync(4);
    const second = push(2);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all([first, second])).toEqual(['v0', 'v2']);
    expect(batches).toEqual([[0, 2]]);
  });

  it('rejects every call of a flush that fails, or that answers no result for it', async () => {
    const failing = batcher<number, string>(async () => Promise.reject(new Error('down')), {
      maxRows: 10,
      windowMs: 0,
      concurrency: 1,
      overlapMs: 0,
    });
    await expect(Promise.all([failing(1), failing(2)])).rejects.toThrow('down');
    const short = batcher<number, string>(async () => [], {
      maxRows: 10,
      windowMs: 0,
      concurrency: 1,
      overlapMs: 0,
    });
    await expect(short(1)).rejects.toThrow('no result');
  });

  it('false flushes every call alone, at once', async () => {
    const { batches, flush } = recorder();
    const push = batcher(flush, groupCommitOptions(false));
    await Promise.all([0, 2, 4].map(push));
    expect(batches).toEqual([[0], [2], [4]]);
  });

  it('fills in defaults and refuses bad settings by name', () => {
    expect(groupCommitOptions(undefined)).toEqual({
      maxRows: 100,
      windowMs: 0,
      concurrency: 4,
      overlapMs: 4,
    });
    expect(groupCommitOptions({ maxRows: 5, windowMs: 2, concurrency: 2, overlapMs: 0 })).toEqual({
      maxRows: 5,
      windowMs: 2,
      concurrency: 2,
      overlapMs: 0,
    });
    expect(() => groupCommitOptions({ maxRows: 0 })).toThrow(/groupCommit.maxRows/);
    expect(() => groupCommitOptions({ windowMs: -1 })).toThrow(/groupCommit.windowMs/);
    expect(() => groupCommitOptions({ concurrency: 1.5 })).toThrow(/groupCommit.concurrency/);
    expect(() => groupCommitOptions({ overlapMs: -1 })).toThrow(/groupCommit.overlapMs/);
  });

  describe('overlapMs', () => {
    const settings = { maxRows: 100, windowMs: 0, concurrency: 4, overlapMs: 2 };
    const gated = () => {
      const gates: Array<() => void> = [];
      return { gates, ...recorder(() => new Promise<void>((resolve) => gates.push(resolve))) };
    };

    it('rows that arrive while a commit is in flight wait for it and share the next one', async () => {
      vi.useFakeTimers();
      const { gates, batches, flush } = gated();
      const push = batcher(flush, settings, () => Date.now());
      const first = push(0);
      await vi.advanceTimersByTimeAsync(0);
      const waiting = [push(2), push(4)];
      await vi.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([[0]]); // a free slot, but the commit in flight is 1 ms old
      gates.shift()!();
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([[0], [2, 4]]); // one statement for both
      gates.shift()!();
      expect(await first).toBe('v0');
      expect(await Promise.all(waiting)).toEqual(['v2', 'v4']);
    });

    it('a commit in flight for overlapMs lets the next batch start beside it', async () => {
      vi.useFakeTimers();
      const { gates, batches, flush } = gated();
      const push = batcher(flush, settings, () => Date.now());
      const first = push(0);
      await vi.advanceTimersByTimeAsync(0);
      const second = push(2);
      await vi.advanceTimersByTimeAsync(1);
      const third = push(4);
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([[0]]);
      await vi.advanceTimersByTimeAsync(1); // the first commit has run 2 ms: it may be stalled
      expect(batches).toEqual([[0], [2, 4]]);
      for (const open of gates.splice(0)) open();
      expect(await Promise.all([first, second, third])).toEqual(['v0', 'v2', 'v4']);
    });

    it('a full batch starts at once beside a commit in flight', async () => {
      vi.useFakeTimers();
      const { gates, batches, flush } = gated();
      const push = batcher(flush, { ...settings, maxRows: 2 }, () => Date.now());
      const all = [push(0), push(2)];
      await vi.advanceTimersByTimeAsync(0);
      all.push(push(4), push(6));
      expect(batches).toEqual([
        [0, 2],
        [4, 6],
      ]);
      for (const open of gates.splice(0)) open();
      expect(await Promise.all(all)).toEqual(['v0', 'v2', 'v4', 'v6']);
    });
  });
});
