// One process of the SQLite cross-process test: a cache over a shared SQLite file, waiting for
// "go" on stdin, then firing its share of concurrent misses at the loopback origin.
import { DatabaseSync } from 'node:sqlite';
import { cachedFetch } from '../fetch.js';
import { createCache } from '../index.js';
import { sqliteStore } from '../sqlite.js';

const [file, origin, keysArg, perProcessArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const database = new DatabaseSync(file);
database.exec('PRAGMA journal_mode = WAL');
database.exec('PRAGMA busy_timeout = 5000');
const cache = createCache({
  store: sqliteStore({ database }),
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
    return { key, status: response.status, body: await response.text() };
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
database.close();
