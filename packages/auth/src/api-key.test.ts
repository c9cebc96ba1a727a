import { describe, expect, it } from 'vitest';
import {
  AuthGrantError,
  AuthOptionError,
  AuthRefreshError,
  apiKey,
  type Credential,
} from './index.js';

describe('apiKey', () => {
  it('authorizes with the current key, with a prefix, in a header or the query', () => {
    expect(apiKey({ header: 'authorization', prefix: 'Token ', keys: ['k1'] }).authorize()).toEqual(
      {
        in: 'header',
        name: 'authorization',
        value: 'Token k1',
      },
    );
    expect(apiKey({ query: 'key', keys: ['k1', 'k0'] }).authorize()).toEqual({
      in: 'query',
      name: 'key',
      value: 'k1',
    });
  });

  it('rejected() offers the other key once per credential, nothing for a single key or a stranger', async () => {
    const two = apiKey({ header: 'x', keys: ['a', 'b'] });
    const a = two.authorize() as Credential;
    const b = (await two.rejected(a)) as Credential;
    expect(b.value).toBe('b');
    expect((await two.rejected(b))?.value).toBe('a');
    expect(await two.rejected({ in: 'header', name: 'x', value: 'zzz' })).toBeUndefined();
    const one = apiKey({ header: 'x', keys: ['a'] });
    expect(await one.rejected(one.authorize() as Credential)).toBeUndefined();
    one.accepted?.({ in: 'header', name: 'x', value: 'stranger' });
    expect(one.preferred).toBe('current');
  });

  it('validate() probes both keys and reports each; throws when none works', async () => {
    const probe = (ok: string[]) => async (c: Credential) => ok.includes(c.value);
    expect(
      await apiKey({ header: 'x', keys: ['a', 'b'], probe: probe(['a', 'b']) }).validate(),
    ).toEqual({
      current: true,
      previous: true,
    });
    expect(await apiKey({ header: 'x', keys: ['a', 'b'], probe: probe(['b']) }).validate()).toEqual(
      {
        current: false,
        previous: true,
      },
    );
    expect(await apiKey({ header: 'x', keys: ['a'], probe: probe(['a']) }).validate()).toEqual({
      current: true,
      previous: undefined,
    });
    const throwing = apiKey({
      header: 'x-api-key',
      keys: ['secret-a', 'secret-b'],
      probe: async () => {
        throw new Error('network down with secret-a');
      },
    });
    // A probe that throws (network down) is no verdict on the keys: not "invalid_api_key".
    const error = await throwing.validate().catch((e) => e);
    expect(error).toBeInstanceOf(AuthRefreshError);
    expect(error).toMatchObject({ code: 'AUTH_REFRESH_FAILED', reason: 'network' });
    expect(error.message).not.toContain('secret-a');
    expect(error.cause).toBeUndefined();
    const refused = await apiKey({ header: 'x', keys: ['a', 'b'], probe: probe([]) })
      .validate()
      .catch((e) => e);
    expect(refused).toBeInstanceOf(AuthGrantError);
    expect(refused.message).toContain('Neither the current nor the previous key');
    const single = await apiKey({ header: 'x', keys: ['a'], probe: probe([]) })
      .validate()
      .catch((e) => e);
    expect(single.message).toContain('Check the key.');
    await expect(apiKey({ header: 'x', keys: ['a'] }).validate()).rejects.toBeInstanceOf(
      AuthOptionError,
    );
  });

  it('rejects bad options at construction', () => {
    const bad: Array<[unknown, string]> = [
      [{ keys: ['a'] }, 'header'],
      [{ header: 'x', query: 'y', keys: ['a'] }, 'header'],
      [{ header: '', keys: ['a'] }, 'header'],
      [{ query: '', keys: ['a'] }, 'query'],
      [{ header: 'x', keys: [] }, 'keys'],
      [{ header: 'x', keys: ['a', 'b', 'c'] }, 'keys'],
      [{ header: 'x', keys: 'a' }, 'keys'],
      [{ header: 'x', keys: ['a', ''] }, 'keys'],
    ];
    for (const [options, option] of bad) {
      expect(() => apiKey(options as never)).toThrow(expect.objectContaining({ option }) as Error);
    }
  });
});
