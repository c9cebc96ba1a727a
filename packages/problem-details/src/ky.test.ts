import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { SafeCause } from '@brace/core';
import ky, { HTTPError, isNetworkError, type KyRequest, TimeoutError } from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProblemDetailsError } from './errors.js';
import { problemDetailsHooks } from './ky.js';
import { defineProblemType, isProblem } from './problem-type.js';
import { problem } from './server.js';
import { listen, type Running, serveFetch } from './test-utils/serve.js';

const OutOfCredit = defineProblemType({
  type: 'https://example.com/probs/out-of-credit',
  title: 'You do not have enough credit.',
  status: 403,
  extensions: z.object({ balance: z.number(), accounts: z.array(z.string()) }),
});

function routes(request: Request): Response {
  const path = new URL(request.url).pathname;
  switch (path) {
    case '/purchase':
      return OutOfCredit.response({
        detail: 'Your current balance is 30, but that costs 50.',
        instance: '/account/12345/msgs/abc',
        extensions: { balance: 30, accounts: ['/account/12345', '/account/67890'] },
      });
    case '/quota':
      return problem(
        { type: '/probs/quota', status: 429, detail: 'You have exceeded your quota' },
        { 'retry-after': '30' },
      );
    case '/stripe':
      return Response.json(
        {
          error: { message: 'Your card was declined.', type: 'card_error', code: 'card_declined' },
        },
        { status: 402 },
      );
    case '/html':
      return new Response('<html><body>Bad gateway</body></html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      });
    case '/broken':
      return new Response('{"type": ', {
        status: 500,
        headers: { 'content-type': 'application/problem+json' },
      });
    case '/ok':
      return Response.json({ ok: true });
    default:
      return problem({ status: 404 });
  }
}

let server: Running;
let api: typeof ky;

beforeAll(async () => {
  server = await serveFetch(routes);
  api = ky.create({ prefix: server.url, retry: 0, hooks: problemDetailsHooks() });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

describe('problemDetailsHooks over loopback HTTP', () => {
  it('round-trips problem() to a typed ProblemDetailsError', async () => {
    const error = await failure(
      api.post('purchase', { json: { item: 123456, quantity: 2 } }).json(),
    );
    expect(error).toBeInstanceOf(ProblemDetailsError);
    expect(isProblem(error, OutOfCredit)).toBe(true);
    if (!isProblem(error, OutOfCredit)) return;
    expect(error.extensions.balance).toBe(30);
    expect(error.extensions.accounts).toEqual(['/account/12345', '/account/67890']);
    expect(error.instance).toBe(`${server.url}/account/12345/msgs/abc`);
    expect(error.title).toBe('You do not have enough credit.');
    expect(error.status).toBe(403);
    expect(error.responseStatus).toBe(403);
    expect(error.method).toBe('POST');
    expect(error.url).toBe(`${server.url}/purchase`);
    // The cause is ky's HTTPError reduced to its name and scrubbed message.
    expect(error.cause).toBeInstanceOf(SafeCause);
    expect((error.cause as SafeCause).name).toBe('HTTPError');
    expect(error.message).toBe(
      '403 You do not have enough credit.: Your current balance is 30, but that costs 50. [https://example.com/probs/out-of-credit]',
    );
  });

  it('keeps no URL query, credential or Authorization header anywhere in the error (util.inspect)', async () => {
    const secret = 'api_key_SECRET_8d1e';
    const token = 'Bearer TOKEN_SECRET_55aa';
    for (const path of ['purchase', 'stripe', 'html']) {
      const error = await failure(
        api
          .post(`${path}?api_key=${secret}`, {
            headers: { authorization: token },
            json: { card: secret },
          })
          .json(),
      );
      expect(error).toBeInstanceOf(ProblemDetailsError);
      const text = inspect(error, {
        depth: Number.POSITIVE_INFINITY,
        showHidden: true,
        getters: true,
      });
      expect(text).not.toContain(secret);
      expect(text).not.toContain('TOKEN_SECRET_55aa');
      expect(text).toContain('HTTPError'); // the cause says what failed
    }
  });

  it('resolves a relative type against the response URL and keeps the headers', async () => {
    const error = (await failure(api.get('quota?key=secret').json())) as ProblemDetailsError;
    expect(error.message).toBe(
      `429 Too Many Requests: You have exceeded your quota [${server.url}/probs/quota]`,
    );
    expect(error.headers?.get('retry-after')).toBe('30');
    expect(error.url).toBe(`${server.url}/quota`);
  });

  it('normalises a Stripe-like JSON body', async () => {
    const error = (await failure(api.post('stripe').json())) as ProblemDetailsError;
    expect(error).toBeInstanceOf(ProblemDetailsError);
    expect(error.type).toBe('about:blank');
    expect(error.title).toBe('Payment Required');
    expect(error.detail).toBe('Your card was declined.');
    expect(error.extensions).toEqual({ code: 'card_declined', errorType: 'card_error' });
  });

  it('turns a non-JSON body into about:blank with the status phrase, without the body', async () => {
    const error = (await failure(api.get('html').text())) as ProblemDetailsError;
    expect(error.message).toBe('502 Bad Gateway');
    expect(error.detail).toBeUndefined();
    expect(JSON.stringify(error.extensions)).toBe('{}');
  });

  it('survives an unparseable problem+json body', async () => {
    const error = (await failure(api.get('broken').json())) as ProblemDetailsError;
    expect(error.message).toBe('500 Internal Server Error');
  });

  it('leaves non-problem bodies to ky when normalize is false', async () => {
    const plain = ky.create({
      prefix: server.url,
      retry: 0,
      hooks: problemDetailsHooks({ normalize: false }),
    });
    expect(await failure(plain.get('html').text())).toBeInstanceOf(HTTPError);
    expect(await failure(plain.post('purchase').json())).toBeInstanceOf(ProblemDetailsError);
  });

  it('uses a custom normalizer, falling back when it declines or throws', async () => {
    const custom = ky.create({
      prefix: server.url,
      retry: 0,
      hooks: problemDetailsHooks({
        normalize: (body, { status, contentType }) =>
          contentType === 'text/html'
            ? { type: 'urn:html', status, title: String(body).slice(0, 12), extensions: {} }
            : undefined,
      }),
    });
    const html = (await failure(custom.get('html').text())) as ProblemDetailsError;
    expect(html.type).toBe('urn:html');
    expect(html.title).toBe('<html><body>');
    const stripe = (await failure(custom.post('stripe').json())) as ProblemDetailsError;
    expect(stripe.detail).toBe('Your card was declined.');
    const throwing = ky.create({
      prefix: server.url,
      retry: 0,
      hooks: problemDetailsHooks({
        normalize: () => {
          throw new Error('bug');
        },
      }),
    });
    expect(((await failure(throwing.post('stripe').json())) as ProblemDetailsError).detail).toBe(
      'Your card was declined.',
    );
  });

  it('lets successful responses through with nothing but a beforeError hook', async () => {
    const hooks = problemDetailsHooks();
    expect(Object.keys(hooks)).toEqual(['beforeError']);
    expect(await api.get('ok').json()).toEqual({ ok: true });
  });
});

describe('awkward error responses', () => {
  it('reads problem+json sent with parameters and in mixed case', async () => {
    const running = await serveFetch(
      () =>
        new Response(JSON.stringify({ type: '/probs/x', title: 'X', status: 409 }), {
          status: 409,
          headers: { 'content-type': 'Application/Problem+JSON; charset=utf-8' },
        }),
    );
    try {
      const client = ky.create({ retry: 0, hooks: problemDetailsHooks({ normalize: false }) });
      const error = await failure(client.get(`${running.url}/a/b`));
      expect(error).toBeInstanceOf(ProblemDetailsError);
      expect((error as ProblemDetailsError).type).toBe(`${running.url}/probs/x`);
    } finally {
      await running.close();
    }
  });

  it('does not hang on an error body that never ends (ky bounds the read)', async () => {
    const running = await listen(
      createServer((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/problem+json' });
        res.write('{"title":');
      }),
    );
    try {
      const client = ky.create({ retry: 0, timeout: 200, hooks: problemDetailsHooks() });
      const error = await failure(client.get(running.url));
      expect(error).toBeInstanceOf(ProblemDetailsError);
      expect((error as ProblemDetailsError).title).toBe('Internal Server Error');
    } finally {
      await running.close();
    }
  });
});

describe('errors that are not HTTP errors stay ky’s own', () => {
  it('keeps network errors', async () => {
    const closed = await listen(createServer());
    const url = closed.url;
    await closed.close();
    const error = await failure(ky.get(url, { retry: 0, hooks: problemDetailsHooks() }).text());
    expect(error).not.toBeInstanceOf(ProblemDetailsError);
    expect(isNetworkError(error)).toBe(true);
  });

  it('returns timeouts and other errors untouched', () => {
    const [hook] = problemDetailsHooks().beforeError;
    const request = new Request('https://api.test/x');
    const timeout = new TimeoutError(request);
    const state = { request: request as KyRequest, options: {} as never, retryCount: 0 };
    expect(hook?.({ ...state, error: timeout })).toBe(timeout);
    const lookalike = Object.assign(new Error('x'), { name: 'HTTPError' });
    expect(hook?.({ ...state, error: lookalike })).toBe(lookalike);
  });
});
