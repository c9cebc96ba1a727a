import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { InboxOptionsError, InboxStoreError } from './errors.js';
import { createInbox } from './inbox.js';
import { DEFAULT_INBOX_TABLE, sqliteInboxStore } from './sqlite.js';
import { sqliteSql } from './sqlite-sql.js';
import { insertRow, sqliteWriter } from './sqlite-writer.js';
import {
  clockAt,
  expectBatchDedupe,
  newEvent,
  outcomes,
  STRIPE_SECRET,
  stripeEvent,
  stripeRequest,
} from './test-utils/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'brace-inbox-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `inbox-${++files}.db`);

const event = newEvent;

const ids = (database: DatabaseSync) =>
  (database.prepare('SELECT id FROM brace_inbox ORDER BY id').all() as Array<{ id: string }>).map(
    (row) => row.id,
  );

/** A second connection that holds the write lock until released. */
function lock(path: string) {
  const other = new DatabaseSync(path);
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

describe('SQLite writer thread', () => {
  it('is the default for a database file: batches commit off the event loop, visible to the store at once', async () => {
    const path = file();
    const database = new DatabaseSync(path);
    const inline = sqliteInboxStore({ database, writer: 'inline' });
    expect(await inline.insert(event('first'))).toBe('inserted');
    await inline.close(); // no thread was started: nothing to end
    const store = sqliteInboxStore({ database });
    await expectBatchDedupe(store);
    // Committed by the thread's connection, read by the store's own.
    expect((await store.get('stripe:a'))?.status).toBe('pending');
    expect(ids(new DatabaseSync(path))).toEqual([
      'stripe:a',
      'stripe:b',
      'stripe:c',
      'stripe:first',
      'stripe:old',
    ]);
    await store.close();
    // After close, an insert starts a new thread.
    expect(await store.insert(event('d'))).toBe('inserted');
    await store.close();
    database.close();
  });

  it('a row that fails alone fails only its delivery; a refused commit fails its batch with a typed error', async () => {
    const path = file();
    const database = new DatabaseSync(path);
    const store = sqliteInboxStore({ database, busyTimeoutMs: 0, synchronous: 'FULL' });
    const bad = { ...event('bad'), payload: undefined as unknown as string };
    const results = await Promise.allSettled([store.insert(event('x')), store.insert(bad)]);
    expect(outcomes(results)).toEqual(['inserted', 'INBOX_STORE_FAILED']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InboxStoreError);
    const release = lock(path); // the thread's BEGIN IMMEDIATE (or lone INSERT) is refused: busy
    const busy = await Promise.allSettled([
      store.insert(event('y')),
      store.insert(event('z')),
      store.insert(event('w')),
    ]);
    expect(outcomes(busy)).toEqual([
      'INBOX_STORE_FAILED',
      'INBOX_STORE_FAILED',
      'INBOX_STORE_FAILED',
    ]);
    const reason = (busy[0] as PromiseRejectedResult).reason as InboxStoreError;
    expect(reason).toBeInstanceOf(InboxStoreError);
    expect((reason.cause as { code?: string }).code).toBe('ERR_SQLITE_ERROR');
    release();
    expect(await store.get('stripe:y')).toBeUndefined(); // never acknowledged, not stored
    expect(await store.insert(event('y'))).toBe('inserted');
    await store.close();
    database.close();
  });

  it('a receiver answers 503 when the thread cannot commit, and 200 once it can', async () => {
    const path = file();
    const database = new DatabaseSync(path);
    const store = sqliteInboxStore({ database, busyTimeoutMs: 0 });
    const errors: string[] = [];
    const inbox = createInbox({
      store,
      providers: { stripe: { secret: STRIPE_SECRET } },
      handlers: {},
      clock: clockAt(),
      onStoreError: ({ error }) => errors.push(error.code),
    });
    const release = lock(path);
    const refused = await inbox.fetch('stripe')(await stripeRequest(stripeEvent('evt_1')));
    expect(refused.status).toBe(503);
    expect(errors).toEqual(['INBOX_STORE_FAILED']);
    release();
    const stored = await inbox.fetch('stripe')(await stripeRequest(stripeEvent('evt_1')));
    expect(stored.status).toBe(200);
    expect(ids(database)).toEqual(['stripe:evt_1']);
    await store.close();
    database.close();
  });

  it('the thread ending mid-batch fails that batch with a typed error; nothing acknowledged is lost, nothing failed was acknowledged', async () => {
    const path = file();
    const database = new DatabaseSync(path);
    const store = sqliteInboxStore({ database, writer: 'inline' }); // creates the tables
    expect(await store.insert(event('before'))).toBe('inserted');
    const writer = sqliteWriter({
      path,
      busyTimeoutMs: 2_000,
      synchronous: 'FULL',
      insertSql: sqliteSql(DEFAULT_INBOX_TABLE).insert,
    });
    expect(await writer.write([insertRow(event('a'))])).toEqual([{ ok: true, value: 'inserted' }]);
    const release = lock(path); // the thread waits for the lock inside its batch…
    const inFlight = writer.write([insertRow(event('b')), insertRow(event('c'))]);
    const crashed = writer.thread!;
    setTimeout(() => void crashed.terminate(), 50); // …and is killed there
    const error = (await inFlight.catch((e: unknown) => e)) as InboxStoreError;
    expect(error).toBeInstanceOf(InboxStoreError);
    expect(error.operation).toBe('insert');
    expect(error.message).toContain('writer thread stopped');
    release();
    expect(ids(database)).toEqual(['stripe:a', 'stripe:before']); // b, c: rolled back
    // The next batch starts a new thread; the provider's redelivery stores what failed.
    expect(writer.thread).toBeUndefined();
    const again = await writer.write([insertRow(event('b')), insertRow(event('c'))]);
    expect(again.map((r) => r.ok && r.value)).toEqual(['inserted', 'inserted']);
    expect(writer.thread).not.toBe(crashed);
    await writer.close();
    await writer.close(); // closing twice is harmless
    database.close();
  });

  it('holds the process open only while a batch awaits its answer, from the moment it starts', async () => {
    // What keeps the event loop alive: a referenced MessagePort is a thread that would hold the
    // process open (as an interrupted demo, which never inserted, did before the fix).
    const holding = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort').length;
    const before = holding();
    const database = new DatabaseSync(file());
    const store = sqliteInboxStore({ database, writer: 'thread' });
    expect(holding()).toBe(before); // started, idle: the process may exit
    const inserted = store.insert(event('held'));
    await new Promise((resolve) => setImmediate(resolve)); // the batch is sent (same turn)
    expect(holding()).toBe(before + 1); // awaiting its answer: kept alive for it
    expect(await inserted).toBe('inserted');
    expect(holding()).toBe(before);
    await store.close();
    database.close();
  });

  it('a thread that cannot open the database fails the batch with a typed error', async () => {
    const writer = sqliteWriter({
      path: join(dir, 'missing', 'inbox.db'),
      busyTimeoutMs: 0,
      synchronous: 2,
      insertSql: sqliteSql(DEFAULT_INBOX_TABLE).insert,
    });
    const error = await writer.write([insertRow(event('a'))]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InboxStoreError);
    await writer.close();
  });

  it("is refused in memory when asked for; 'inline' keeps inserts on the calling thread", async () => {
    expect(() =>
      sqliteInboxStore({ database: new DatabaseSync(':memory:'), writer: 'thread' }),
    ).toThrow(InboxOptionsError);
    expect(() =>
      sqliteInboxStore({
        database: new DatabaseSync(':memory:'),
        writer: 'other' as 'thread',
      }),
    ).toThrow(InboxOptionsError);
    const memory = sqliteInboxStore({ database: new DatabaseSync(':memory:') });
    expect(await memory.insert(event('m'))).toBe('inserted');
    await memory.close(); // no thread: nothing to end
    const database = new DatabaseSync(file());
    const inline = sqliteInboxStore({ database, writer: 'inline' });
    expect(await inline.insert(event('i'))).toBe('inserted');
    database.close();
  });

  it('finds the file of a better-sqlite3 database (name, memory)', async () => {
    const path = file();
    const native = new DatabaseSync(path);
    const likeBetter = {
      name: path,
      memory: false,
      exec: (text: string) => native.exec(text),
      prepare: (text: string) => native.prepare(text) as never,
    };
    const store = sqliteInboxStore({ database: likeBetter, writer: 'thread' });
    expect(await store.insert(event('b3'))).toBe('inserted');
    await store.close();
    native.close();
  });
});
