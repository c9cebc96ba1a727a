import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { idempotency } from './express.js';
import { memoryStore } from './memory-store.js';
import type { IdempotencyOptions } from './options.js';
import { track } from './servers.fixture.js';

/** A plain node:http server running `handler` behind the Express form. */
async function serve(
  options: IdempotencyOptions<IncomingMessage>,
  handler: (res: ServerResponse) => void,
): Promise<string> {
  const mw = idempotency(options);
  const server = createServer((req, res) => mw(req, res, () => handler(res)));
  server.listen(0, '127.0.0.1');
  track(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (base: string, key: string) =>
  fetch(`${base}/x`, { method: 'POST', body: '{}', headers: { 'idempotency-key': key } });

describe('express response capture', () => {
  it('stores what was written when the handler reuses its buffer once write() called back', async () => {
    let runs = 0;
    const base = await serve({ store: memoryStore(), scope: false }, (res) => {
      runs += 1;
      res.setHeader('content-type', 'application/octet-stream');
      const scratch = Buffer.from('AAAA');
      // Reused only once written, as Node asks: the stored copy must not see the refill.
      res.write(scratch, () => {
        scratch.fill('B');
        res.write(scratch, () => res.end(Buffer.from('CC')));
      });
    });
    expect(await (await post(base, 'k')).text()).toBe('AAAABBBBCC');
    const replay = await post(base, 'k');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('content-type')).toBe('application/octet-stream');
    expect(await replay.text()).toBe('AAAABBBBCC');
    expect(runs).toBe(1);
  });

  it('answers when the store throws on complete (even synchronously), reporting it to onError', async () => {
    const inner = memoryStore();
    const events: string[] = [];
    let runs = 0;
    const store = {
      begin: inner.begin,
      release: inner.release,
      complete: () => {
        throw new Error('store gone');
      },
    };
    const onError: IdempotencyOptions['onError'] = (e) =>
      events.push(`${e.phase}: ${(e.error as Error).message}`);
    const base = await serve({ store, onError }, (res) => {
      runs += 1;
      res.statusCode = 201;
      res.setHeader('content-type', 'text/plain');
      res.end('made');
    });
    const first = await post(base, 'k-sync');
    expect(first.status).toBe(201);
    expect(await first.text()).toBe('made');
    expect(events).toEqual(['complete: store gone']);
    expect(runs).toBe(1);
  });
});
