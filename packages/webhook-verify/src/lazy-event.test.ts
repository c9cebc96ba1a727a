import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defineScheme,
  hmacScheme,
  type ProviderName,
  signWebhook,
  verifyWebhook,
  type WebhookScheme,
} from './index.js';

const NOW = 1_700_000_000;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

async function verify(
  provider: ProviderName | WebhookScheme,
  body: string,
  extraHeaders: Record<string, string> = {},
  options: { id?: string; parse?: boolean } = {},
) {
  const signed = await signWebhook({
    provider,
    secret: SECRET,
    body,
    timestamp: NOW,
    ...(options.id === undefined ? {} : { id: options.id }),
  });
  const parse = vi.spyOn(JSON, 'parse');
  parse.mockClear(); // a spy already in place (an earlier call in the same test) keeps its calls
  const result = await verifyWebhook(
    { body, headers: { ...signed.headers, ...extraHeaders } },
    { provider, secret: SECRET, now: NOW * 1000, parse: options.parse ?? false },
  );
  const parsesDuringVerify = parse.mock.calls.length;
  return { result, parsesDuringVerify, parse };
}

function isData(object: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && 'value' in descriptor;
}

afterEach(() => vi.restoreAllMocks());

describe('with parse off, verification does not parse the body', () => {
  it('stripe: a JSON body is parsed once, on the first read of id or type', async () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
    const { result, parsesDuringVerify, parse } = await verify('stripe', body);
    expect(parsesDuringVerify).toBe(0);
    expect(result.type).toBe('invoice.paid');
    expect(result.id).toBe('evt_1');
    expect(parse).toHaveBeenCalledTimes(1);
    expect(isData(result, 'id') && isData(result, 'type')).toBe(true);
    expect(result).toEqual({
      provider: 'stripe',
      id: 'evt_1',
      type: 'invoice.paid',
      timestamp: NOW,
      body,
    });
  });

  it('stripe: a body that is not JSON still verifies; its body fields read undefined and are left out', async () => {
    const { result, parsesDuringVerify } = await verify('stripe', 'not json {');
    expect(parsesDuringVerify).toBe(0);
    expect(result.body).toBe('not json {');
    expect(result.id).toBeUndefined();
    expect(result.type).toBeUndefined();
    expect('id' in result || 'type' in result || 'action' in result).toBe(false);
    expect(result).toEqual({ provider: 'stripe', timestamp: NOW, body: 'not json {' });
  });

  it('github: id and type come from the headers at once; action waits for a read', async () => {
    const headers = { 'x-github-event': 'issues' };
    const { result, parsesDuringVerify, parse } = await verify('github', 'plain text', headers, {
      id: 'd-1',
    });
    expect(parsesDuringVerify).toBe(0);
    expect(isData(result, 'id') && isData(result, 'type')).toBe(true);
    expect(result.id).toBe('d-1');
    expect(result.type).toBe('issues');
    expect(parse).not.toHaveBeenCalled();
    expect(result.action).toBeUndefined();
    expect(parse).toHaveBeenCalledTimes(1);
    expect('action' in result).toBe(false);

    const json = await verify('github', '{"action":"opened"}', headers, { id: 'd-2' });
    expect(json.parsesDuringVerify).toBe(0);
    expect({ ...json.result }).toMatchObject({ id: 'd-2', type: 'issues', action: 'opened' });
  });

  it('standard webhooks: the id header at once, the body type lazily; JSON.stringify sees it', async () => {
    const body = '{"type":"user.created"}';
    const { result, parsesDuringVerify } = await verify(
      'standard-webhooks',
      body,
      {},
      { id: 'm1' },
    );
    expect(parsesDuringVerify).toBe(0);
    expect(isData(result, 'id')).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ id: 'm1', type: 'user.created' });
  });

  it('shopify (headers only) never parses, even when every field is read', async () => {
    const { result, parse } = await verify('shopify', 'not json', {
      'x-shopify-topic': 'orders/create',
      'x-shopify-webhook-id': 'w-1',
    });
    expect(result).toMatchObject({ id: 'w-1', type: 'orders/create' });
    expect(result.action).toBeUndefined();
    expect(parse).not.toHaveBeenCalled();
  });

  it('a field written before it is read keeps the written value', async () => {
    const { result, parse } = await verify('stripe', '{"id":"evt_2","type":"a.b"}');
    result.type = 'mine';
    expect(result.type).toBe('mine');
    expect(result.id).toBe('evt_2');
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('a custom event reader that prefers the body over a header gets the body value', async () => {
    const base = hmacScheme({
      name: 'acme',
      header: 'x-acme-signature',
      algorithm: 'sha256',
      encoding: 'hex',
    });
    const acme = defineScheme({
      ...base,
      event: ({ request, json }) => ({
        type: (json() as { kind?: string } | undefined)?.kind ?? request.header('x-acme-kind'),
      }),
    });
    const headers = { 'x-acme-kind': 'from-header' };
    const fromBody = await verify(acme, '{"kind":"from-body"}', headers);
    expect(fromBody.parsesDuringVerify).toBe(0);
    expect(fromBody.result.type).toBe('from-body');
    const notJson = await verify(acme, 'nope', headers);
    expect(notJson.result.type).toBe('from-header');
  });

  it('parse: true parses once, up front, and the fields are plain data', async () => {
    const body = JSON.stringify({ id: 'evt_3', type: 'x.y', n: 1 });
    const { result, parsesDuringVerify } = await verify('stripe', body, {}, { parse: true });
    expect(parsesDuringVerify).toBe(1);
    expect(isData(result, 'id') && isData(result, 'type')).toBe(true);
    expect(result).toMatchObject({ id: 'evt_3', type: 'x.y', payload: { id: 'evt_3', n: 1 } });
  });
});
