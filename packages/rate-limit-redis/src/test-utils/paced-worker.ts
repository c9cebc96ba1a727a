// A worker process for the multi-process provider test: sends N requests to a loopback
// provider through a limiter whose store is shared in Redis, with the limiter's defaults, and
// prints how many got each status. Argv: redisUrl prefix count providerUrl limit.
import { createRateLimiter } from '@brace/rate-limit';
import { Redis } from 'ioredis';
import { redisStore } from '../redis-store.js';

const [url, prefix, count, provider, limit, margin] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const client = new Redis(url);
const limiter = createRateLimiter({
  policies: [{ limit: Number(limit), intervalMs: 1000 }],
  concurrency: 8,
  ...(margin === undefined ? {} : { safetyMarginMs: Number(margin) }),
  store: redisStore({ client, prefix }),
});
const statuses = await Promise.all(
  Array.from({ length: Number(count) }, () =>
    limiter.schedule(
      async ({ signal }) => {
        const response = await fetch(provider, { signal });
        await response.arrayBuffer();
        return response.status;
      },
      { key: 'provider' },
    ),
  ),
);
const ok = statuses.filter((s) => s === 200).length;
process.stdout.write(`${ok} ${statuses.length - ok}\n`);
await client.quit();
