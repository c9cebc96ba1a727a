import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffRetry } from './ky.js';
import { retry } from './retry.js';
import { MIN_RETRY_AFTER_SPREAD_MS, serverWait } from './server-wait.js';
import { seededRandom } from './testing.js';

const CLIENTS = 1_000;

function told(seconds: number): Error {
  return Object.assign(new Error('HTTP 429'), {
    response: { status: 429, headers: new Headers({ 'retry-after': String(seconds) }) },
  });
}

/** A clock whose sleeps end at once and are recorded: the wait each client chose. */
function recordingClock() {
  const waits: number[] = [];
  return {
    waits,
    clock: {
      now: () => 0,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    },
  };
}

/** Distinct whole-millisecond wake-ups (timers have ms resolution) and the modal share. */
function spreadOf(waits: readonly number[]) {
  const counts = new Map<number, number>();
  for (const w of waits) counts.set(Math.floor(w), (counts.get(Math.floor(w)) ?? 0) + 1);
  return { distinct: counts.size, modalShare: Math.max(...counts.values()) / waits.length };
}

// Retry-After values and the maxRetryAfter in force: 60 s is the default cap itself; 600 s
// is at a raised cap (with the default it is refused with RetryAfterTooLongError).
const CASES = [
  { seconds: 1, maxRetryAfter: undefined, minDistinct: 550, maxModal: 0.01 },
  { seconds: 55, maxRetryAfter: undefined, minDistinct: 900, maxModal: 0.005 },
  { seconds: 60, maxRetryAfter: undefined, minDistinct: 900, maxModal: 0.005 },
  { seconds: 600, maxRetryAfter: 600_000, minDistinct: 990, maxModal: 0.003 },
] as const;

describe('server waits: 1,000 clients told the same Retry-After do not wake together', () => {
  for (const { seconds, maxRetryAfter, minDistinct, maxModal } of CASES) {
    it(`retry(): Retry-After ${seconds}: none early, >= ${minDistinct} distinct ms, modal share <= ${maxModal}`, async () => {
      const { waits, clock } = recordingClock();
      for (let client = 0; client < CLIENTS; client++) {
        let first = true;
        await retry(
          () => {
            if (!first) return 'ok';
            first = false;
            throw told(seconds);
          },
          { clock, random: seededRandom(client + 1), maxRetryAfter },
        );
      }
      expect(waits).toHaveLength(CLIENTS);
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(seconds * 1000);
      const { distinct, modalShare } = spreadOf(waits);
      expect(distinct).toBeGreaterThanOrEqual(minDistinct);
      expect(modalShare).toBeLessThanOrEqual(maxModal);
    });

    it(`backoffRetry (ky): Retry-After ${seconds}: the same spread`, async () => {
      const { waits, clock } = recordingClock();
      for (let client = 0; client < CLIENTS; client++) {
        const option = backoffRetry({ clock, random: seededRandom(client + 1), maxRetryAfter });
        const error = Object.assign(told(seconds), {
          request: new Request('https://api.example.com/x'),
        });
        const again = await option.shouldRetry?.({ error, retryCount: 1 });
        expect(again).toBe(true);
      }
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(seconds * 1000);
      const { distinct, modalShare } = spreadOf(waits);
      expect(distinct).toBeGreaterThanOrEqual(minDistinct);
      expect(modalShare).toBeLessThanOrEqual(maxModal);
    });
  }

  it('serverWait: never below the asked wait, at most the spread above it (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 2 }),
        (delay, ratio, r) => {
          const wait = serverWait(delay, () => r, ratio);
          expect(wait).toBeGreaterThanOrEqual(delay);
          const spread = ratio > 0 ? Math.max(delay * ratio, MIN_RETRY_AFTER_SPREAD_MS) : 0;
          expect(wait).toBeLessThanOrEqual(delay + spread);
        },
      ),
    );
  });

  it('serverWait: no jitter with a ratio of 0', () => {
    expect(serverWait(60_000, () => 0.7, 0)).toBe(60_000);
    expect(serverWait(1_000, () => 0.5, 0.2)).toBe(1_500);
    expect(serverWait(60_000, () => 0.5, 0.2)).toBe(66_000);
  });
});
