// One process of the cross-process coalescing test: a cache over the shared Redis, waiting for
// "go" on stdin, then firing its share of concurrent misses at the loopback origin.
import { createCache } from '@brace/cache';
import { cachedFetch } from '@brace/cache/fetch';
import { redisStore } from '../index.js';
import { connect } from './env.js';

const [url, prefix, origin, keysArg, perProcessArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const client = await connect(url);
const cache = createCache({
  store: redisStore({ client, prefix }),
  coalesce: { pollMs: 10, lockMs: 10_000 },
});
const get = cachedFetch(cache);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const keys = Number(keysArg);
const results = await Promise.all(
  Array.from({ length: Number(perProcessArg) }, async (_, i) => {
    const key = `k${i % keys}`;
    const response = await get(`${origin}/${key}`);
    return {
      key,
      status: response.status,
      body: await response.text(),
      reason: response.headers.get('brace-cache'),
    };
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
client.disconnect();
