// The no-drift fast path: decides, without allocating, that a payload has no drift at all,
// so the drift walk (drift.ts) only runs on payloads that do drift.
import type { JsonType, Shape } from './shape.js';

/** Small integer kinds for the no-drift fast path: one switch, no string compares. */
export enum Code {
  Any = 0,
  String = 1,
  Number = 2,
  Boolean = 3,
  Null = 4,
  Enum = 5,
  Nested = 6,
}
const CODE_MASK = 7;
/** Flag added to a field's {@link Code} when the field is optional. */
export const OPTIONAL = 8;

/** The fast-path kind of a field or item shape. */
export function codeOf(shape: Shape): Code {
  switch (shape.k) {
    case 'any':
    case 'diff':
      return Code.Any;
    case 'prim':
      return PRIM_CODES[shape.t];
    case 'enum':
      return Code.Enum;
    default:
      return Code.Nested;
  }
}

const PRIM_CODES: Record<JsonType, Code> = {
  string: Code.String,
  number: Code.Number,
  boolean: Code.Boolean,
  null: Code.Null,
  object: Code.Nested,
  array: Code.Nested,
};

/** Same as drift.ts's MAX_DRIFT_DEPTH: past it the walk finds nothing either. */
const MAX_DRIFT_CHECK_DEPTH = 64;

type ObjectShape = Extract<Shape, { k: 'object' }>;
type EnumShape = Extract<Shape, { k: 'enum' }>;
/** Positions of the key-order cache per object shape: bounded whatever the payload. */
const ORDER_CACHE_EXTRA = 16;

/**
 * Whether `value` has no drift at all against `shape`, decided without allocating: a tight
 * loop over the payload's keys. `false` only means "walk it to find out".
 */
export function conforms(shape: Shape, value: unknown, depth: number): boolean {
  if (depth > MAX_DRIFT_CHECK_DEPTH) return true;
  switch (shape.k) {
    case 'prim':
      return shape.t === 'null' ? value === null : typeof value === shape.t;
    case 'enum':
      return enumHas(shape, value);
    case 'object':
      return conformsObject(shape, value, depth);
    case 'array':
      return Array.isArray(value) && itemsOk(shape.item, value, depth + 1);
    case 'record':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      for (const key in value) {
        if (!conforms(shape.value, (value as Record<string, unknown>)[key], depth + 1)) {
          return false;
        }
      }
      return true;
    case 'union':
      return conformsUnion(shape, value, depth);
    default:
      return true;
  }
}

function conformsObject(shape: ObjectShape, value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const { codes, order, orderIdx } = shape;
  let p = 0;
  let required = 0;
  // Same visit as the walk (for-in), so both agree on which keys exist. Payloads of one API
  // share a key order: a pointer compare against the cached order replaces the map lookup.
  for (const key in record) {
    if (order[p] !== key) return conformsObjectSlow(shape, record, depth);
    const i = orderIdx[p++] as number;
    const item = record[key];
    if (i < 0) {
      if (!restOk(shape, item, depth)) return false;
      continue;
    }
    const code = codes[i] as number;
    if (code === Code.String) {
      if (typeof item !== 'string') return false;
      required++;
      continue;
    }
    if ((code & OPTIONAL) === 0) required++;
    else if (item === undefined) continue;
    if (!leafOk(shape.subs[i] as Shape, code, item, depth + 1)) return false;
  }
  return required === shape.required;
}

/** {@link conformsObject} when the key order differs from the cached one: looks keys up and re-caches. */
function conformsObjectSlow(
  shape: ObjectShape,
  record: Record<string, unknown>,
  depth: number,
): boolean {
  const { codes, order, orderIdx } = shape;
  const cacheable = codes.length + ORDER_CACHE_EXTRA;
  let p = 0;
  let required = 0;
  for (const key in record) {
    const i = shape.index.get(key) ?? -1;
    if (p < cacheable) {
      order[p] = key;
      orderIdx[p] = i;
    }
    p++;
    const item = record[key];
    if (i < 0) {
      if (!restOk(shape, item, depth)) return false;
      continue;
    }
    const code = codes[i] as number;
    if ((code & OPTIONAL) === 0) required++;
    else if (item === undefined) continue;
    if (!leafOk(shape.subs[i] as Shape, code, item, depth + 1)) return false;
  }
  return required === shape.required;
}

/** An object key that is not a field: fine when kept as-is, drift when stripped. */
function restOk(shape: ObjectShape, item: unknown, depth: number): boolean {
  const rest = shape.rest;
  return rest === 'pass' || (rest !== 'strip' && conforms(rest, item, depth + 1));
}

/** One value against a field or item shape whose {@link Code} is known. */
function leafOk(sub: Shape, code: number, item: unknown, depth: number): boolean {
  switch (code & CODE_MASK) {
    case Code.String:
      return typeof item === 'string';
    case Code.Number:
      return typeof item === 'number';
    case Code.Boolean:
      return typeof item === 'boolean';
    case Code.Null:
      return item === null;
    case Code.Enum:
      return enumHas(sub as EnumShape, item);
    case Code.Nested:
      return conforms(sub, item, depth);
    default:
      return true;
  }
}

function enumHas(shape: EnumShape, item: unknown): boolean {
  const list = shape.list;
  // A few values: === beats hashing. A miss falls back to the Set (SameValueZero, NaN).
  if (list.length <= 8) {
    for (let j = 0; j < list.length; j++) if (list[j] === item) return true;
  }
  return shape.values.has(item);
}

function itemsOk(item: Shape, values: unknown[], depth: number): boolean {
  const code = codeOf(item);
  for (let i = 0; i < values.length; i++) {
    if (!leafOk(item, code, values[i], depth)) return false;
  }
  return true;
}

function conformsUnion(
  shape: Extract<Shape, { k: 'union' }>,
  value: unknown,
  depth: number,
): boolean {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (shape.disc !== undefined && type === 'object') {
    const tag = (value as Record<string, unknown>)[shape.disc];
    for (const option of shape.options) {
      const field = option.k === 'object' ? option.fields.get(shape.disc) : undefined;
      if (field?.shape.k === 'enum' && field.shape.values.has(tag)) {
        return conforms(option, value, depth);
      }
    }
    return false;
  }
  let candidate: Shape | undefined;
  let candidates = 0;
  for (const option of shape.options) {
    switch (option.k) {
      case 'any':
      case 'diff':
        return true;
      case 'prim':
        if (option.t === type) return true;
        break;
      case 'enum':
        if (option.values.has(value)) return true;
        break;
      default:
        if (option.k === type || (option.k === 'record' && type === 'object')) {
          candidate = option;
          candidates++;
        }
    }
  }
  // Mirrors the walk: one candidate is walked, none is a finding, several are left alone.
  if (candidates === 1) return conforms(candidate as Shape, value, depth);
  return candidates > 1;
}
