import { describe, expect, it } from 'vitest';
import { emptyReceiverStats } from './receiver/receiver.js';
import { percent, webhookMismatches } from './results.js';

const sent = [
  { genuine: 10, duplicate: 2, forged: 1, stale: 1 },
  { genuine: 5, duplicate: 1, forged: 0, stale: 2 },
];

describe('webhookMismatches', () => {
  it('is empty when the receiver saw exactly what the ledgers sent', () => {
    const stats = {
      ...emptyReceiverStats(),
      received: 22,
      verified: 18,
      processed: 15,
      duplicatesSkipped: 3,
      rejected: 4,
    };
    expect(webhookMismatches(stats, sent)).toEqual([]);
  });

  it('reports deliveries that never arrived or were not processed (no vacuous OK)', () => {
    // E.g. the receiver was unreachable: nothing arrived, nothing was checked.
    expect(webhookMismatches(emptyReceiverStats(), sent)).toEqual([
      'webhooks received 0, expected 22',
      'webhooks processed once 0, expected 15',
      'webhooks duplicates skipped 0, expected 3',
      'webhooks rejected 0, expected 4',
    ]);
  });

  it('reports an event processed twice', () => {
    const stats = {
      ...emptyReceiverStats(),
      received: 22,
      processed: 16,
      duplicatesSkipped: 2,
      rejected: 4,
    };
    expect(webhookMismatches(stats, sent)).toEqual([
      'webhooks processed once 16, expected 15',
      'webhooks duplicates skipped 2, expected 3',
    ]);
  });
});

describe('webhookMismatches and the dead-letter queue', () => {
  it('reports a dead letter that was never replayed', () => {
    const stats = {
      ...emptyReceiverStats(),
      received: 22,
      verified: 18,
      processed: 15,
      duplicatesSkipped: 3,
      rejected: 4,
      deadLettered: 2,
      replayed: 1,
    };
    expect(webhookMismatches(stats, sent)).toEqual([
      'webhooks dead letters replayed 1, expected 2',
    ]);
  });
});

describe('percent', () => {
  it('prints a share with one decimal', () => {
    expect(percent(0)).toBe('0.0%');
    expect(percent(0.3471)).toBe('34.7%');
    expect(percent(1)).toBe('100.0%');
  });
});
