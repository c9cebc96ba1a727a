import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { manualClock } from '@brace/core';
import { runStoreConformance } from '@brace/idempotency/testing';
import { afterAll } from 'vitest';
import { sqliteStore } from './index.js';

// In memory, with a manual clock: the suite advances time instead of sleeping.
const memoryClock = manualClock({ now: 1_700_000_000_000 });
const memoryDb = new DatabaseSync(':memory:');
runStoreConformance(
  'sqliteStore (node:sqlite, :memory:)',
  async () => {
    const store = sqliteStore({ database: memoryDb, clock: memoryClock });
    await store.migrate();
    return store;
  },
  { clock: memoryClock, teardown: () => memoryDb.close() },
);

// On a file in WAL mode, with a custom table name and the real clock.
const dir = mkdtempSync(join(tmpdir(), 'brace-sqlite-conformance-'));
const fileDb = new DatabaseSync(join(dir, 'store.db'));
fileDb.exec('PRAGMA journal_mode = WAL');
runStoreConformance(
  'sqliteStore (node:sqlite, WAL file, real time)',
  async () => {
    const store = sqliteStore({ database: fileDb, table: 'idem_conformance' });
    await store.migrate();
    return store;
  },
  { shortTtlMs: 40, teardown: () => fileDb.close() },
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
