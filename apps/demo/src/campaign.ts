import type { CampaignClient, LinkInput, Meter } from './clients/types.js';
import { countProblems } from './problems.js';
import { startProgress } from './progress.js';

/** How many links are in flight at once, for both clients. */
export const CONCURRENCY = 16;

/** The mailing: one link per recipient. */
export function mailingLinks(count: number, seed: number): LinkInput[] {
  return Array.from({ length: count }, (_, i) => ({
    url: `https://news.example/issue-${seed}?r=${i}`,
    recipientId: `rcpt-${seed}-${String(i).padStart(6, '0')}`,
  }));
}

/** What the app code saw (the results come from the provider's ledger instead). */
export interface CampaignOutcome {
  wallMs: number;
  /** Links the app believes were created. */
  succeeded: number;
  /** The ids of those links, as the answers gave them. */
  created: string[];
  /** Errors the app code saw, by label. */
  problems: Record<string, number>;
}

/**
 * Creates every link with bounded concurrency, with a live bar unless `quiet`. When `signal`
 * aborts, no new link starts, the calls in flight are aborted, and it rejects with the reason.
 */
export async function runCampaign(
  client: CampaignClient,
  links: readonly LinkInput[],
  meter: Meter,
  options: { quiet: boolean; problems: Record<string, number>; signal?: AbortSignal },
): Promise<CampaignOutcome> {
  let next = 0;
  let done = 0;
  let succeeded = 0;
  const created: string[] = [];
  const started = performance.now();
  const bar = options.quiet
    ? undefined
    : startProgress({
        label: client.name,
        total: links.length,
        done: () => done,
        meter,
        queueDepth: () => client.queueDepth(),
      });
  const { signal } = options;
  const worker = async () => {
    while (next < links.length && !signal?.aborted) {
      const link = links[next++] as LinkInput;
      try {
        const answer = (await client.createLink(link, signal)) as { id?: unknown } | undefined;
        succeeded++;
        if (typeof answer?.id === 'string') created.push(answer.id);
      } catch (error) {
        if (signal?.aborted) return;
        // The naive client reports each failed call itself; this is the final failure.
        if (client.name === 'brace') countProblems(options.problems, error);
      }
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, links.length) }, worker));
  } finally {
    bar?.stop();
  }
  signal?.throwIfAborted();
  return {
    wallMs: Math.round(performance.now() - started),
    succeeded,
    created,
    problems: options.problems,
  };
}
