import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdempotencyStore } from '@brace/idempotency';
import { withIdempotency } from '@brace/idempotency/fetch';
import { problem } from '@brace/problem-details';
import { FaultPlan, type FaultRates } from './faults.js';
import { Ledger } from './ledger.js';
import { createLinksApi, PROBLEM_BASE } from './links-api.js';
import { RatePolicy } from './rate-window.js';
import { createWebhookSender } from './webhooks.js';

/** Options of {@link startProvider}. */
export interface ProviderOptions {
  /** Requests per sliding second. */
  rate: number;
  faults: FaultRates;
  seed: number;
  /** The idempotency store behind `POST /links`. */
  store: IdempotencyStore;
  /** How long a slow answer waits (longer than the client timeout). */
  slowMs: number;
  /** The schema drifts after this many links. */
  driftAfter: number;
  /** Where `link.created` webhooks go, and their secret. */
  webhookUrl: string;
  webhookSecret: string;
  /** Also send `X-RateLimit-*`. */
  legacyHeaders: boolean;
}

/** A running simulated provider. */
export interface Provider {
  url: string;
  ledger: Ledger;
  /** Waits for webhooks in flight, then stops the server. */
  close(): Promise<void>;
}

const MAX_BODY = 16_384;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function recipientOf(body: Buffer): string | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as { recipientId?: unknown };
    return typeof value?.recipientId === 'string' ? value.recipientId : undefined;
  } catch {
    return undefined;
  }
}

async function send(
  res: ServerResponse,
  response: Response,
  extra: Record<string, string>,
): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = { ...extra };
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Starts the simulated short-links provider on 127.0.0.1, port 0: rate limit advertised in
 * IETF `RateLimit`/`RateLimit-Policy` headers (429 + Retry-After past it), random 503s,
 * answers dropped or delayed after the link was committed, a schema drift mid-run, the
 * `@brace/idempotency` middleware in front of `POST /links`, and signed webhooks.
 */
export async function startProvider(options: ProviderOptions): Promise<Provider> {
  const ledger = new Ledger(options.rate);
  const policy = new RatePolicy(options.rate);
  const plan = new FaultPlan(options.faults, options.seed);
  const webhooks = createWebhookSender({
    ledger,
    url: options.webhookUrl,
    secret: options.webhookSecret,
    seed: options.seed,
  });
  let origin = 'http://127.0.0.1';
  const api = createLinksApi({
    ledger,
    get shortOrigin() {
      return `${origin}/s`;
    },
    driftAfter: options.driftAfter,
    onCreated: (link) => webhooks.send(link),
  });
  const handler = withIdempotency(api, { store: options.store, required: true, lockTtlMs: 10_000 });
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const now = Date.now();
    const { overLimit, allowed } = policy.arrive(now);
    ledger.arrival(now, overLimit);
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const isCreate = method === 'POST' && path === '/links';
    if (isCreate) ledger.attempt(now, recipientOf(body) ?? '');
    const limitHeaders = () => policy.headers(Date.now(), options.legacyHeaders);

    if (!allowed) {
      ledger.rateLimit(now);
      const retryAfter = String(Math.max(1, policy.resetSeconds(now)));
      const answer = problem({
        type: `${PROBLEM_BASE}/rate-limited`,
        title: 'Rate limit exceeded',
        status: 429,
        detail: `At most ${options.rate} requests per second.`,
      });
      return send(res, answer, { ...limitHeaders(), 'retry-after': retryAfter });
    }
    ledger.accepted(now);
    if (plan.beforeHandler() === 'unavailable') {
      ledger.unavailableAnswer(now);
      const answer = problem({
        type: `${PROBLEM_BASE}/maintenance`,
        title: 'Temporarily unavailable',
        status: 503,
        detail: 'The links service is briefly unavailable; try again.',
      });
      return send(res, answer, limitHeaders());
    }

    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(', '));
    }
    const request = new Request(`${origin}${path}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? null : body,
    });
    const response = await handler(request);
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    if (replayed) ledger.replayed++;
    if (isCreate && response.status === 201 && !replayed) {
      const fault = plan.afterCommit();
      if (fault === 'drop') {
        ledger.drop(Date.now());
        req.socket.destroy();
        return;
      }
      if (fault === 'slow') {
        ledger.slow++;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, options.slowMs);
          timers.add(timer);
        });
        if (res.destroyed) return;
      }
    }
    return send(res, response, limitHeaders());
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/problem+json' });
        res.end('{"type":"about:blank","title":"Internal Server Error","status":500}');
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    ledger,
    async close() {
      ledger.finish();
      await webhooks.drain();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
