import { afterEach, describe, expect, it } from 'vitest';
import { applyDrift } from './drift.js';
import { SimulatorOptionsError } from './errors.js';
import { createProvider } from './provider.js';
import type { Provider } from './provider-types.js';
import { fixedClock } from './test-utils.fixture.js';

let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
});

describe('schema drift on a schedule', () => {
  it('renames, removes, adds and retypes fields once the provider has seen `after` requests', async () => {
    provider = await createProvider({
      rateLimit: false,
      routes: {
        'GET /link': () => ({ body: { id: 'l1', shortUrl: 'u', createdAt: 't', clicks: 3 } }),
        'GET /links': () => ({
          body: { data: [{ id: 'l1', shortUrl: 'u', createdAt: 't', clicks: 3 }, 4] },
        }),
        'GET /array': () => ({ body: [{ shortUrl: 'u' }, 'x'] }),
        'GET /text': () => ({ body: 'shortUrl' }),
        'GET /broken': () =>
          new Response('{nope', { headers: { 'content-type': 'application/json' } }),
      },
      drift: [
        { after: 4, retype: { clicks: 'string' }, add: { version: 2 } },
        { after: 2, rename: { shortUrl: 'short_url' }, remove: ['createdAt'] },
      ],
    });
    const get = async (path: string) => (await fetch(`${provider?.url}${path}`)).json();
    expect(await get('/link')).toEqual({ id: 'l1', shortUrl: 'u', createdAt: 't', clicks: 3 });
    expect(await get('/link')).toEqual({ id: 'l1', short_url: 'u', clicks: 3 });
    expect(await get('/links')).toEqual({ data: [{ id: 'l1', short_url: 'u', clicks: 3 }, 4] });
    expect(await get('/link')).toEqual({ id: 'l1', short_url: 'u', clicks: '3', version: 2 });
    expect(await get('/array')).toEqual([{ short_url: 'u', version: 2 }, 'x']);
    expect(await (await fetch(`${provider.url}/text`)).text()).toBe('shortUrl');
    expect(await (await fetch(`${provider.url}/broken`)).text()).toBe('{nope');
  });

  it('afterMs: drifts once that much time has passed on the provider clock', async () => {
    const clock = fixedClock();
    provider = await createProvider({
      clock,
      rateLimit: false,
      routes: { 'GET /x': () => ({ body: { a: 1 } }) },
      drift: [{ afterMs: 60_000, rename: { a: 'b' } }],
    });
    expect(await (await fetch(`${provider.url}/x`)).json()).toEqual({ a: 1 });
    await clock.advance(60_000);
    expect(await (await fetch(`${provider.url}/x`)).json()).toEqual({ b: 1 });
  });

  it.each([[{}], [{ after: 1, afterMs: 1 }], [{ afterMs: -1 }], [{ after: 1.5 }], [null]])(
    'refuses the step %j',
    async (step) => {
      await expect(createProvider({ drift: [step as never] })).rejects.toThrow(
        SimulatorOptionsError,
      );
    },
  );

  it('retypes to every JSON type', () => {
    const body = { a: 1, b: 'xyz', c: 0, d: 1, e: 1, f: 1, g: true, h: 'keep' };
    expect(
      applyDrift(body, [
        {
          after: 0,
          retype: {
            a: 'string',
            b: 'number',
            c: 'boolean',
            d: 'null',
            e: 'array',
            f: 'object',
            g: 'number',
            h: 'string',
            missing: 'string',
          },
        },
      ]),
    ).toEqual({ a: '1', b: 3, c: false, d: null, e: [1], f: { value: 1 }, g: 1, h: 'keep' });
    expect(applyDrift(null, [{ after: 0, add: { x: 1 } }])).toBeNull();
    expect(applyDrift({ x: 1 }, [])).toEqual({ x: 1 });
  });
});
