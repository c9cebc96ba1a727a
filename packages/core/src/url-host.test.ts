import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostOfUrl } from './url-host.js';

describe('hostOfUrl', () => {
  it('reads the host and port of serialized URLs', () => {
    expect(hostOfUrl(new Request('https://API.example.com:443/v2/users?x=1').url)).toBe(
      'api.example.com',
    );
    expect(hostOfUrl(new URL('http://user:p%40w@h.test:8080?q').href)).toBe('h.test:8080');
    expect(hostOfUrl(new URL('http://[::1]:3000#frag').href)).toBe('[::1]:3000');
    expect(hostOfUrl('not a url')).toBe('');
  });

  it('agrees with URL#host on every serialized web URL (property)', () => {
    fc.assert(
      fc.property(
        fc.webUrl({
          withQueryParameters: true,
          withFragments: true,
          authoritySettings: { withUserInfo: true, withPort: true },
        }),
        (raw) => {
          const url = new URL(raw);
          expect(hostOfUrl(url.href)).toBe(url.host);
        },
      ),
    );
  });
});
