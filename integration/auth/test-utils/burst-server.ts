// The loopback server of the burst scenario: the simulator's OAuth server on a plain node:http
// server with a 4096-connection accept backlog (Node's default of 511 drops SYNs when 2,000
// sockets connect at once, and SYN retries take a second), and a protected resource that
// holds every accepted response until the whole burst has arrived and the old token has
// expired: so at the old token's expiry all 2,000 requests are in flight, by construction.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOAuthServer, type OAuthServer } from '@brace/simulator/oauth';
import { CLIENT_SECRET } from './loopback.js';

/** One burst's server-side figures. */
export interface BurstWindow {
  /** Resource requests the server accepted and held at once, at most. */
  maxConcurrent: number;
  /** When the held responses were released (epoch ms). */
  releasedAt: number;
  /** When each held request arrived (epoch ms). */
  arrivals: number[];
}

/** The burst server. */
export interface BurstServer {
  oauth: OAuthServer;
  tokenUrl: string;
  resourceUrl: string;
  /** Epoch ms of every token-endpoint call. */
  tokenCallTimes: number[];
  /** Server-side expiry (epoch ms) of the newest access token issued. */
  lastExpiry(): number;
  /** Holds the next `expected` accepted resource responses until all arrived and `notBefore` passed. */
  arm(expected: number, notBefore: number): Promise<BurstWindow>;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};

/** Starts the burst server on 127.0.0.1 with `ttlSec` access tokens. */
export async function burstServer(ttlSec: number, maxHoldMs = 15_000): Promise<BurstServer> {
  const oauth = createOAuthServer({
    clients: [{ clientId: 'app', clientSecret: CLIENT_SECRET }],
    accessTokenTtlSec: ttlSec,
  });
  const tokenCallTimes: number[] = [];
  let lastExpiry = 0;
  let held: Array<() => void> = [];
  let arrivals: number[] = [];
  let expected = 0;
  let notBefore = 0;
  let maxConcurrent = 0;
  let finish: ((w: BurstWindow) => void) | undefined;
  let guard: NodeJS.Timeout | undefined;

  const release = () => {
    clearTimeout(guard);
    guard = undefined;
    const all = held;
    held = [];
    expected = 0;
    const done = finish;
    finish = undefined;
    for (const r of all) r();
    done?.({ maxConcurrent, releasedAt: Date.now(), arrivals });
  };

  const server = createServer((req, res) => {
    const url = `http://127.0.0.1${req.url ?? '/'}`;
    const path = new URL(url).pathname;
    if (path === oauth.paths.token) {
      tokenCallTimes.push(Date.now());
      void readBody(req).then(async (body) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string') headers.set(k, v);
        const response = await oauth.fetch(
          new Request(url, { method: req.method ?? 'POST', headers, body: new Uint8Array(body) }),
        );
        if (response.status === 200) lastExpiry = Date.now() + ttlSec * 1000;
        const text = await response.text();
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(text);
      });
      return;
    }
    const auth = req.headers.authorization;
    const result = oauth.authenticate(
      new Request(url, { headers: auth === undefined ? {} : { authorization: auth } }),
    );
    req.resume();
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    if (!result.ok || expected === 0) {
      answer(result.ok ? 200 : result.response.status, '{}');
      return;
    }
    held.push(() => answer(200, '{"ok":true}'));
    arrivals.push(Date.now());
    maxConcurrent = Math.max(maxConcurrent, held.length);
    if (held.length === 1) guard = setTimeout(release, maxHoldMs);
    if (held.length >= expected) setTimeout(release, Math.max(0, notBefore - Date.now()));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    oauth,
    tokenUrl: `${origin}${oauth.paths.token}`,
    resourceUrl: `${origin}${oauth.paths.resource}`,
    tokenCallTimes,
    lastExpiry: () => lastExpiry,
    arm(n, after) {
      expected = n;
      notBefore = after;
      maxConcurrent = 0;
      arrivals = [];
      return new Promise((resolve) => {
        finish = resolve;
      });
    },
    close() {
      clearTimeout(guard);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
