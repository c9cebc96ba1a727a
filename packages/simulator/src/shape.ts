/** The JSON shape of a value: type names, with object members and array items. */
export type Shape = string | { [key: string]: Shape } | Shape[];

/** The shape of a JSON value (arrays: the shape of their first item). */
export function shapeOf(value: unknown, depth = 0): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value))
    return value.length === 0 || depth > 32 ? [] : [shapeOf(value[0], depth + 1)];
  if (typeof value === 'object') {
    const out: Record<string, Shape> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = depth > 32 ? 'object' : shapeOf(v, depth + 1);
    return out;
  }
  return typeof value;
}

const typeName = (s: Shape) => (typeof s === 'string' ? s : Array.isArray(s) ? 'array' : 'object');

/** Where two shapes differ, one line each: `$.a.b: number → string`, `$.c: removed`, `$.d: added`. */
export function shapeDiff(recorded: Shape, live: Shape, path = '$'): string[] {
  const a = typeName(recorded);
  const b = typeName(live);
  if (a !== b) return [`${path}: ${a} → ${b}`];
  if (Array.isArray(recorded) && Array.isArray(live)) {
    if (recorded.length === 0 || live.length === 0) return [];
    return shapeDiff(recorded[0] as Shape, live[0] as Shape, `${path}[]`);
  }
  if (typeof recorded === 'object' && typeof live === 'object') {
    const r = recorded as Record<string, Shape>;
    const l = live as Record<string, Shape>;
    const out: string[] = [];
    for (const key of Object.keys(r)) {
      if (!Object.hasOwn(l, key)) out.push(`${path}.${key}: removed`);
      else out.push(...shapeDiff(r[key] as Shape, l[key] as Shape, `${path}.${key}`));
    }
    for (const key of Object.keys(l)) if (!Object.hasOwn(r, key)) out.push(`${path}.${key}: added`);
    return out;
  }
  return [];
}
