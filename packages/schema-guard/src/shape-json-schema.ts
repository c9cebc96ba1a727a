// Shapes from JSON Schema, for Standard Schema vendors that expose one (arktype, and any
// library implementing Standard JSON Schema's `~standard.jsonSchema.input`).
import type { Shape } from './shape.js';

type Json = Record<string, unknown>;
type ObjectShape = Extract<Shape, { k: 'object' }>;

/** What the JSON-Schema compiler needs from `shape.ts` (passed in to avoid an import cycle). */
export interface ShapeKit {
  any: Shape;
  enumShape(values: ReadonlyArray<unknown>): Shape;
  objectShape(memo: Map<object, Shape>, key: object): ObjectShape;
  addField(shape: ObjectShape, key: string, sub: Shape, optional: boolean): void;
}

const MAX_DEPTH = 64;
const PRIMS: Record<string, Shape> = {
  string: { k: 'prim', t: 'string' },
  number: { k: 'prim', t: 'number' },
  integer: { k: 'prim', t: 'number' },
  boolean: { k: 'prim', t: 'boolean' },
  null: { k: 'prim', t: 'null' },
};

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON Schema a Standard Schema offers for its input, or undefined. */
export function inputJsonSchema(schema: unknown): Json | undefined {
  const standard = (schema as { '~standard'?: { jsonSchema?: { input?: unknown } } })['~standard'];
  const input = standard?.jsonSchema?.input;
  if (typeof input !== 'function') return undefined;
  try {
    const json = (input as (options: { target: string }) => unknown).call(standard?.jsonSchema, {
      target: 'draft-2020-12',
    });
    return isJson(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compiles a JSON Schema into a {@link Shape}. An object without `additionalProperties` (or
 * with `false`) reports unknown keys as drift whether or not the validator strips them
 * (arktype keeps them by default); `true`, `{}` or `patternProperties` let them pass; a
 * schema checks them. Local `$ref`s (`#/$defs/…`) are followed, recursion included.
 */
export function fromJsonSchema(root: Json, kit: ShapeKit): Shape {
  const memo = new Map<object, Shape>();
  const defs = (
    isJson(root.$defs) ? root.$defs : isJson(root.definitions) ? root.definitions : {}
  ) as Json;

  function resolve(node: Json): Json | undefined {
    const ref = node.$ref;
    if (typeof ref !== 'string') return node;
    const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
    const target = match === null ? undefined : defs[match[1] as string];
    return isJson(target) ? target : undefined;
  }

  function union(options: Shape[]): Shape {
    let disc: string | undefined;
    const first = options[0];
    if (first?.k === 'object') {
      for (const [key, field] of first.fields) {
        if (
          field.shape.k === 'enum' &&
          options.every((o) => o.k === 'object' && o.fields.get(key)?.shape.k === 'enum')
        ) {
          disc = key;
          break;
        }
      }
    }
    return { k: 'union', options, disc };
  }

  function compile(value: unknown, depth: number): Shape {
    if (!isJson(value) || depth > MAX_DEPTH) return kit.any;
    const node = resolve(value);
    if (node === undefined) return kit.any;
    const seen = memo.get(node);
    if (seen !== undefined) return seen;
    const next = (v: unknown) => compile(v, depth + 1);
    if ('const' in node) return kit.enumShape([node.const]);
    if (Array.isArray(node.enum)) return kit.enumShape(node.enum);
    const choices = Array.isArray(node.anyOf)
      ? node.anyOf
      : Array.isArray(node.oneOf)
        ? node.oneOf
        : undefined;
    if (choices !== undefined) return union(choices.map(next));
    const type = node.type;
    if (Array.isArray(type)) {
      return union(type.map((t) => (typeof t === 'string' ? (PRIMS[t] ?? kit.any) : kit.any)));
    }
    if (type === 'array') return { k: 'array', item: next(node.items) };
    if (type === 'object') return object(node, depth);
    return typeof type === 'string' ? (PRIMS[type] ?? kit.any) : kit.any;
  }

  function object(node: Json, depth: number): Shape {
    const properties = isJson(node.properties) ? node.properties : {};
    const extra = node.additionalProperties;
    const keys = Object.keys(properties);
    if (keys.length === 0 && isJson(extra) && Object.keys(extra).length > 0) {
      return { k: 'record', value: compile(extra, depth + 1) };
    }
    const shape = kit.objectShape(memo, node);
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    for (const key of keys) {
      kit.addField(shape, key, compile(properties[key], depth + 1), !required.has(key));
    }
    if (
      node.patternProperties !== undefined ||
      extra === true ||
      (isJson(extra) && Object.keys(extra).length === 0)
    ) {
      shape.rest = 'pass';
    } else if (isJson(extra)) {
      shape.rest = compile(extra, depth + 1);
    } else {
      shape.rest = 'strip';
    }
    return shape;
  }

  return compile(root, 0);
}
