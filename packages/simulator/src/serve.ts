import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatorOptionsError } from './errors.js';
import { headerRecord, readBody, toRequest, writeAnswer } from './node-io.js';

/**
 * A running loopback server.
 *
 * @example
 * ```ts
 * import type { RunningServer } from '@brace/simulator';
 *
 * const stop = (server: RunningServer) => server.close();
 * ```
 */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops the server, closing open connections. */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free port) and resolves with the origin. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SimulatorOptionsError('port must be an integer between 0 and 65535.');
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/** Closes a server and every connection it holds. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Serves any fetch handler (for example `createOAuthServer().fetch`) on a real loopback server.
 *
 * @param handler - Request in, Response out
 * @param options - `port` (default 0, any free port) and `host` (default `127.0.0.1`)
 * @returns the server's `url` and `close()`
 *
 * @example
 * ```ts
 * import { serveFetch } from '@brace/simulator';
 * import { createOAuthServer } from '@brace/simulator/oauth';
 *
 * const oauth = createOAuthServer({ accessTokenTtlSec: 60 });
 * const server = await serveFetch((request) => oauth.fetch(request));
 * const response = await fetch(`${server.url}/oauth/resource`); // 401
 * await server.close();
 * ```
 */
export async function serveFetch(
  handler: (request: Request) => Response | Promise<Response>,
  options: { port?: number; host?: string } = {},
): Promise<RunningServer> {
  let origin = '';
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        const response = await handler(toRequest(req, body, origin));
        const bytes = new Uint8Array(await response.arrayBuffer());
        writeAnswer(res, response.status, headerRecord(response), bytes);
      })
      .catch(() => {
        if (!res.headersSent)
          writeAnswer(res, 500, { 'content-type': 'text/plain' }, Buffer.from('handler failed'));
        else res.destroy();
      });
  });
  origin = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return { url: origin, close: () => closeServer(server) };
}
