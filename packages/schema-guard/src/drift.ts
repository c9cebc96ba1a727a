import { conforms } from './conforms.js';
import { formatKey } from './errors.js';
import type { JsonType, Shape } from './shape.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * The kinds of drift: a key the schema does not know (it would be stripped), a required
 * field that is missing, a value of another JSON type, a value outside an enum or literal,
 * or another validation failure reported by the schema library.
 */
export type DriftKind = 'unknown-key' | 'missing' | 'type' | 'enum' | 'invalid';

/**
 * One drift found in a payload. Array indices and record keys are collapsed to `[*]` so the
 * same drift in every element is one finding.
 *
 * @example
 * ```ts
 * import type { DriftFinding } from '@brace/schema-guard';
 *
 * const finding: DriftFinding = { kind: 'unknown-key', path: '$.items[*].sku', count: 1, firstSeen: 0 };
 * ```
 */
export interface DriftFinding {
  /** What kind of drift. */
  readonly kind: DriftKind;
  /** A JSON path such as `$.user.address.zip` or `$.items[*].price`. */
  readonly path: string;
  /** What the schema expects (a JSON type or `enum`), for `type` and `enum` findings. */
  readonly expected?: string;
  /** The JSON type that arrived, for `type` and `enum` findings. Never the value itself. */
  readonly received?: string;
  /** The offending value (or the issue's message for `invalid`), only with `includeValues: true`. */
  readonly value?: unknown;
  /** How many times this drift occurred since it was last reported, this time included. */
  readonly count: number;
  /** When this drift was first seen (ms since the epoch, from the injected clock). */
  readonly firstSeen: number;
}

/**
 * A drift seen in one payload, before deduplication turns it into a {@link DriftFinding}.
 *
 * @example
 * ```ts
 * import type { DriftObservation } from '@brace/schema-guard';
 *
 * const seen: DriftObservation = { kind: 'type', path: '$.id', expected: 'number', received: 'string' };
 * ```
 */
export interface DriftObservation {
  /** What kind of drift. */
  kind: DriftKind;
  /** The JSON path, indices collapsed to `[*]`. */
  path: string;
  /** What the schema expects, for `type` and `enum`. */
  expected?: string;
  /** The JSON type that arrived, for `type` and `enum`. */
  received?: string;
  /** The value (or issue message), only with `includeValues: true`. */
  value?: unknown;
}

/**
 * The most findings collected from one payload; the walk stops there.
 *
 * @example
 * ```ts
 * import { MAX_FINDINGS_PER_PAYLOAD } from '@brace/schema-guard';
 *
 * console.log(MAX_FINDINGS_PER_PAYLOAD);
 * ```
 */
export const MAX_FINDINGS_PER_PAYLOAD = 50;
/**
 * The deepest nesting the drift walk descends into.
 *
 * @example
 * ```ts
 * import { MAX_DRIFT_DEPTH } from '@brace/schema-guard';
 *
 * console.log(MAX_DRIFT_DEPTH);
 * ```
 */
export const MAX_DRIFT_DEPTH = 64;

const ANY_INDEX = -1;

/** The JSON type of a parsed JSON value. */
export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

function pathString(path: ReadonlyArray<string | number>, last?: string): string {
  let out = '$';
  for (const key of path) out += key === ANY_INDEX ? '[*]' : formatKey(key);
  if (last !== undefined) out += formatKey(last);
  return out;
}

function describe(shape: Shape): string {
  switch (shape.k) {
    case 'prim':
      return shape.t;
    case 'enum':
      return 'enum';
    case 'union':
      return shape.options.map(describe).join('|');
    case 'record':
      return 'object';
    default:
      return shape.k;
  }
}

/** Collects findings by walking raw JSON against a compiled shape; allocates only on drift. */
export class DriftWalker {
  readonly findings: DriftObservation[] = [];
  readonly #path: Array<string | number> = [];
  readonly #includeValues: boolean;

  constructor(includeValues: boolean) {
    this.#includeValues = includeValues;
  }

  #add(kind: DriftKind, last: string | undefined, expected?: string, value?: unknown): void {
    if (this.findings.length >= MAX_FINDINGS_PER_PAYLOAD) return;
    const finding: DriftObservation = { kind, path: pathString(this.#path, last) };
    if (expected !== undefined) {
      finding.expected = expected;
      finding.received = jsonType(value);
      if (this.#includeValues) finding.value = value;
    }
    this.findings.push(finding);
  }

  /**
   * Walks `value` against `shape`; `diff` shapes are handled by {@link diffKeys}. A payload
   * without drift is recognised by the allocation-free {@link conforms} first.
   */
  walk(shape: Shape, value: unknown, depth = 0): void {
    if (!conforms(shape, value, depth)) this.#walk(shape, value, depth);
  }

  /** {@link walk} without the fast path: every value is walked (for tests and tooling). */
  walkFully(shape: Shape, value: unknown): void {
    this.#walk(shape, value, 0);
  }

  #walk(shape: Shape, value: unknown, depth: number): void {
    if (depth > MAX_DRIFT_DEPTH || this.findings.length >= MAX_FINDINGS_PER_PAYLOAD) return;
    switch (shape.k) {
      case 'prim':
        if (jsonType(value) !== shape.t) this.#add('type', undefined, shape.t, value);
        return;
      case 'enum':
        this.#enum(shape, value, undefined);
        return;
      case 'object':
        this.#object(shape, value, depth);
        return;
      case 'array':
        if (!Array.isArray(value)) {
          this.#add('type', undefined, 'array', value);
          return;
        }
        this.#path.push(ANY_INDEX);
        for (let i = 0; i < value.length; i++) this.#walk(shape.item, value[i], depth + 1);
        this.#path.pop();
        return;
      case 'record':
        if (jsonType(value) !== 'object') {
          this.#add('type', undefined, 'object', value);
          return;
        }
        this.#path.push(ANY_INDEX);
        for (const key in value as object) {
          this.#walk(shape.value, (value as Record<string, unknown>)[key], depth + 1);
        }
        this.#path.pop();
        return;
      case 'union':
        this.#union(shape, value, depth);
        return;
      default:
        return;
    }
  }

  #enum(shape: Extract<Shape, { k: 'enum' }>, value: unknown, last: string | undefined): void {
    if (shape.values.has(value)) return;
    const sameType = shape.types.has(value === null ? 'null' : typeof value);
    this.#add(sameType ? 'enum' : 'type', last, 'enum', value);
  }

  #object(shape: Extract<Shape, { k: 'object' }>, value: unknown, depth: number): void {
    if (jsonType(value) !== 'object') {
      this.#add('type', undefined, 'object', value);
      return;
    }
    const record = value as Record<string, unknown>;
    let required = 0;
    for (const key in record) {
      const field = shape.fields.get(key);
      if (field !== undefined) {
        const item = record[key];
        if (field.optional) {
          if (item === undefined) continue;
        } else required++;
        // Leaves are checked in place: no path bookkeeping unless a finding is reported.
        const child = field.shape;
        if (child.k === 'prim') {
          if (jsonType(item) !== child.t) this.#add('type', key, child.t, item);
        } else if (child.k === 'enum') {
          this.#enum(child, item, key);
        } else if (child.k !== 'any') {
          this.#path.push(key);
          this.#walk(child, item, depth + 1);
          this.#path.pop();
        }
      } else if (shape.rest === 'strip') {
        this.#add('unknown-key', key);
      } else if (shape.rest !== 'pass') {
        this.#path.push(key);
        this.#walk(shape.rest, record[key], depth + 1);
        this.#path.pop();
      }
    }
    if (required === shape.required) return;
    for (const [key, field] of shape.fields) {
      if (!field.optional && !Object.hasOwn(record, key)) this.#add('missing', key);
    }
  }

  #union(shape: Extract<Shape, { k: 'union' }>, value: unknown, depth: number): void {
    const type = jsonType(value);
    if (shape.disc !== undefined && type === 'object') {
      const tag = (value as Record<string, unknown>)[shape.disc];
      for (const option of shape.options) {
        const field = option.k === 'object' ? option.fields.get(shape.disc) : undefined;
        if (field?.shape.k === 'enum' && field.shape.values.has(tag)) {
          this.#walk(option, value, depth);
          return;
        }
      }
      this.#path.push(shape.disc);
      if (tag === undefined) this.#add('missing', undefined);
      else this.#add('enum', undefined, 'enum', tag);
      this.#path.pop();
      return;
    }
    let candidate: Shape | undefined;
    let candidates = 0;
    for (const option of shape.options) {
      if (accepts(option, value, type)) return;
      if (option.k === type || (option.k === 'record' && type === 'object')) {
        candidate = option;
        candidates++;
      }
    }
    if (candidates === 1) this.#walk(candidate as Shape, value, depth);
    else if (candidates === 0) this.#add('type', undefined, describe(shape), value);
  }
}

/** Whether a leaf-like option accepts the value outright (no need to walk further). */
function accepts(option: Shape, value: unknown, type: JsonType): boolean {
  switch (option.k) {
    case 'any':
    case 'diff':
      return true;
    case 'prim':
      return option.t === type;
    case 'enum':
      return option.values.has(value);
    default:
      return false;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Fallback for schemas we cannot introspect: keys present in the raw input but absent from
 * the validated output are keys the schema stripped.
 */
export function diffKeys(
  raw: unknown,
  output: unknown,
  findings: DriftObservation[],
  path: Array<string | number> = [],
  depth = 0,
): void {
  if (depth > MAX_DRIFT_DEPTH) return;
  if (Array.isArray(raw) && Array.isArray(output)) {
    path.push(ANY_INDEX);
    const n = Math.min(raw.length, output.length);
    for (let i = 0; i < n; i++) diffKeys(raw[i], output[i], findings, path, depth + 1);
    path.pop();
    return;
  }
  if (!isPlainObject(raw) || !isPlainObject(output)) return;
  for (const key in raw) {
    if (findings.length >= MAX_FINDINGS_PER_PAYLOAD) return;
    if (!Object.hasOwn(output, key)) {
      findings.push({ kind: 'unknown-key', path: pathString(path, key) });
    } else {
      path.push(key);
      diffKeys(raw[key], output[key], findings, path, depth + 1);
      path.pop();
    }
  }
}

/** Normalizes a Standard Schema issue path to keys and indices. */
export function issuePath(issue: StandardSchemaV1.Issue): Array<string | number> {
  const out: Array<string | number> = [];
  if (issue.path === undefined) return out;
  for (const segment of issue.path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    out.push(typeof key === 'number' ? key : String(key));
  }
  return out;
}

/**
 * An issue path with array indices, and the keys of records the shape knows of, collapsed
 * to `[*]`: record keys are data (ids, e-mail addresses) and must neither reach a report
 * nor make each key a drift of its own.
 */
function collapsedPath(shape: Shape | undefined, path: ReadonlyArray<string | number>): string {
  const out: Array<string | number> = [];
  let current = shape;
  for (const key of path) {
    if (typeof key === 'number' || current?.k === 'record') {
      out.push(ANY_INDEX);
    } else {
      out.push(key);
    }
    current = childShape(current, key);
  }
  return pathString(out);
}

/** The shape found under `key` of `shape`, or undefined where the shape does not say. */
function childShape(shape: Shape | undefined, key: string | number): Shape | undefined {
  switch (shape?.k) {
    case 'array':
      return shape.item;
    case 'record':
      return shape.value;
    case 'object': {
      const field = typeof key === 'string' ? shape.fields.get(key) : undefined;
      if (field !== undefined) return field.shape;
      return typeof shape.rest === 'object' ? shape.rest : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Adds an `invalid` finding for each issue whose path no finding covers yet (a format check,
 * a refinement…). Indices, and the keys of records in `shape`, are collapsed to `[*]`.
 */
export function addIssueFindings(
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
  findings: DriftObservation[],
  includeValues: boolean,
  shape?: Shape,
): void {
  const covered = new Set<string>();
  for (const finding of findings) covered.add(finding.path);
  for (const issue of issues) {
    if (findings.length >= MAX_FINDINGS_PER_PAYLOAD) return;
    const path = collapsedPath(shape, issuePath(issue));
    if (covered.has(path)) continue;
    covered.add(path);
    const finding: DriftObservation = { kind: 'invalid', path };
    if (includeValues) finding.value = issue.message;
    findings.push(finding);
  }
}
