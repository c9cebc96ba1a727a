import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { openStore, StoreSetupError } from './stores.js';

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('openStore with an unreachable server', () => {
  it('redis: a StoreSetupError naming REDIS_URL and the reason, without a reconnect loop', async () => {
    const port = await closedPort();
    vi.stubEnv('REDIS_URL', `redis://:hunter2@127.0.0.1:${port}`);
    try {
      const error = await openStore('redis').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreSetupError);
      expect((error as Error).message).toContain(
        `cannot use REDIS_URL (redis://:***@127.0.0.1:${port}`,
      );
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect((error as Error).message).not.toContain('hunter2');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('postgres: a StoreSetupError naming DATABASE_URL and the reason', async () => {
    const port = await closedPort();
    vi.stubEnv('DATABASE_URL', `postgres://demo:hunter2@127.0.0.1:${port}/db`);
    try {
      const error = await openStore('postgres').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreSetupError);
      expect((error as Error).message).toContain('cannot use DATABASE_URL (postgres://demo:***@');
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect((error as Error).message).not.toContain('hunter2');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
