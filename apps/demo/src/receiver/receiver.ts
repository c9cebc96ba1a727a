import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdempotencyStore } from '@brace/idempotency';
import { webhookReceiver } from '@brace/webhook-verify/fetch';

/** What the demo's receiver saw. */
export interface ReceiverStats {
  /** Deliveries that reached the receiver. */
  received: number;
  /** Deliveries whose signature and timestamp checked out. */
  verified: number;
  /** Deliveries refused (forged, stale, malformed). */
  rejected: number;
  /** Refusals by `WebhookVerificationError` code. */
  rejectedByReason: Record<string, number>;
  /** Events handed to the application exactly once. */
  processed: number;
  /** Verified deliveries skipped because their webhook-id was already processed. */
  duplicatesSkipped: number;
}

export function emptyReceiverStats(): ReceiverStats {
  return {
    received: 0,
    verified: 0,
    rejected: 0,
    rejectedByReason: {},
    processed: 0,
    duplicatesSkipped: 0,
  };
}

/** A running receiver. */
export interface Receiver {
  url: string;
  stats: ReceiverStats;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  return new Request(`${origin}${req.url ?? '/'}`, {
    method: req.method ?? 'POST',
    headers,
    body: Buffer.concat(chunks),
  });
}

/**
 * The demo's webhook receiver on 127.0.0.1: `@brace/webhook-verify`'s Fetch receiver, with
 * its `dedupe` backed by the run's idempotency store (scope `webhook:standard-webhooks`,
 * apart from the provider's `POST /links` records).
 */
export async function startReceiver(options: {
  secret: string;
  store: IdempotencyStore;
}): Promise<Receiver> {
  const stats = emptyReceiverStats();
  const receive = webhookReceiver(
    {
      provider: 'standard-webhooks',
      secret: options.secret,
      dedupe: { store: options.store },
      onReject: ({ error }) => {
        stats.rejected++;
        stats.rejectedByReason[error.code] = (stats.rejectedByReason[error.code] ?? 0) + 1;
      },
    },
    () => {
      stats.processed++;
      return new Response(null, { status: 204 });
    },
  );
  let origin = 'http://127.0.0.1';
  const server: Server = createServer((req, res) => {
    stats.received++;
    toRequest(req, origin)
      .then(receive)
      .then(async (response) => {
        // 204: the handler ran; 200: a processed id seen again; 409: the id is being processed.
        if (response.status === 204 || response.status === 200 || response.status === 409) {
          stats.verified++;
        }
        if (response.status === 200) stats.duplicatesSkipped++;
        const body = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(body);
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/webhooks`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
