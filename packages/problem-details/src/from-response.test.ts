import { describe, expect, it } from 'vitest';
import { ProblemDetailsError, problem } from './index.js';

describe('ProblemDetailsError.fromResponse', () => {
  it('reads a problem+json response (relative type against the response URL)', async () => {
    const response = problem(
      { type: '/probs/quota', status: 429, detail: 'Slow down', extensions: { limit: 10 } },
      { 'retry-after': '30' },
    );
    Object.defineProperty(response, 'url', { value: 'https://api.example.com/v1/orders' });
    const error = await ProblemDetailsError.fromResponse(response, {
      request: { method: 'POST', url: 'https://api.example.com/v1/orders?api_key=secret' },
    });
    expect(error).toBeInstanceOf(ProblemDetailsError);
    expect(error.type).toBe('https://api.example.com/probs/quota');
    expect(error.status).toBe(429);
    expect(error.detail).toBe('Slow down');
    expect(error.extensions.limit).toBe(10);
    expect(error.headers?.get('retry-after')).toBe('30');
    expect(error.method).toBe('POST');
    expect(error.url).toBe('https://api.example.com/v1/orders');
    expect(response.bodyUsed).toBe(true);
  });

  it('never resolves a relative type or instance into the request URL’s query, fragment or user info', async () => {
    const { inspect } = await import('node:util');
    for (const [type, instance] of [
      ['#out-of-credit', ''],
      ['', '#x'],
      ['?kind=quota', 'msgs/1'],
    ] as const) {
      const response = problem({ type, instance, status: 403, title: 'No credit' });
      Object.defineProperty(response, 'url', {
        value: 'https://user:PASS-SECRET@api.example.com/v1/charge?api_key=KEY-SECRET#FRAG-SECRET',
      });
      const error = await ProblemDetailsError.fromResponse(response);
      const text = `${error.message} ${inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })}`;
      for (const secret of ['PASS-SECRET', 'KEY-SECRET', 'FRAG-SECRET']) {
        expect(text).not.toContain(secret);
      }
      expect(error.type.startsWith('https://api.example.com/v1/')).toBe(true);
    }
  });

  it('normalises other JSON bodies, and turns text, HTML and huge bodies into about:blank', async () => {
    const stripe = await ProblemDetailsError.fromResponse(
      Response.json(
        { error: { message: 'Your card was declined.', code: 'card_declined' } },
        { status: 402 },
      ),
    );
    expect(stripe.detail).toBe('Your card was declined.');
    expect(stripe.extensions.code).toBe('card_declined');
    const html = await ProblemDetailsError.fromResponse(
      new Response('<html>Bad gateway secret-ish</html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      }),
    );
    expect(html.toProblem()).toMatchObject({
      type: 'about:blank',
      title: 'Bad Gateway',
      status: 502,
      detail: undefined,
    });
    expect(JSON.stringify(html.toProblem())).not.toContain('secret-ish');
    const huge = await ProblemDetailsError.fromResponse(
      Response.json({ error: { message: 'x'.repeat(1_100_000) } }, { status: 500 }),
    );
    expect(huge.detail).toBeUndefined();
    const raw = await ProblemDetailsError.fromResponse(
      Response.json({ error: { message: 'declined' } }, { status: 402 }),
      { normalize: false },
    );
    expect(raw.detail).toBeUndefined();
    expect(raw.status).toBe(402);
  });
});
