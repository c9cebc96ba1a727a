// A child process for the multi-process test: claims every key `duplicates` times on the
// shared file (the README's old setup: no busy timeout, rollback journal) and prints what it
// got, one JSON line: { acquired: string[], failed: number, other: number }.
import { DatabaseSync } from 'node:sqlite';
import { sqliteStore } from '../index.js';

const [file, keysArg, duplicatesArg] = process.argv.slice(2);
const database = new DatabaseSync(file as string, { timeout: 0 });
// A reader of the app on a second connection, holding read transactions now and then.
const reader = new DatabaseSync(file as string, { timeout: 0 });
const store = sqliteStore({ database });
const acquired: string[] = [];
let failed = 0;
let other = 0;
const keys = Number(keysArg);
const duplicates = Number(duplicatesArg);
for (let round = 0; round < duplicates; round++) {
  for (let k = 0; k < keys; k++) {
    try {
      const begun = await store.begin({ scope: 'mp', key: `k${k}` }, 'fp', {
        lockTtlMs: 600_000,
        ttlMs: 600_000,
      });
      if (begun.status === 'acquired') acquired.push(`k${k}`);
      else other++;
    } catch {
      failed++;
    }
    // A reader on the same connection now and then, as a real app would have.
    try {
      if (k % 5 === 0) {
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM brace_idempotency').get();
      } else if (k % 5 === 2 && reader.isTransaction) {
        reader.exec('COMMIT');
      }
    } catch {
      // Locked by another process's commit at that instant: a reader's problem, not ours.
      if (reader.isTransaction) reader.exec('ROLLBACK');
    }
  }
}
if (reader.isTransaction) reader.exec('ROLLBACK');
reader.close();
database.close();
process.stdout.write(`${JSON.stringify({ acquired, failed, other })}\n`);
