import type { HeadersInput } from '@brace/core';

/**
 * Header and query-parameter name fragments that are always redacted (case-insensitive
 * substring match): credentials, cookies, API keys, tokens, signatures, sessions.
 *
 * @example
 * ```ts
 * import { DEFAULT_SENSITIVE_NAME_PARTS } from '@brace/telemetry';
 *
 * DEFAULT_SENSITIVE_NAME_PARTS.includes('cookie'); // true
 * ```
 */
export const DEFAULT_SENSITIVE_NAME_PARTS: readonly string[] = Object.freeze([
  'auth',
  'cookie',
  'key',
  'token',
  'secret',
  'password',
  'passwd',
  'signature',
  'session',
  'credential',
]);

/**
 * Query-parameter names redacted on an exact (case-insensitive) match, besides the
 * fragments above: OpenTelemetry's list (`AWSAccessKeyId`, `Signature`, `sig`,
 * `X-Goog-Signature`) and OAuth's `code`.
 *
 * @example
 * ```ts
 * import { DEFAULT_SENSITIVE_QUERY_NAMES } from '@brace/telemetry';
 *
 * DEFAULT_SENSITIVE_QUERY_NAMES.includes('sig'); // true
 * ```
 */
export const DEFAULT_SENSITIVE_QUERY_NAMES: readonly string[] = Object.freeze([
  'sig',
  'code',
  'awsaccesskeyid',
  'x-goog-signature',
  'x-amz-credential',
]);

/**
 * The value written in place of a redacted one.
 *
 * @example
 * ```ts
 * import { REDACTED } from '@brace/telemetry';
 *
 * console.log(REDACTED); // 'REDACTED'
 * ```
 */
export const REDACTED = 'REDACTED';

/**
 * Extra names to redact, on top of the defaults (which cannot be turned off).
 *
 * @example
 * ```ts
 * import type { RedactOptions } from '@brace/telemetry';
 *
 * const redact: RedactOptions = { headers: ['x-shop-domain'], query: ['email'] };
 * ```
 */
export interface RedactOptions {
  /** Header names (exact, case-insensitive). */
  headers?: readonly string[];
  /** Query-parameter names (exact, case-insensitive). */
  query?: readonly string[];
}

/** Decides which names are sensitive. */
export interface Redactor {
  header(name: string): boolean;
  query(name: string): boolean;
}

/** Builds a {@link Redactor} from the defaults and the user's extra names. */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const headers = new Set((options.headers ?? []).map((name) => name.toLowerCase()));
  const query = new Set(
    [...DEFAULT_SENSITIVE_QUERY_NAMES, ...(options.query ?? [])].map((name) => name.toLowerCase()),
  );
  const byPart = (lower: string) =>
    DEFAULT_SENSITIVE_NAME_PARTS.some((part) => lower.includes(part));
  return {
    header: (name) => {
      const lower = name.toLowerCase();
      return headers.has(lower) || byPart(lower);
    },
    query: (name) => {
      const lower = name.toLowerCase();
      return query.has(lower) || byPart(lower);
    },
  };
}

/**
 * The URL as `url.full` may carry it: credentials replaced by `REDACTED:REDACTED`, the
 * values of sensitive query parameters by `REDACTED`, the fragment dropped.
 */
export function redactUrl(url: URL, redactor: Redactor): string {
  const auth = url.username !== '' || url.password !== '' ? `${REDACTED}:${REDACTED}@` : '';
  let search = '';
  if (url.search !== '') {
    const parts: string[] = [];
    for (const [name, value] of url.searchParams) {
      const shown = redactor.query(name) ? REDACTED : value;
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(shown)}`);
    }
    search = `?${parts.join('&')}`;
  }
  return `${url.protocol}//${auth}${url.host}${url.pathname}${search}`;
}

function entriesOf(headers: HeadersInput): Iterable<readonly [string, unknown]> {
  if (Symbol.iterator in Object(headers)) return headers as Iterable<readonly [string, string]>;
  return Object.entries(headers as Record<string, unknown>);
}

/**
 * Picks the headers named in `names` (lower-case) from `headers`, with sensitive values
 * replaced by `REDACTED`. Returns undefined when none is present.
 */
export function pickHeaders(
  headers: HeadersInput | undefined,
  names: ReadonlySet<string>,
  redactor: Redactor,
): Record<string, string> | undefined {
  if (headers === undefined || names.size === 0) return undefined;
  let picked: Record<string, string> | undefined;
  for (const [name, value] of entriesOf(headers)) {
    const lower = name.toLowerCase();
    if (!names.has(lower) || value === undefined) continue;
    picked ??= Object.create(null) as Record<string, string>;
    picked[lower] = redactor.header(lower) ? REDACTED : String(value).slice(0, 256);
  }
  return picked;
}
