import type { CampaignClient } from './clients/types.js';
import { countProblems } from './problems.js';

/** Links read back before and during the outage. */
export const READ_SAMPLE = 10;

/** What the reads gave the app. */
export interface ReadResult {
  /** Reads while the provider was up (they warm the Brace client's cache). */
  reads: number;
  /** Of which failed. */
  readsFailed: number;
  /** Reads while the provider was down. */
  outageReads: number;
  /** Of which answered from a stale cache entry (stale-if-error or breaker open). */
  staleAnswers: number;
  /** Of which failed: the app saw an error. */
  outageFailures: number;
}

/** The switch the demo flips on the provider. */
export interface OutageSwitch {
  setOutage(on: boolean): void | Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The outage: reads `ids` (at most {@link READ_SAMPLE}, all at once) while the provider is up; a second later
 * (past the answers' `max-age=1`) switches the provider off and reads them again; switches it back
 * on and, when the client served stale answers, reads one link until the provider answers it
 * (the breaker closes again) before the campaign goes on.
 */
export async function runReads(
  client: CampaignClient,
  ids: readonly string[],
  provider: OutageSwitch,
  problems: Record<string, number>,
  signal?: AbortSignal,
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<ReadResult> {
  const sample = ids.slice(0, READ_SAMPLE);
  const result: ReadResult = {
    reads: 0,
    readsFailed: 0,
    outageReads: 0,
    staleAnswers: 0,
    outageFailures: 0,
  };
  const read = async (id: string): Promise<'ok' | 'stale' | 'failed'> => {
    try {
      return (await client.readLink(id, signal)).stale ? 'stale' : 'ok';
    } catch (error) {
      signal?.throwIfAborted();
      if (client.name === 'brace') countProblems(problems, error);
      return 'failed';
    }
  };
  const warm = await Promise.all(sample.map(read));
  result.reads = warm.length;
  result.readsFailed = warm.filter((o) => o === 'failed').length;
  await sleep(1100);
  await provider.setOutage(true);
  try {
    const down = await Promise.all(sample.map(read));
    result.outageReads = down.length;
    result.staleAnswers = down.filter((o) => o === 'stale').length;
    result.outageFailures = down.filter((o) => o === 'failed').length;
  } finally {
    await provider.setOutage(false);
  }
  const probe = sample[0];
  if (result.staleAnswers > 0 && probe !== undefined) {
    for (let i = 0; i < 40; i++) {
      signal?.throwIfAborted();
      await sleep(250);
      if ((await read(probe)) === 'ok') break;
    }
  }
  return result;
}
