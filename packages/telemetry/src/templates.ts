/**
 * The template every path that matches no declared template falls into: one series, never
 * the raw path.
 *
 * @example
 * ```ts
 * import { OTHER_TEMPLATE } from '@brace/telemetry';
 *
 * console.log(OTHER_TEMPLATE); // 'other'
 * ```
 */
export const OTHER_TEMPLATE = 'other';

/** The longest path this package splits into segments; longer paths are `other`. */
const MAX_PATH_LENGTH = 2048;

interface Compiled {
  template: string;
  method: string | undefined;
  segments: Array<string | null>;
  rest: boolean;
}

/**
 * How `url.template` is chosen: a list of templates (`'/users/{id}'`, `'GET /users/{id}'`,
 * `'/files/{path+}'` for the rest of the path), or a function returning the template (or
 * `undefined` for `other`).
 *
 * @example
 * ```ts
 * import type { TemplateOption } from '@brace/telemetry';
 *
 * const templates: TemplateOption = ['/v1/customers/{id}', 'POST /v1/charges', '/v1/files/{path+}'];
 * ```
 */
export type TemplateOption =
  | readonly string[]
  | ((request: { method: string; path: string }) => string | undefined);

function compile(spec: string): Compiled {
  const space = spec.indexOf(' ');
  const method = space > 0 ? spec.slice(0, space).toUpperCase() : undefined;
  const template = space > 0 ? spec.slice(space + 1).trim() : spec.trim();
  const parts = template.split('/').filter((part) => part !== '');
  let rest = false;
  const segments: Array<string | null> = [];
  for (const [index, part] of parts.entries()) {
    const isParam = part.startsWith('{') && part.endsWith('}');
    if (isParam && part.endsWith('+}') && index === parts.length - 1) {
      rest = true;
      break;
    }
    segments.push(isParam || part.startsWith(':') ? null : part);
  }
  return { template, method, segments, rest };
}

function splitPath(path: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47 /* / */) {
      if (i > start) parts.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return parts;
}

function matches(compiled: Compiled, method: string, parts: string[]): boolean {
  if (compiled.method !== undefined && compiled.method !== method) return false;
  const { segments } = compiled;
  if (compiled.rest ? parts.length <= segments.length : parts.length !== segments.length) {
    return false;
  }
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment !== null && segment !== parts[i]) return false;
  }
  return true;
}

/**
 * A compiled template matcher: `(method, path) => template | undefined`.
 *
 * @example
 * ```ts
 * import { compileTemplates, type TemplateMatcher } from '@brace/telemetry';
 *
 * const match: TemplateMatcher = compileTemplates(['/users/{id}']);
 * ```
 */
export type TemplateMatcher = (method: string, path: string) => string | undefined;

/**
 * Compiles the `template` option into a matcher. The first declared template that matches
 * wins; a template's literal segments must equal the path's, `{name}` (or `:name`) matches one
 * non-empty segment, and a final `{name+}` matches one or more. The result is always one of
 * the declared templates, so the number of series is bounded by the list.
 *
 * @example
 * ```ts
 * import { compileTemplates } from '@brace/telemetry';
 *
 * const match = compileTemplates(['/users/{id}']);
 * match('GET', '/users/42'); // '/users/{id}'
 * match('GET', '/orders/7'); // undefined (counted as 'other')
 * ```
 */
export function compileTemplates(option: TemplateOption | undefined): TemplateMatcher {
  if (option === undefined) return () => undefined;
  if (typeof option === 'function') {
    return (method, path) => option({ method, path });
  }
  const compiled = option.map(compile);
  return (method, path) => {
    if (path.length > MAX_PATH_LENGTH) return undefined;
    const parts = splitPath(path);
    for (const entry of compiled) {
      if (matches(entry, method, parts)) return entry.template;
    }
    return undefined;
  };
}
