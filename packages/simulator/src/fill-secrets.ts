import type { Interaction } from './record.js';
import { REDACTED } from './redact.js';

/** A recorded request made sendable again: its redacted values filled in, or named as missing. */
export interface FilledRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What is still redacted (`header authorization`, `query api_key`, `field client_secret`). */
  missing: string[];
}

function lookup(credentials: Record<string, string>, name: string): string | undefined {
  if (Object.hasOwn(credentials, name)) return credentials[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(credentials))
    if (key.toLowerCase() === lower) return value;
  return undefined;
}

function fillQuery(
  query: string,
  credentials: Record<string, string>,
  missing: string[],
  kind: string,
): string {
  const params = new URLSearchParams(query);
  let changed = false;
  for (const [name, value] of [...params]) {
    if (value !== REDACTED) continue;
    const given = lookup(credentials, name);
    if (given === undefined) missing.push(`${kind} ${name}`);
    else {
      params.set(name, given);
      changed = true;
    }
  }
  return changed ? params.toString() : query;
}

function fillJson(
  value: unknown,
  name: string,
  credentials: Record<string, string>,
  missing: string[],
): unknown {
  if (Array.isArray(value)) return value.map((v) => fillJson(v, name, credentials, missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fillJson(v, k, credentials, missing);
    return out;
  }
  if (value !== REDACTED) return value;
  const given = lookup(credentials, name);
  if (given === undefined) missing.push(`field ${name}`);
  return given ?? value;
}

/**
 * Fills the redacted values of a recorded request from `credentials` (by header, query parameter
 * or field name, case-insensitive); headers the caller sends itself (`given`) need no filling.
 * Whatever stays redacted is listed in `missing`, so the request is not sent with a literal
 * `[REDACTED]` as a credential.
 */
export function fillSecrets(
  request: Interaction['request'],
  credentials: Record<string, string>,
  given: Record<string, string>,
): FilledRequest {
  const missing: string[] = [];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (lookup(given, name) !== undefined) continue; // the caller's header replaces it
    if (value !== REDACTED) headers[name] = value;
    else {
      const filled = lookup(credentials, name);
      if (filled === undefined) missing.push(`header ${name}`);
      else headers[name] = filled;
    }
  }
  const q = request.path.indexOf('?');
  const path =
    q < 0
      ? request.path
      : `${request.path.slice(0, q)}?${fillQuery(request.path.slice(q + 1), credentials, missing, 'query')}`;
  let body = request.body;
  const type = lookup(request.headers, 'content-type') ?? '';
  if (body.includes(REDACTED) || body.includes(encodeURIComponent(REDACTED))) {
    if (type.includes('application/x-www-form-urlencoded')) {
      body = fillQuery(body, credentials, missing, 'field');
    } else if (type.includes('json')) {
      try {
        body = JSON.stringify(fillJson(JSON.parse(body), '', credentials, missing));
      } catch {
        missing.push('body');
      }
    } else missing.push('body');
  }
  return { path, headers, body, missing: [...new Set(missing)] };
}
