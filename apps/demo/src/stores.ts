import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type IdempotencyStore, memoryStore } from '@brace/idempotency';
import { postgresStore } from '@brace/idempotency-postgres';
import { fromIoredis, redisStore } from '@brace/idempotency-redis';
import { sqliteStore } from '@brace/idempotency-sqlite';
import { type InboxStore, memoryInboxStore } from '@brace/webhook-inbox';
import { postgresInboxStore } from '@brace/webhook-inbox/postgres';
import { sqliteInboxStore } from '@brace/webhook-inbox/sqlite';
import type { StoreKind } from './args.js';
import type { SharedSpec } from './workers/protocol.js';

/** A fresh, empty idempotency store for one run, and how to clean it up. */
export interface RunStore {
  store: IdempotencyStore;
  /** The webhook inbox, in the same database (memory for `memory` and `redis`: no Redis engine). */
  inbox: InboxStore;
  /** Where `--workers` processes share their limit, token and cache (redis and postgres). */
  shared?: SharedSpec;
  /** Where it lives, for the table header. */
  describe: string;
  close(): Promise<void>;
}

/** Thrown when --store redis|postgres has no URL to connect to, or cannot reach it. */
export class StoreSetupError extends Error {
  override readonly name = 'StoreSetupError';
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(unparsable URL)';
  }
}

function unreachable(variable: string, url: string, error: unknown): StoreSetupError {
  const cause = error as { message?: string; cause?: { message?: string } };
  const reason = cause?.cause?.message ?? cause?.message ?? String(error);
  return new StoreSetupError(`cannot use ${variable} (${redact(url)}): ${reason}`, {
    cause: error,
  });
}

const suffix = () => `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

/** Opens a fresh store of the given kind: every run starts from an empty provider state. */
export async function openStore(kind: StoreKind): Promise<RunStore> {
  switch (kind) {
    case 'memory':
      return {
        store: memoryStore({ maxEntries: 100_000 }),
        inbox: memoryInboxStore(),
        describe: 'memory',
        close: async () => {},
      };
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'brace-demo-'));
      const database = new DatabaseSync(join(dir, 'idempotency.db'));
      database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      const store = sqliteStore({ database });
      await store.migrate();
      // Receivers' inserts are committed by the inbox store's writer thread (the default for a
      // database file); close() ends it before the database is closed and removed.
      const inbox = sqliteInboxStore({ database, table: 'webhook_inbox' });
      return {
        store,
        inbox,
        describe: `sqlite (${dir})`,
        close: async () => {
          await inbox.close();
          database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'redis': {
      const url = process.env.REDIS_URL;
      if (!url)
        throw new StoreSetupError('--store redis needs REDIS_URL, e.g. redis://127.0.0.1:6379');
      const { Redis } = await import('ioredis');
      // No reconnect loop while connecting: an unreachable server is a setup error, not a hang.
      const client = new Redis(url, {
        maxRetriesPerRequest: 2,
        lazyConnect: true,
        retryStrategy: () => null,
      });
      // ioredis reports why on 'error' (connect() itself only says the connection closed);
      // listening also stops it printing "Unhandled error event"; commands still reject.
      let lastError: unknown;
      client.on('error', (error) => {
        lastError = error;
      });
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        throw unreachable('REDIS_URL', url, lastError ?? error);
      }
      const prefix = `brace-demo:${suffix()}:`;
      return {
        store: redisStore({ client: fromIoredis(client), prefix }),
        inbox: memoryInboxStore(),
        shared: { kind: 'redis', url, prefix: `${prefix}client:` },
        describe: `redis (prefix ${prefix})`,
        close: async () => {
          // Remove only this run's keys.
          let cursor = '0';
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
            cursor = next;
            if (keys.length > 0) await client.del(...keys);
          } while (cursor !== '0');
          await client.quit();
        },
      };
    }
    case 'postgres': {
      const url = process.env.DATABASE_URL;
      if (!url)
        throw new StoreSetupError(
          '--store postgres needs DATABASE_URL, e.g. postgres://user@127.0.0.1:5432/db',
        );
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      const table = `brace_demo_${suffix()}`;
      const store = postgresStore({ client: pool, table });
      try {
        await store.migrate();
      } catch (error) {
        await pool.end().catch(() => {});
        throw unreachable('DATABASE_URL', url, error);
      }
      return {
        store,
        inbox: postgresInboxStore({ client: pool, table: `${table}_inbox` }),
        shared: { kind: 'postgres', url, table: `${table}_tokens` },
        describe: `postgres (table ${table})`,
        close: async () => {
          await pool.query(
            `DROP TABLE IF EXISTS ${table}, ${table}_inbox, ${table}_inbox_watermarks, ${table}_tokens`,
          );
          await pool.end();
        },
      };
    }
  }
}
