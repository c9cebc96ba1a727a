/**
 * The host (`host[:port]`, as `URL#host` gives it) of a serialized absolute URL such as
 * `Request#url` or `URL#href`, read without parsing the URL again: the serializer already
 * lowercased the host and dropped the default port; credentials are skipped. Returns `''` for
 * a string without `://`. Pass only serialized URLs: a raw user string may carry upper-case
 * letters or a default port (parse it with `new URL()` first).
 *
 * @example
 * ```ts
 * import { hostOfUrl } from '@brace/core';
 *
 * hostOfUrl(new Request('https://API.example.com:443/v2/users').url); // 'api.example.com'
 * ```
 */
export function hostOfUrl(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return '';
  let start = scheme + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 || c === 63 || c === 35) break; // '/', '?', '#'
    end++;
    if (c === 64) start = end; // '@' ends the credentials
  }
  return url.slice(start, end);
}
