import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { memoryStore } from './memory-store.js';
import type { IdempotencyOptions } from './options.js';
import { createIdempotency, type WebHandler } from './web.js';

const URL_ = 'http://api.test/orders?x=1';

function post(
  key: string | undefined,
  body: string | Uint8Array | null = '{"sku":"A1"}',
  url = URL_,
): Request {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (key !== undefined) headers.set('Idempotency-Key', key);
  return new Request(url, { method: 'POST', headers, body });
}

function setup(options: Partial<IdempotencyOptions<Request>> = {}) {
  const clock = manualClock({ now: 0 });
  const store = memoryStore({ maxEntries: 100, clock });
  const idem = createIdempotency({ store, ...options });
  return { clock, store, idem };
}

describe('createIdempotency: bodies that are not stored', () => {
  function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    let i = 0;
    return new ReadableStream({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
        else controller.close();
      },
    });
  }

  it('stores a streamed body that stays within maxBodyBytes', async () => {
    const { idem } = setup({ maxBodyBytes: 10 });
    let runs = 0;
    const handler: WebHandler = () => {
      runs += 1;
      return new Response(streamOf(['abc', 'def']), { status: 200 });
    };
    expect(await (await idem.handle(post('"s"'), handler)).text()).toBe('abcdef');
    expect(await (await idem.handle(post('"s"'), handler)).text()).toBe('abcdef');
    expect(runs).toBe(1);
  });

  it('passes a body bigger than maxBodyBytes through whole, unstored, and releases the key', async () => {
    const { idem } = setup({ maxBodyBytes: 4 });
    let runs = 0;
    const handler: WebHandler = () => {
      runs += 1;
      return new Response(streamOf(['abc', 'def', 'ghi']), { status: 200 });
    };
    expect(await (await idem.handle(post('"s"'), handler)).text()).toBe('abcdefghi');
    const second = await idem.handle(post('"s"'), handler);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await second.text()).toBe('abcdefghi');
    expect(runs).toBe(2);
  });

  it('cancels the handler stream when the client cancels an oversized body', async () => {
    const { idem } = setup({ maxBodyBytes: 1 });
    const cancel = vi.fn();
    const handler: WebHandler = () =>
      new Response(
        new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array(8));
          },
          cancel,
        }),
      );
    const response = await idem.handle(post('"s"'), handler);
    await response.body?.cancel('bye');
    expect(cancel).toHaveBeenCalledWith('bye');
  });

  it('does not store text/event-stream or a declared content-length over the bound', async () => {
    const { idem } = setup({ maxBodyBytes: 100 });
    let runs = 0;
    const sse: WebHandler = () => {
      runs += 1;
      return new Response('data: 1\n\n', { headers: { 'content-type': 'text/event-stream' } });
    };
    await idem.handle(post('"sse"'), sse);
    expect(await (await idem.handle(post('"sse"'), sse)).text()).toBe('data: 1\n\n');
    const big: WebHandler = () => {
      runs += 1;
      return new Response('x', { headers: { 'content-length': '1000' } });
    };
    await idem.handle(post('"big"'), big);
    await idem.handle(post('"big"'), big);
    expect(runs).toBe(4);
  });

  it('releases the key when the response body fails mid-way', async () => {
    const { idem } = setup();
    let runs = 0;
    const broken: WebHandler = () => {
      runs += 1;
      return new Response(
        new ReadableStream({
          pull(c) {
            c.error(new Error('stream broke'));
          },
        }),
      );
    };
    await expect(idem.handle(post('"k"'), broken)).rejects.toThrow('stream broke');
    await expect(idem.handle(post('"k"'), broken)).rejects.toThrow('stream broke');
    expect(runs).toBe(2);
  });
});
