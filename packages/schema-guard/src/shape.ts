import { codeOf, OPTIONAL } from './conforms.js';
import { fromJsonSchema, inputJsonSchema, type ShapeKit } from './shape-json-schema.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** The JSON type names used in drift findings. */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** A field of an object shape. */
export interface Field {
  shape: Shape;
  optional: boolean;
}

/**
 * What a schema expects of raw JSON, read once from the schema's own definition (zod 4's
 * `_zod.def`, valibot's schema objects). `diff` marks a schema we cannot introspect: drift is
 * then found by comparing the raw input with the validated output.
 */
export type Shape =
  | { k: 'any' }
  | { k: 'diff' }
  | { k: 'prim'; t: JsonType }
  | {
      k: 'enum';
      values: ReadonlySet<unknown>;
      list: ReadonlyArray<unknown>;
      types: ReadonlySet<string>;
    }
  | {
      k: 'object';
      fields: Map<string, Field>;
      required: number;
      /** Field name to field number (an index into `subs` and `codes`). */
      index: Map<string, number>;
      /** The field shapes, by field number. */
      subs: Shape[];
      /** Per field number: a small integer kind, plus {@link OPTIONAL} for optional fields. */
      codes: number[];
      /** A cache of the key order last seen in payloads, so known keys skip the `index` lookup. */
      order: string[];
      /** The field number (or -1: not a field) of each key in `order`. */
      orderIdx: number[];
      /** `strip`: unknown keys are drift; `pass`: kept as-is; a Shape: checked against it. */
      rest: 'strip' | 'pass' | Shape;
    }
  | { k: 'array'; item: Shape }
  | { k: 'record'; value: Shape }
  | { k: 'union'; options: Shape[]; disc: string | undefined };

const ANY: Shape = { k: 'any' };
const DIFF: Shape = { k: 'diff' };
const NULL: Shape = { k: 'prim', t: 'null' };
const MAX_COMPILE_DEPTH = 64;

interface Ctx {
  memo: Map<object, Shape>;
}

const cache = new WeakMap<object, Shape>();

/** {@link compileShape}, memoized per schema object. */
export function shapeOf(schema: StandardSchemaV1): Shape {
  let shape = cache.get(schema);
  if (shape === undefined) {
    shape = compileShape(schema);
    cache.set(schema, shape);
  }
  return shape;
}

/**
 * Reads a schema's expected JSON shape once, at route definition. zod 4 and valibot are
 * introspected; any other vendor that offers a JSON Schema of its input (arktype, Standard
 * JSON Schema's `~standard.jsonSchema`) is read from that; the rest gets the `diff` fallback.
 */
export function compileShape(schema: StandardSchemaV1): Shape {
  const vendor = schema['~standard'].vendor;
  const ctx: Ctx = { memo: new Map() };
  if (vendor === 'zod' && isZod(schema)) return fromZod(schema, ctx, 0);
  if (vendor === 'valibot' && isValibot(schema)) return fromValibot(schema, ctx, 0);
  const json = inputJsonSchema(schema);
  if (json !== undefined) return fromJsonSchema(json, KIT);
  return DIFF;
}

interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string }; optin?: string };
}

function isZod(value: unknown): value is ZodLike {
  const internals = (value as { _zod?: { def?: { type?: unknown } } })._zod;
  return typeof internals?.def?.type === 'string';
}

function enumShape(values: ReadonlyArray<unknown>): Shape {
  const types = new Set<string>();
  for (const v of values) types.add(v === null ? 'null' : typeof v);
  return { k: 'enum', values: new Set(values), list: [...new Set(values)], types };
}

function objectShape(ctx: Pick<Ctx, 'memo'>, key: object): Extract<Shape, { k: 'object' }> {
  const shape: Extract<Shape, { k: 'object' }> = {
    k: 'object',
    fields: new Map(),
    required: 0,
    index: new Map(),
    subs: [],
    codes: [],
    order: [],
    orderIdx: [],
    rest: 'strip',
  };
  ctx.memo.set(key, shape);
  return shape;
}

type ObjectShape = Extract<Shape, { k: 'object' }>;

function addField(shape: ObjectShape, key: string, sub: Shape, optional: boolean): void {
  if (!optional) shape.required++;
  shape.fields.set(key, { shape: sub, optional });
  shape.index.set(key, shape.subs.length);
  shape.subs.push(sub);
  shape.codes.push(codeOf(sub) | (optional ? OPTIONAL : 0));
}

const KIT: ShapeKit = {
  any: ANY,
  enumShape,
  objectShape: (memo, key) => objectShape({ memo }, key),
  addField,
};

function fromZod(schema: ZodLike, ctx: Ctx, depth: number): Shape {
  const seen = ctx.memo.get(schema);
  if (seen !== undefined) return seen;
  if (depth > MAX_COMPILE_DEPTH) return ANY;
  const def = schema._zod.def;
  const next = (s: unknown): Shape => (isZod(s) ? fromZod(s, ctx, depth + 1) : ANY);
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return { k: 'prim', t: 'string' };
    case 'number':
      return { k: 'prim', t: 'number' };
    case 'boolean':
      return { k: 'prim', t: 'boolean' };
    case 'null':
      return NULL;
    case 'literal':
      return enumShape(def.values as unknown[]);
    case 'enum':
      return enumShape(Object.values(def.entries as object));
    case 'optional':
    case 'nonoptional':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
      return next(def.innerType);
    case 'nullable':
      return { k: 'union', options: [next(def.innerType), NULL], disc: undefined };
    case 'pipe':
      return next(def.in);
    case 'array':
      return { k: 'array', item: next(def.element) };
    case 'record':
      return { k: 'record', value: next(def.valueType) };
    case 'union':
      return {
        k: 'union',
        options: (def.options as unknown[]).map(next),
        disc: typeof def.discriminator === 'string' ? def.discriminator : undefined,
      };
    case 'object': {
      const shape = objectShape(ctx, schema);
      const fields = def.shape as Record<string, ZodLike>;
      for (const key of Object.keys(fields)) {
        const field = fields[key] as ZodLike;
        addField(shape, key, next(field), field._zod.optin !== undefined);
      }
      const catchall = def.catchall as ZodLike | undefined;
      const rest = catchall?._zod.def.type;
      shape.rest =
        rest === undefined || rest === 'never'
          ? 'strip'
          : rest === 'unknown' || rest === 'any'
            ? 'pass'
            : next(catchall);
      return shape;
    }
    default:
      return ANY;
  }
}

interface ValibotLike {
  kind: 'schema';
  type: string;
  [key: string]: unknown;
}

function isValibot(value: unknown): value is ValibotLike {
  const v = value as { kind?: unknown; type?: unknown };
  return v.kind === 'schema' && typeof v.type === 'string';
}

const VALIBOT_OPTIONAL = new Set(['optional', 'exact_optional', 'nullish', 'undefinedable']);

function fromValibot(schema: ValibotLike, ctx: Ctx, depth: number): Shape {
  const seen = ctx.memo.get(schema);
  if (seen !== undefined) return seen;
  if (depth > MAX_COMPILE_DEPTH) return ANY;
  const next = (s: unknown): Shape => (isValibot(s) ? fromValibot(s, ctx, depth + 1) : ANY);
  switch (schema.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { k: 'prim', t: schema.type };
    case 'literal':
      return enumShape([schema.literal]);
    case 'picklist':
    case 'enum':
      return enumShape(schema.options as unknown[]);
    case 'optional':
    case 'exact_optional':
    case 'undefinedable':
    case 'non_optional':
    case 'non_nullish':
    case 'non_nullable':
      return next(schema.wrapped);
    case 'nullable':
    case 'nullish':
      return { k: 'union', options: [next(schema.wrapped), NULL], disc: undefined };
    case 'array':
      return { k: 'array', item: next(schema.item) };
    case 'record':
      return { k: 'record', value: next(schema.value) };
    case 'union':
    case 'variant':
      return {
        k: 'union',
        options: (schema.options as unknown[]).map(next),
        disc: typeof schema.key === 'string' ? schema.key : undefined,
      };
    case 'object':
    case 'strict_object':
    case 'loose_object':
    case 'object_with_rest': {
      const shape = objectShape(ctx, schema);
      const entries = schema.entries as Record<string, ValibotLike>;
      for (const key of Object.keys(entries)) {
        const entry = entries[key] as ValibotLike;
        addField(shape, key, next(entry), VALIBOT_OPTIONAL.has(entry.type));
      }
      shape.rest =
        schema.type === 'loose_object'
          ? 'pass'
          : schema.type === 'object_with_rest'
            ? next(schema.rest)
            : 'strip';
      return shape;
    }
    default:
      return ANY;
  }
}
