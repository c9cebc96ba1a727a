import { describe, expect, it } from 'vitest';
import { github, shopify, slack, stripe } from './presets.js';

const ctx = { status: 400, baseUrl: 'https://api.example.com/' };

describe('error normalisation of each preset', () => {
  it('github: message and documentation_url, else nothing', () => {
    expect(
      github.normalizeError(
        { message: 'Bad', documentation_url: 'https://docs.github.com/x' },
        ctx,
      ),
    ).toEqual({
      type: 'https://docs.github.com/x',
      title: 'Bad',
      status: 400,
      extensions: {},
    });
    expect(github.normalizeError({ message: 'Bad' }, ctx)?.type).toBe('about:blank');
    expect(github.normalizeError({ nope: 1 }, ctx)).toBeUndefined();
    expect(github.normalizeError(undefined, ctx)).toBeUndefined();
  });

  it('github: 403 is a rate limit only with remaining 0 or Retry-After', () => {
    const limited = github.isRateLimited as (s: number, h: Headers) => boolean;
    expect(limited(403, new Headers({ 'x-ratelimit-remaining': '0' }))).toBe(true);
    expect(limited(403, new Headers({ 'retry-after': '60' }))).toBe(true);
    expect(limited(403, new Headers({ 'x-ratelimit-remaining': '10' }))).toBe(false);
    expect(limited(404, new Headers({ 'x-ratelimit-remaining': '0' }))).toBe(false);
  });

  it('stripe: the error object, with doc_url, code or neither', () => {
    expect(
      stripe.normalizeError(
        {
          error: {
            type: 'card_error',
            code: 'card_declined',
            message: 'Declined',
            param: 'card',
            doc_url: 'https://docs.stripe.com/error-codes/card-declined',
          },
        },
        ctx,
      ),
    ).toEqual({
      type: 'https://docs.stripe.com/error-codes/card-declined',
      title: 'card_error',
      detail: 'Declined',
      status: 400,
      extensions: { code: 'card_declined', param: 'card' },
    });
    expect(stripe.normalizeError({ error: { code: 'x' } }, ctx)).toMatchObject({
      type: 'https://docs.stripe.com/error-codes#x',
      title: undefined,
      detail: undefined,
    });
    expect(stripe.normalizeError({ error: {} }, ctx)).toMatchObject({
      type: 'about:blank',
      extensions: {},
    });
    expect(stripe.normalizeError({ error: 'x' }, ctx)).toBeUndefined();
    expect(stripe.normalizeError({ error: null }, ctx)).toBeUndefined();
    expect(stripe.normalizeError(undefined, ctx)).toBeUndefined();
  });

  it('shopify: errors as a string or a structure', () => {
    expect(shopify.normalizeError({ errors: 'Not Found' }, ctx)).toMatchObject({
      title: 'Not Found',
      status: 400,
    });
    expect(shopify.normalizeError({ errors: { title: ["can't be blank"] } }, ctx)).toMatchObject({
      extensions: { errors: { title: ["can't be blank"] } },
    });
    expect(shopify.normalizeError({ errors: null }, ctx)).toBeUndefined();
    expect(shopify.normalizeError(undefined, ctx)).toBeUndefined();
  });

  it('slack: { ok: false, error } only', () => {
    expect(slack.normalizeError({ ok: false, error: 'channel_not_found' }, ctx)).toMatchObject({
      title: 'channel_not_found',
      extensions: { error: 'channel_not_found' },
    });
    expect(slack.normalizeError({ ok: true }, ctx)).toBeUndefined();
    expect(slack.normalizeError({ ok: false, error: 1 }, ctx)).toBeUndefined();
    expect(slack.normalizeError(undefined, ctx)).toBeUndefined();
  });
});
