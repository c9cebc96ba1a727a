// The SQLite store's writer thread: receivers' inserts are committed by a worker thread on a
// connection of its own to the same file, so the receiving event loop never waits for a commit's
// disk flush (or a WAL checkpoint). One batch is in flight at a time; deliveries that arrive
// meanwhile wait in the batcher and share the next commit (group commit).
import { Worker } from 'node:worker_threads';
import { InboxOptionsError, InboxStoreError } from './errors.js';
import { insertParams, type NewInboxEvent } from './event.js';
import type { Settled } from './group-commit.js';
import { failed } from './rows.js';

/** What the writer choice reads from the store's connection (see `InboxSqliteDatabase`). */
interface Located {
  exec(sql: string): unknown;
  prepare(sql: string): { all(...params: Array<string | number | null>): unknown[] };
  location?(): string | null;
  readonly name?: string;
  readonly memory?: boolean;
}

function nodeSqlite(): boolean {
  try {
    return process.getBuiltinModule?.('node:sqlite') !== undefined;
  } catch {
    return false; // Node 22.5–22.12 without --experimental-sqlite
  }
}

/** The file the writer thread opens, or `undefined` to insert on the calling thread. */
export function writerPath(
  database: Located,
  writer: 'thread' | 'inline' | undefined,
): string | undefined {
  if (writer !== undefined && writer !== 'thread' && writer !== 'inline')
    throw new InboxOptionsError("writer must be 'thread' or 'inline'.");
  if (writer === 'inline') return undefined;
  let path: string | null | undefined;
  if (typeof database.location === 'function') path = database.location();
  else if (typeof database.name === 'string' && database.memory === false) path = database.name;
  const usable = typeof path === 'string' && path !== '' && nodeSqlite();
  if (writer === 'thread' && !usable)
    throw new InboxOptionsError(
      "writer 'thread' needs a database file (not in memory) and node:sqlite (Node 22.13+).",
    );
  return usable ? (path as string) : undefined;
}

/** The connection's `PRAGMA synchronous` (0–3), for the writer thread's connection. */
export function connectionSynchronous(database: Located): number {
  const row = database.prepare('PRAGMA synchronous').all()[0] as { synchronous: number };
  return Number(row.synchronous);
}

/** The insert statement's parameters for an event (`next_attempt_at` and `updated_at`: received). */
export function insertRow(event: NewInboxEvent): Array<string | number | null> {
  return [...insertParams(event), event.receivedAt, event.receivedAt];
}

/** What the writer thread is started with. */
export interface WriterSettings {
  /** The database file (the main connection's). */
  path: string;
  busyTimeoutMs: number;
  /** `PRAGMA synchronous` for the thread's connection: the main connection's value. */
  synchronous: string | number;
  /** The insert statement (the store's). */
  insertSql: string;
}

/** A failed statement as the thread reports it (the main side keeps name, code, first line). */
interface ThreadError {
  name: string;
  code?: string | number;
  message: string;
}

/** Per row: 1 inserted, 0 duplicate, or the row's own error. */
type RowResult = 0 | 1 | ThreadError;

type Reply = { results: RowResult[] } | { error: ThreadError };

// CommonJS, evaluated in the worker (`eval: true`): no module file to ship or resolve.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const s = workerData;
const db = new DatabaseSync(s.path);
db.exec('PRAGMA busy_timeout = ' + Number(s.busyTimeoutMs));
db.exec('PRAGMA synchronous = ' + s.synchronous);
const insert = db.prepare(s.insertSql);
const reduce = (e) => ({ name: String(e && e.name), code: e && e.code, message: String(e && e.message) });
const one = (row) => {
  try { return Number(insert.run(...row).changes) === 1 ? 1 : 0; } catch (e) { return reduce(e); }
};
parentPort.on('message', (rows) => {
  if (rows.length === 1) return parentPort.postMessage({ results: [one(rows[0])] });
  try { db.exec('BEGIN IMMEDIATE'); } catch (e) { return parentPort.postMessage({ error: reduce(e) }); }
  const results = rows.map(one);
  try { db.exec('COMMIT'); } catch (e) {
    try { db.exec('ROLLBACK'); } catch {}
    return parentPort.postMessage({ error: reduce(e) });
  }
  parentPort.postMessage({ results });
});
`;

function toError(reported: ThreadError): Error {
  const error = new Error(reported.message);
  error.name = reported.name;
  if (reported.code !== undefined) (error as Error & { code?: unknown }).code = reported.code;
  return error;
}

/** The writer thread, seen from the store: `write` one batch of insert rows, `close` it. */
export interface SqliteWriter {
  /** Commits rows (one transaction when more than one); each row's outcome in order. */
  write(
    rows: Array<Array<string | number | null>>,
  ): Promise<Array<Settled<'inserted' | 'duplicate'>>>;
  /** Ends the thread (a later `write` starts a new one). */
  close(): Promise<void>;
  /** The running thread, if any (tests end it to simulate a crash). */
  readonly thread: Worker | undefined;
}

/**
 * Starts the writer thread. If the thread ends (crash, `terminate`, out of memory) while a batch
 * is in flight, that batch fails with `InboxStoreError` (its deliveries answer 503: whether or
 * not the thread committed them, they were never acknowledged, and a redelivery is deduplicated);
 * the next batch starts a new thread.
 */
export function sqliteWriter(settings: WriterSettings): SqliteWriter {
  let worker: Worker | undefined;
  let pending: { resolve: (reply: Reply) => void; reject: (error: unknown) => void } | undefined;

  const stopped = (from: Worker, cause: unknown) => {
    if (worker === from) worker = undefined;
    const waiting = pending;
    pending = undefined;
    waiting?.reject(
      new InboxStoreError(
        'insert',
        'The SQLite writer thread stopped before it answered; the deliveries it held were not acknowledged.',
        cause,
      ),
    );
  };

  const start = (): Worker => {
    const thread = new Worker(SOURCE, { eval: true, workerData: settings });
    thread.on('message', (reply: Reply) => {
      thread.unref();
      const waiting = pending;
      pending = undefined;
      waiting?.resolve(reply);
    });
    thread.on('error', (error) => stopped(thread, error));
    thread.on('exit', (code) => stopped(thread, new Error(`writer thread exited (${code})`)));
    // An idle writer never keeps the process alive. After the listeners: Node refs a worker's
    // message port again when its first 'message' listener is added, so unref'ing before that
    // left a thread that had not answered a batch yet holding the process open (a demo
    // interrupted right after the store was created never exited).
    thread.unref();
    return thread;
  };
  worker = start();

  return {
    get thread() {
      return worker;
    },
    async write(rows) {
      const thread = worker ?? start();
      worker = thread;
      const reply = await new Promise<Reply>((resolve, reject) => {
        pending = { resolve, reject };
        thread.ref(); // an answer is awaited: keep the process alive for it
        thread.postMessage(rows);
      });
      if ('error' in reply) throw failed('insert', toError(reply.error));
      return reply.results.map((result) =>
        typeof result === 'number'
          ? { ok: true, value: result === 1 ? 'inserted' : 'duplicate' }
          : { ok: false, error: failed('insert', toError(result)) },
      );
    },
    async close() {
      const thread = worker;
      worker = undefined;
      if (thread !== undefined) await thread.terminate();
    },
  };
}
