import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probePostgres, probeRedis } from './services.js';
import { formatSkips } from './skip-reporter.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A loopback TCP server that answers the first bytes it reads with `answer`. */
async function answering(answer: Buffer | string): Promise<number> {
  const server = createServer((socket) => {
    socket.once('data', () => socket.end(answer));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on: one that was just closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A PostgreSQL authentication message: 'R', length 8, then the auth code. */
function auth(code: number): Buffer {
  const b = Buffer.alloc(9);
  b.write('R', 0, 'latin1');
  b.writeInt32BE(8, 1);
  b.writeInt32BE(code, 5);
  return b;
}

describe('probeRedis', () => {
  it('accepts a server that answers PING with +PONG', async () => {
    expect(await probeRedis(await answering('+PONG\r\n'))).toBeUndefined();
  });

  it('refuses one that wants a password, and a closed port, saying why', async () => {
    const port = await answering('-NOAUTH Authentication required.\r\n');
    expect(await probeRedis(port)).toMatch(/no Redis without a password .*NOAUTH/);
    expect(await probeRedis(await closedPort())).toMatch(/ECONNREFUSED/);
  });
});

describe('probePostgres', () => {
  it('accepts a server that lets user postgres in without a password (AuthenticationOk)', async () => {
    expect(await probePostgres(await answering(auth(0)))).toBeUndefined();
  });

  it('refuses a server that asks for a password, and a closed port', async () => {
    expect(await probePostgres(await answering(auth(10)))).toMatch(/set DATABASE_URL/);
    expect(await probePostgres(await closedPort())).toMatch(/no PostgreSQL .*ECONNREFUSED/);
  });
});

describe('formatSkips', () => {
  it('says when nothing was skipped, and lists the services the run found', () => {
    expect(formatSkips([], ['REDIS_URL unset: using redis://127.0.0.1:6379'])).toBe(
      'skipped: none (every test ran)\n  services: REDIS_URL unset: using redis://127.0.0.1:6379',
    );
  });

  it('lists every file with skipped tests, how many, and the notice it printed', () => {
    const text = formatSkips(
      [
        { file: 'a.test.ts', project: 'packages', skipped: 2, total: 3, reasons: ['no Redis'] },
        { file: 'b.test.ts', project: 'packages', skipped: 1, total: 1, reasons: [] },
      ],
      [],
    );
    expect(text.split('\n')).toEqual([
      'SKIPPED: 3 test(s), not run, in 2 file(s)',
      '  - a.test.ts [packages]: 2 of 3 skipped: no Redis',
      '  - b.test.ts [packages]: 1 of 1 skipped: no reason printed',
    ]);
  });
});
