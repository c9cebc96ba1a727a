// A worker process for the many-process test: one integration sharing Redis, N GETs, prints how
// many got through. Argv: redisUrl prefix baseUrl count pacing ('smooth' or 'burst').
import { Redis } from 'ioredis';
import { defineIntegration } from '../index.js';

const [redisUrl, prefix, baseUrl, count, pacing] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  'smooth' | 'burst',
];
const redis = new Redis(redisUrl);
const api = defineIntegration({
  name: 'fleet',
  baseUrl,
  shared: { redis, prefix },
  rateLimit: { policies: [{ limit: 6, intervalMs: 60_000 }], maxWaitMs: 0, pacing },
  retry: false,
});
// One call at a time: with maxWaitMs 0 a call either gets a slot at once or is refused.
let passed = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    await api.get('x').json();
    passed++;
  } catch {
    // refused by the shared limit
  }
}
process.stdout.write(`${passed}\n`);
await redis.quit();
