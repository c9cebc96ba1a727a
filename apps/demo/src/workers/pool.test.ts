import { describe, expect, it } from 'vitest';
import type { SessionReport } from '../session.js';
import { MAX_WORKERS, mergeReports, openWorkers, slices } from './pool.js';

const report = (over: Partial<SessionReport>): SessionReport => ({
  problems: {},
  driftReports: [],
  tokensObtained: 0,
  figures: { errorRate: 0, p95Ms: 0, health: 'ok' },
  calls: 0,
  errors: 0,
  ...over,
});

describe('slices', () => {
  it('splits into contiguous near-equal parts that cover every item once', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    expect(slices(items, 3)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
    expect(slices(items, 3).flat()).toEqual(items);
    expect(slices([1], 2)).toEqual([[], [1]]);
  });
});

describe('mergeReports', () => {
  it('sums counts, recomputes the error rate, keeps the worst p95 and health', () => {
    const merged = mergeReports([
      report({
        problems: { 'HTTPError 429': 2 },
        tokensObtained: 1,
        calls: 10,
        errors: 1,
        figures: { errorRate: 0.1, p95Ms: 120, health: 'ok' },
      }),
      report({
        problems: { 'HTTPError 429': 1, 'HTTPError 401': 4 },
        tokensObtained: 1,
        calls: 30,
        errors: 9,
        figures: { errorRate: 0.3, p95Ms: 80, health: 'degraded' },
      }),
    ]);
    expect(merged).toEqual({
      problems: { 'HTTPError 429': 3, 'HTTPError 401': 4 },
      driftReports: [],
      tokensObtained: 2,
      calls: 40,
      errors: 10,
      figures: { errorRate: 0.25, p95Ms: 120, health: 'degraded' },
    });
    expect(mergeReports([]).figures).toEqual({ errorRate: 0, p95Ms: 0, health: 'ok' });
  });
});

describe('openWorkers', () => {
  it('refuses a count outside 2 to MAX_WORKERS before starting anything', async () => {
    const setup = {
      name: 'naive' as const,
      baseUrl: 'http://127.0.0.1:9/',
      tokenUrl: 'http://127.0.0.1:9/oauth/token',
      clientId: 'c',
      clientSecret: 's',
      rate: 1,
      quiet: true,
    };
    const shared = { kind: 'redis' as const, url: 'redis://127.0.0.1:6379', prefix: 'x:' };
    await expect(openWorkers(setup, shared, 1, () => {})).rejects.toThrow(RangeError);
    await expect(openWorkers(setup, shared, MAX_WORKERS + 1, () => {})).rejects.toThrow(
      `Workers must be 2 to ${MAX_WORKERS}.`,
    );
  });
});
