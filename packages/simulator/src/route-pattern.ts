/** A compiled `'METHOD /path/:param'` pattern (`*` as the method matches any). */
export interface RoutePattern {
  key: string;
  method: string;
  segments: readonly string[];
}

/** Compiles `'POST /charges/:id'`; `undefined` when the key is not `METHOD /path`. */
export function compileRoute(key: string): RoutePattern | undefined {
  const space = key.indexOf(' ');
  if (space <= 0) return undefined;
  const method = key.slice(0, space).toUpperCase();
  const path = key.slice(space + 1).trim();
  if (!path.startsWith('/')) return undefined;
  return { key, method, segments: path.split('/').slice(1) };
}

/** The params of `path` under `pattern`, or `undefined` when it does not match. */
export function matchRoute(
  pattern: RoutePattern,
  method: string,
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.method !== '*' && pattern.method !== method) return undefined;
  if (pattern.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < segments.length; i++) {
    const want = pattern.segments[i] as string;
    const got = segments[i] as string;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      params[want.slice(1)] = got;
    } else if (want !== got) return undefined;
  }
  return params;
}

/** The path's segments, each percent-decoded (undecodable ones kept as sent). */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .slice(1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
