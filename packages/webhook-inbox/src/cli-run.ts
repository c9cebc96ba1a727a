import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { systemClock } from '@brace/core';
import { deadLetters } from './dead-letters.js';
import type { StoredInboxEvent } from './event.js';
import { sqliteInboxStore } from './sqlite.js';
import type { InboxStore } from './store.js';

/** The CLI's flags after parsing. */
export interface CliFlags {
  provider?: string;
  type?: string;
  since?: string;
  until?: string;
  json?: boolean;
  help?: boolean;
}

export const USAGE = `usage: brace-inbox dlq <list|show|replay|discard> [ids...] (--sqlite FILE | --postgres URL) [options]

  dlq list                      list dead letters (oldest first, at most 1,000)
  dlq show ID                   one event with its error history
  dlq replay ID... | --since T  make dead letters pending again (workers process them)
  dlq discard ID...             drop dead letters (kept as discarded: redeliveries stay duplicates)

options: --table NAME  --provider NAME  --type TYPE  --since ISO|ms  --until ISO|ms  --json`;

function time(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new Error(`${flag} must be an ISO date or milliseconds since the epoch`);
  return ms;
}

function line(event: StoredInboxEvent): string {
  const last = event.errors.at(-1);
  const when = new Date(event.receivedAt).toISOString();
  return `${event.id}\t${event.type}\t${when}\t${event.attempts} attempts\t${last ? `${last.name}: ${last.message}` : ''}`;
}

/**
 * Runs `brace-inbox` with parsed arguments; answers the exit code (0 done, 1 failed, 2 usage).
 * The store opener and output are injected so the CLI is testable without a shell.
 */
export async function runCli(
  positionals: string[],
  flags: CliFlags,
  open: () => Promise<{ store: InboxStore; close: () => Promise<unknown> }>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const [group, command, ...ids] = positionals;
  if (
    flags.help ||
    group !== 'dlq' ||
    !['list', 'show', 'replay', 'discard'].includes(command ?? '')
  ) {
    (flags.help ? out : err)(USAGE);
    return flags.help ? 0 : 2;
  }
  let opened: Awaited<ReturnType<typeof open>>;
  try {
    const since = time(flags.since, '--since');
    const until = time(flags.until, '--until');
    if ((command === 'show' || command === 'discard') && ids.length === 0)
      throw new Error(`dlq ${command} needs at least one id`);
    if (command === 'replay' && ids.length === 0 && since === undefined && until === undefined) {
      throw new Error('dlq replay needs ids, or --since/--until');
    }
    opened = await open();
    try {
      const letters = deadLetters(opened.store, systemClock, () => {});
      const range = {
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(flags.provider ? { provider: flags.provider } : {}),
      };
      if (command === 'list') {
        const list = await letters.list({ ...range, ...(flags.type ? { type: flags.type } : {}) });
        if (flags.json) out(JSON.stringify(list.map(({ payload: _payload, ...rest }) => rest)));
        else for (const event of list) out(line(event));
        if (!flags.json)
          err(
            list.length < 1_000
              ? `${list.length} dead letter(s)`
              : `the first ${list.length} dead letter(s); there may be more: narrow with --since, --until, --provider or --type`,
          );
      } else if (command === 'show') {
        for (const id of ids) {
          const event = await letters.get(id);
          if (event === undefined) throw new Error(`no event ${JSON.stringify(id)}`);
          out(JSON.stringify(event, null, 2));
        }
      } else if (command === 'replay') {
        out(`${await letters.replay(ids.length > 0 ? ids : range)} replayed`);
      } else {
        out(`${await letters.discard(ids)} discarded`);
      }
    } finally {
      await opened.close();
    }
  } catch (error) {
    err(`brace-inbox: ${(error as Error).message}`);
    return 1;
  }
  return 0;
}

interface StoreFlags {
  sqlite?: string;
  postgres?: string;
  table?: string;
}

async function openStore(
  flags: StoreFlags,
): Promise<{ store: InboxStore; close: () => Promise<unknown> }> {
  const table = flags.table === undefined ? {} : { table: flags.table };
  if (flags.sqlite !== undefined) {
    // Opening a missing file would create an empty database and report an empty queue.
    if (!existsSync(flags.sqlite))
      throw new Error(
        `no SQLite file at ${flags.sqlite}: check the path (the CLI never creates one)`,
      );
    const database = new DatabaseSync(flags.sqlite);
    // The CLI never receives: no writer thread.
    const store = sqliteInboxStore({ database, ...table, writer: 'inline' });
    return { store, close: async () => database.close() };
  }
  if (flags.postgres !== undefined) {
    const { postgresInboxStore } = await import('./postgres.js');
    const pg = await import('pg').catch(() => {
      throw new Error('--postgres needs the `pg` package: npm install pg');
    });
    const pool = new pg.default.Pool({ connectionString: flags.postgres, max: 2 });
    return { store: postgresInboxStore({ client: pool, ...table }), close: () => pool.end() };
  }
  throw new Error('name the store: --sqlite FILE or --postgres URL');
}

/** `brace-inbox` with its raw arguments, writing to stdout/stderr; answers the exit code. */
export async function main(argv: string[]): Promise<number> {
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(`${text}\n`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    write(process.stderr)(`brace-inbox: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  return runCli(
    positionals,
    values,
    () => openStore(values),
    write(process.stdout),
    write(process.stderr),
  );
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sqlite: { type: 'string' },
      postgres: { type: 'string' },
      table: { type: 'string' },
      provider: { type: 'string' },
      type: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
