import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInbox, type Inbox, type InboxStore } from '@brace/webhook-inbox';

/** What the demo's receiver saw. */
export interface ReceiverStats {
  /** Deliveries that reached the receiver. */
  received: number;
  /** Deliveries whose signature and timestamp checked out (stored, or found already stored). */
  verified: number;
  /** Deliveries refused (forged, stale, malformed). */
  rejected: number;
  /** Refusals by `WebhookVerificationError` code. */
  rejectedByReason: Record<string, number>;
  /** Events whose handler succeeded (once each; a replayed dead letter counts when it succeeds). */
  processed: number;
  /** Verified deliveries of an event already stored (the inbox's permanent dedupe). */
  duplicatesSkipped: number;
  /** Events whose handler failed on every attempt: dead letters. */
  deadLettered: number;
  /** Dead letters replayed after the handler was fixed, and then processed. */
  replayed: number;
}

export function emptyReceiverStats(): ReceiverStats {
  return {
    received: 0,
    verified: 0,
    rejected: 0,
    rejectedByReason: {},
    processed: 0,
    duplicatesSkipped: 0,
    deadLettered: 0,
    replayed: 0,
  };
}

/** A running receiver. */
export interface Receiver {
  url: string;
  stats: ReceiverStats;
  /**
   * Waits until every stored event is processed or dead, then "fixes" the handler, replays the
   * dead letters and waits for them to be processed.
   */
  settle(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** The link whose event the handler cannot process until it is fixed: the run's first link. */
export const POISON_LINK = 'l_000001';

/** Handler attempts before an event is dead-lettered (short waits: it is a demo). */
export const INBOX_ATTEMPTS = 3;

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

function linkIdOf(payload: unknown): unknown {
  const body = payload as { data?: { id?: unknown }; id?: unknown } | null;
  return body?.data?.id ?? body?.id;
}

async function waitFor(done: () => boolean, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) throw new Error('The webhook inbox did not settle within 30 s.');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The demo's webhook receiver on 127.0.0.1, on `@brace/webhook-inbox`: each delivery is verified
 * (Standard Webhooks), committed to the run's store and only then acknowledged; workers in this
 * process run the `link.created` handler, retry it, and dead-letter what still fails. The handler
 * has a bug on {@link POISON_LINK}'s event until `settle()` fixes it and replays the dead letter.
 */
export async function startReceiver(options: {
  secret: string;
  store: InboxStore;
}): Promise<Receiver> {
  const stats = emptyReceiverStats();
  let fixed = false;
  let stored = 0;
  const inbox: Inbox = createInbox({
    store: options.store,
    providers: { links: { secret: options.secret, scheme: 'standard-webhooks' } },
    handlers: {
      links: {
        'link.created': async (event) => {
          if (!fixed && linkIdOf(event.payload) === POISON_LINK) {
            throw new Error('The handler cannot parse this link (a bug, fixed at the end).');
          }
        },
      },
    },
    retry: { attempts: INBOX_ATTEMPTS, delay: () => 20 },
    concurrency: 8,
    pollIntervalMs: 20,
    onReceived: (event) => {
      stats.verified++;
      if (event.duplicate) stats.duplicatesSkipped++;
      else stored++;
    },
    onRejected: (event) => {
      stats.rejected++;
      stats.rejectedByReason[event.code] = (stats.rejectedByReason[event.code] ?? 0) + 1;
    },
    onProcessed: () => {
      stats.processed++;
    },
    onDeadLetter: () => {
      stats.deadLettered++;
    },
  });
  const receive = inbox.fetch('links');
  inbox.start();
  let origin = 'http://127.0.0.1';
  const server: Server = createServer((req, res) => {
    stats.received++;
    toRequest(req, origin)
      .then(receive)
      .then(async (response) => {
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
    async settle(signal) {
      await waitFor(() => stats.processed + stats.deadLettered >= stored, signal);
      fixed = true;
      const letters = await inbox.deadLetters.list({ provider: 'links' });
      const before = stats.processed;
      const replayed = await inbox.deadLetters.replay(letters.map((l) => l.id));
      await waitFor(() => stats.processed >= before + replayed, signal);
      stats.replayed += replayed;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await inbox.stop({ drainMs: 1000 });
    },
  };
}
