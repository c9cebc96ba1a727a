import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProblemDetails } from './parse.js';

/** The oracle: `ref` resolved against `base` stripped of user info, query and fragment. */
function expected(ref: string, base: string): string {
  const url = URL.parse(base);
  if (url === null) return ref;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return URL.parse(ref, url.href)?.href ?? ref;
}

const relative = fc.oneof(
  fc.constantFrom('', '#quota', '?page=2', '.', '..', '../up', 'rel/x', '/abs/y', '//h2.test/z'),
  fc.webPath(),
  fc.string(),
);

describe('base URL', () => {
  it('resolves against the base stripped of user info, query and fragment, whether or not it holds any', () => {
    const bases = fc.oneof(
      fc.webUrl(),
      fc.webUrl({
        withQueryParameters: true,
        withFragments: true,
        authoritySettings: { withUserInfo: true, withPort: true },
      }),
      fc.string(),
    );
    fc.assert(
      fc.property(relative, bases, fc.boolean(), (ref, base, asUrl) => {
        const parsed = URL.parse(base);
        const baseUrl = asUrl && parsed !== null ? parsed : base;
        const problem = parseProblemDetails({ type: ref, instance: ref }, { baseUrl });
        const want = /^[a-z][a-z\d+.-]*:/i.test(ref) ? ref : expected(ref, base);
        expect(problem.type).toBe(want);
        expect(problem.instance).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps references as given when a base with a query, fragment or user info is not a URL', () => {
    for (const baseUrl of ['not a url?x=1', 'nope#frag', 'a@b']) {
      expect(parseProblemDetails({ type: '/p', instance: 'i' }, { baseUrl })).toMatchObject({
        type: '/p',
        instance: 'i',
      });
    }
  });

  it('leaves a base with nothing to strip as it is, and an absolute reference untouched', () => {
    const baseUrl = 'https://api.example.com/account/12345/msgs';
    const problem = parseProblemDetails(
      { type: 'https://example.com/probs/out-of-credit', instance: '/account/12345/msgs/abc' },
      { baseUrl },
    );
    expect(problem.type).toBe('https://example.com/probs/out-of-credit');
    expect(problem.instance).toBe('https://api.example.com/account/12345/msgs/abc');
  });
});
