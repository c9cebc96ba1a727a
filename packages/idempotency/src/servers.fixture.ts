// Loopback servers for tests: `track` a server, and every tracked one is closed after each test.
import { once } from 'node:events';
import type { Server } from 'node:http';
import { afterEach } from 'vitest';

const servers: Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
    await once(s, 'close');
  }
});

/** Closes `server` after the current test. */
export function track<S extends Server>(server: S): S {
  servers.push(server);
  return server;
}
