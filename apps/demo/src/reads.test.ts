import { describe, expect, it } from 'vitest';
import type { CampaignClient, ReadOutcome } from './clients/types.js';
import { READ_SAMPLE, runReads } from './reads.js';

/** A client whose reads follow the provider switch: stale (or failing) while it is down. */
function fakeClient(name: 'naive' | 'brace', duringOutage: 'stale' | 'fail', down: () => boolean) {
  const reads: string[] = [];
  let recovering = 2;
  const client: CampaignClient = {
    name,
    queueDepth: () => 0,
    createLink: async () => ({}),
    async readLink(id): Promise<ReadOutcome> {
      reads.push(id);
      if (down()) {
        if (duringOutage === 'fail') throw new Error('HTTPError 503');
        return { stale: true };
      }
      // Just after the outage the breaker is still open for a couple of reads: stale.
      if (duringOutage === 'stale' && reads.length > 2 * Math.min(READ_SAMPLE, 12)) {
        if (recovering-- > 0) return { stale: true };
      }
      return { stale: false };
    },
  };
  return { client, reads };
}

const ids = Array.from({ length: 12 }, (_, i) => `l_${i}`);

describe('runReads', () => {
  it('reads the sample, then again with the provider down; Brace answers stale, then recovers', async () => {
    let down = false;
    const switches: boolean[] = [];
    const provider = {
      setOutage: (on: boolean) => {
        down = on;
        switches.push(on);
      },
    };
    const { client, reads } = fakeClient('brace', 'stale', () => down);
    const waits: number[] = [];
    const problems: Record<string, number> = {};
    const result = await runReads(client, ids, provider, problems, undefined, async (ms) => {
      waits.push(ms);
    });
    expect(result).toEqual({
      reads: READ_SAMPLE,
      readsFailed: 0,
      outageReads: READ_SAMPLE,
      staleAnswers: READ_SAMPLE,
      outageFailures: 0,
    });
    expect(switches).toEqual([true, false]);
    // Past the answers' max-age before the outage; then probes until the provider answers.
    expect(waits[0]).toBe(1100);
    expect(reads).toHaveLength(2 * READ_SAMPLE + 3);
    expect(reads.slice(2 * READ_SAMPLE)).toEqual(['l_0', 'l_0', 'l_0']);
    expect(problems).toEqual({});
  });

  it('counts the naive client failing every read during the outage (and never probes)', async () => {
    let down = false;
    const provider = {
      setOutage: (on: boolean) => {
        down = on;
      },
    };
    const { client, reads } = fakeClient('naive', 'fail', () => down);
    const problems: Record<string, number> = {};
    const result = await runReads(
      client,
      ids.slice(0, 3),
      provider,
      problems,
      undefined,
      async () => {},
    );
    expect(result).toEqual({
      reads: 3,
      readsFailed: 0,
      outageReads: 3,
      staleAnswers: 0,
      outageFailures: 3,
    });
    expect(reads).toHaveLength(6);
    // The naive client reports its own errors; the campaign adds none.
    expect(problems).toEqual({});
    expect(down).toBe(false);
  });

  it('switches the provider back on when a read is aborted', async () => {
    let down = false;
    const provider = {
      setOutage: (on: boolean) => {
        down = on;
      },
    };
    const controller = new AbortController();
    const client: CampaignClient = {
      name: 'brace',
      queueDepth: () => 0,
      createLink: async () => ({}),
      async readLink() {
        if (down) {
          controller.abort(new Error('SIGINT received'));
          throw new Error('aborted');
        }
        return { stale: false };
      },
    };
    await expect(
      runReads(client, ids, provider, {}, controller.signal, async () => {}),
    ).rejects.toThrow('SIGINT received');
    expect(down).toBe(false);
  });
});
