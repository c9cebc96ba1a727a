// Vitest globalSetup: when REDIS_URL / DATABASE_URL are unset, look for Redis and PostgreSQL on
// their default local ports and point the tests at what answers. What was found (or why not)
// goes to BRACE_SERVICES, which the skip summary (skip-reporter.ts) prints at the end.
import { connect } from 'node:net';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const PROBE_MS = 1500;

/** Sends `request` to 127.0.0.1:port and resolves with the first bytes back (or an error text). */
export function exchange(port: number, request: Buffer): Promise<Buffer | string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: Buffer | string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done('no answer'), PROBE_MS);
    socket.once('connect', () => socket.write(request));
    socket.once('data', (data) => done(data));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
    socket.once('close', () => done('closed'));
  });
}

/** Redis answers `PING` with `+PONG` (and `-NOAUTH` when it wants a password). */
export async function probeRedis(port = 6379): Promise<string | undefined> {
  const answer = await exchange(port, Buffer.from('PING\r\n'));
  if (typeof answer !== 'string' && answer.toString('latin1').startsWith('+PONG')) return undefined;
  const why = typeof answer === 'string' ? answer : answer.toString('latin1').trim().slice(0, 60);
  return `no Redis without a password on 127.0.0.1:${port} (${why})`;
}

/**
 * A PostgreSQL v3 startup message as user `postgres` on database `postgres`: the server answers
 * AuthenticationOk ('R', code 0) when it lets that user in without a password.
 */
export async function probePostgres(port = 5432): Promise<string | undefined> {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0', 'latin1');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4);
  const answer = await exchange(port, Buffer.concat([head, params]));
  if (typeof answer === 'string') return `no PostgreSQL on 127.0.0.1:${port} (${answer})`;
  if (answer[0] === 0x52 && answer.length >= 9 && answer.readInt32BE(5) === 0) return undefined;
  return `PostgreSQL on 127.0.0.1:${port} does not let user postgres in without a password (set DATABASE_URL)`;
}

export default async function setup(): Promise<void> {
  const notes: string[] = [];
  if (!process.env.REDIS_URL) {
    const why = await probeRedis();
    if (why) notes.push(`REDIS_URL unset and ${why}`);
    else {
      process.env.REDIS_URL = DEFAULT_REDIS_URL;
      notes.push(`REDIS_URL unset: using ${DEFAULT_REDIS_URL}`);
    }
  }
  if (!process.env.DATABASE_URL) {
    const why = await probePostgres();
    if (why) notes.push(`DATABASE_URL unset and ${why}`);
    else {
      process.env.DATABASE_URL = DEFAULT_DATABASE_URL;
      notes.push(`DATABASE_URL unset: using ${DEFAULT_DATABASE_URL}`);
    }
  }
  const previous = process.env.BRACE_SERVICES ? process.env.BRACE_SERVICES.split('\n') : [];
  process.env.BRACE_SERVICES = [...new Set([...previous, ...notes])].join('\n');
}
