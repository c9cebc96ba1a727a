/** What replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/** Header names always redacted. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
]);
/** Any header or field whose name contains one of these is redacted. */
const SECRET_NAME =
  /token|secret|password|passwd|api[-_]?key|^key$|access[-_]?key|private[-_]?key|signature|credential|session|^auth$|authorization/i;

/**
 * What to redact besides the defaults: `Authorization`, cookies, API-key headers, and any header,
 * query parameter or JSON/form field whose name contains token, secret, password, api_key,
 * access_key, private_key, signature, credential or session (or is `key`, `auth` or
 * `authorization`).
 *
 * @example
 * ```ts
 * import type { RedactOptions } from '@brace/simulator';
 *
 * const redact: RedactOptions = { headers: ['x-shop-domain'], fields: ['email'] };
 * ```
 */
export interface RedactOptions {
  /** More header names to redact. */
  headers?: readonly string[];
  /** More JSON/form field and query parameter names to redact. */
  fields?: readonly string[];
}

/** Names that match the pattern but never hold a secret. */
const NOT_SECRET = new Set(['token_type']);

function secretName(name: string, extra: readonly string[] | undefined): boolean {
  return (
    (SECRET_NAME.test(name) && !NOT_SECRET.has(name.toLowerCase())) ||
    (extra?.some((e) => e.toLowerCase() === name.toLowerCase()) ?? false)
  );
}

/** Headers with secrets replaced. */
export function redactHeaders(
  headers: Record<string, string>,
  options: RedactOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] =
      SECRET_HEADERS.has(name.toLowerCase()) || secretName(name, options.headers)
        ? REDACTED
        : value;
  }
  return out;
}

/** A JSON value with every string or number under a secret name replaced (shape kept). */
function redactValue(
  value: unknown,
  options: RedactOptions,
  depth: number,
  secret: boolean,
): unknown {
  // Deeper than anything real: nothing below is looked at, so nothing below is kept.
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, options, depth + 1, secret));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = redactValue(v, options, depth + 1, secret || secretName(k, options.fields));
    }
    return out;
  }
  return secret && (typeof value === 'string' || typeof value === 'number') ? REDACTED : value;
}

/** A body (JSON or form) with secret fields replaced; other bodies unchanged. */
export function redactBody(body: string, contentType: string, options: RedactOptions = {}): string {
  if (body === '') return body;
  if (contentType.includes('application/x-www-form-urlencoded')) return redactQuery(body, options);
  if (!contentType.includes('json')) return body;
  try {
    return JSON.stringify(redactValue(JSON.parse(body), options, 0, false));
  } catch {
    return body;
  }
}

/** A query string (or form body) with secret parameters replaced. */
export function redactQuery(query: string, options: RedactOptions = {}): string {
  const params = new URLSearchParams(query);
  for (const name of new Set(params.keys())) {
    if (secretName(name, options.fields)) params.set(name, REDACTED);
  }
  return params.toString();
}

/** A path with its query's secret parameters replaced. */
export function redactPath(path: string, options: RedactOptions = {}): string {
  const q = path.indexOf('?');
  return q < 0 ? path : `${path.slice(0, q)}?${redactQuery(path.slice(q + 1), options)}`;
}
