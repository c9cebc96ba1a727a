import type { Random } from './random.js';

/**
 * A stored resource: its fields plus `id`.
 *
 * @example
 * ```ts
 * import type { Resource } from '@brace/simulator';
 *
 * const name = (r: Resource) => String(r.name);
 * ```
 */
export interface Resource {
  /** Minted by the store: `<3 letters of the collection>_<base-36 sequence>`. */
  id: string;
  [field: string]: unknown;
}

/** Resources kept per provider at most (the oldest are forgotten first). */
export const MAX_RESOURCES = 100_000;

/**
 * The provider's resources, by collection (`/charges`, `/repos/o/r/issues` …). Creating one
 * records it in the ledger, where creations with the same identity count as duplicates.
 *
 * @example
 * ```ts
 * import { createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({
 *   seed: 1,
 *   routes: { 'POST /notes': (_request, ctx) => ({ status: 201, body: ctx.resources.create('/notes', { text: 'hi' }) }) },
 * });
 * await provider.close();
 * ```
 */
export class ResourceStore {
  readonly #items = new Map<string, Resource>();
  #seq = 0;

  /** The provider clock (Unix ms). */
  readonly now: () => number;
  /** Told of each creation (the ledger counts it, webhooks announce it). */
  readonly onCreate: (collection: string, resource: Resource, identity: string | undefined) => void;
  /** The seeded random of the store. */
  readonly random: Random;

  /**
   * @param now - the provider clock (Unix ms)
   * @param onCreate - told of each creation
   * @param random - the seeded random of the store
   */
  constructor(
    now: () => number,
    onCreate: (collection: string, resource: Resource, identity: string | undefined) => void,
    random: Random,
  ) {
    this.now = now;
    this.onCreate = onCreate;
    this.random = random;
  }

  /**
   * Creates a resource with a new id and `created_at`; `identity` (default: the fields as
   * canonical JSON) decides what counts as a duplicate.
   */
  create(
    collection: string,
    fields: Record<string, unknown>,
    identity: string | undefined = canonicalJson(fields),
  ): Resource {
    const name = collection.split('/').filter(Boolean).at(-1) ?? 'res';
    const id = `${name.slice(0, 3)}_${(++this.#seq).toString(36).padStart(6, '0')}`;
    const resource: Resource = { ...fields, id, created_at: new Date(this.now()).toISOString() };
    this.#items.set(`${collection}\u0000${id}`, resource);
    if (this.#items.size > MAX_RESOURCES)
      this.#items.delete(this.#items.keys().next().value as string);
    this.onCreate(collection, resource, identity);
    return resource;
  }

  /** A stored resource, or `undefined`. */
  get(collection: string, id: string): Resource | undefined {
    return this.#items.get(`${collection}\u0000${id}`);
  }

  /** Replaces a stored resource's fields (id kept); `undefined` when absent. */
  update(collection: string, id: string, fields: Record<string, unknown>): Resource | undefined {
    const existing = this.get(collection, id);
    if (existing === undefined) return undefined;
    const updated: Resource = { ...existing, ...fields, id };
    this.#items.set(`${collection}\u0000${id}`, updated);
    return updated;
  }

  /** Deletes a resource; false when it was absent. */
  delete(collection: string, id: string): boolean {
    return this.#items.delete(`${collection}\u0000${id}`);
  }

  /** The resources of a collection, oldest first. */
  list(collection: string): Resource[] {
    const prefix = `${collection}\u0000`;
    const out: Resource[] = [];
    for (const [key, value] of this.#items) if (key.startsWith(prefix)) out.push(value);
    return out;
  }
}

/** JSON with object keys sorted, so equal objects give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A request body as fields: JSON objects, form bodies; `undefined` for anything else. */
export function parseFields(
  contentType: string,
  text: string,
): Record<string, unknown> | undefined {
  if (text === '') return {};
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(text)) fields[k] = v;
    return fields;
  }
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
