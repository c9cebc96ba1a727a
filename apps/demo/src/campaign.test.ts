import { describe, expect, it } from 'vitest';
import { CONCURRENCY, mailingLinks, runCampaign } from './campaign.js';
import { type CampaignClient, newMeter } from './clients/types.js';

describe('runCampaign', () => {
  it('stops on abort: no new link starts, calls in flight see the signal, it rejects', async () => {
    const started: string[] = [];
    const signals: Array<AbortSignal | undefined> = [];
    const client: CampaignClient = {
      name: 'brace',
      queueDepth: () => 0,
      readLink: async () => ({ stale: false }),
      // Never answers on its own: only the abort ends a call.
      createLink: (link, signal) => {
        started.push(link.recipientId);
        signals.push(signal);
        return new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      },
    };
    const controller = new AbortController();
    const problems: Record<string, number> = {};
    const run = runCampaign(client, mailingLinks(100, 1), newMeter(), {
      quiet: true,
      problems,
      signal: controller.signal,
    });
    await Promise.resolve();
    const reason = new Error('SIGINT received');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(started).toHaveLength(CONCURRENCY);
    expect(signals.every((s) => s === controller.signal)).toBe(true);
    // An aborted call is not an error the app "saw".
    expect(problems).toEqual({});
  });
});
