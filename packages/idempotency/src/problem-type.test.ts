import { describe, expect, it } from 'vitest';
import { createIdempotency, IdempotencyOptionError, memoryStore } from './index.js';

const DOCS = 'https://docs.example.com/errors/idempotency';

function post(key?: string): Request {
  return new Request('http://localhost/orders', {
    method: 'POST',
    headers: key === undefined ? {} : { 'idempotency-key': key },
    body: '{}',
  });
}

describe('problemType', () => {
  it('links every problem body to your documentation', async () => {
    const idem = createIdempotency({ store: memoryStore(), required: true, problemType: DOCS });
    const missing = await idem.handle(post(), () => new Response(null, { status: 201 }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      type: DOCS,
      code: 'IDEMPOTENCY_KEY_MISSING',
      status: 400,
    });
    const bad = await idem.handle(post(''), () => new Response(null, { status: 201 }));
    expect(await bad.json()).toMatchObject({ type: DOCS, code: 'IDEMPOTENCY_KEY_EMPTY' });
  });

  it('takes one URI per code; codes left out stay about:blank', async () => {
    const idem = createIdempotency({
      store: memoryStore(),
      problemType: { IDEMPOTENCY_KEY_REUSED: `${DOCS}#reused` },
    });
    await idem.handle(post('"k"'), () => new Response(null, { status: 201 }));
    const reused = await idem.handle(
      new Request('http://localhost/orders', {
        method: 'POST',
        headers: { 'idempotency-key': '"k"' },
        body: '{"other":1}',
      }),
      () => new Response(null, { status: 201 }),
    );
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({
      type: `${DOCS}#reused`,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    const invalid = await idem.handle(post('"a\u0001"'), () => new Response(null, { status: 201 }));
    expect(await invalid.json()).toMatchObject({ type: 'about:blank' });
  });

  it('refuses an empty URI or an unknown code', () => {
    for (const problemType of ['', { NOPE: DOCS }, { IDEMPOTENCY_KEY_REUSED: '' }, 7, null]) {
      expect(() =>
        createIdempotency({ store: memoryStore(), problemType: problemType as never }),
      ).toThrow(IdempotencyOptionError);
    }
  });
});
