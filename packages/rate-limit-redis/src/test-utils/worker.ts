// A worker process for the multi-process precision test: schedules N tasks through a shared
// Redis limiter and prints how many ran. Argv: redisUrl prefix count.
import { createRateLimiter } from '@brace/rate-limit';
import { Redis } from 'ioredis';
import { redisStore } from '../redis-store.js';

const [url, prefix, count] = process.argv.slice(2) as [string, string, string];
const client = new Redis(url);
const limiter = createRateLimiter({
  // The second, long policy keeps every grant's Redis timestamp for the test to read.
  policies: [
    { limit: 50, intervalMs: 1000 },
    { limit: 100_000, intervalMs: 120_000 },
  ],
  concurrency: 5,
  // Exact windows, no pacing: the test checks Redis's strictness at the full rate.
  pacing: 'burst',
  safetyMarginMs: 0,
  store: redisStore({ client, prefix }),
});
let ran = 0;
await Promise.all(
  Array.from({ length: Number(count) }, () => limiter.schedule(() => ran++, { key: 'shared' })),
);
process.stdout.write(`${ran}\n`);
await client.quit();
