import { errorAnswer, jsonAnswer } from './answers.js';
import type { Answer } from './idempotency.js';
import type { Preset } from './preset-types.js';
import type { ResourceStore } from './resources.js';

/** Ids the store mints: `abc_00000f`. */
const ID = /^[a-z0-9]{1,3}_[0-9a-z]{6,}$/;

function collectionOf(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

/** The ledger's route key of a generic resource request: `GET /items/:id` or `POST /items`. */
export function resourceRouteKey(method: string, segments: readonly string[]): string {
  const last = segments.at(-1) ?? '';
  if (ID.test(last)) return `${method} ${collectionOf(segments.slice(0, -1))}/:id`;
  return `${method} ${collectionOf(segments)}`;
}

const notFound = (preset: Preset): Answer => errorAnswer(preset, 'not_found', 404, 'Not Found');

/** A validation failure: no endpoint began executing, so nothing is saved under a key. */
function invalid(preset: Preset, status: number, message: string): Answer {
  return { ...errorAnswer(preset, 'bad_request', status, message), rejected: true };
}

/**
 * Generic collections: `POST /x` creates (201), `GET /x` lists (`{ data: [...] }`),
 * `GET /x/:id` reads, `PATCH|PUT /x/:id` updates, `DELETE /x/:id` deletes (204).
 */
export function resourceRoute(
  preset: Preset,
  store: ResourceStore,
  method: string,
  segments: readonly string[],
  fields: Record<string, unknown> | undefined,
): Answer {
  if (method === 'HEAD') return resourceRoute(preset, store, 'GET', segments, fields);
  const last = segments.at(-1) ?? '';
  const isItem = segments.length > 1 && ID.test(last);
  const collection = collectionOf(isItem ? segments.slice(0, -1) : segments);
  if (!isItem) {
    if (method === 'POST') {
      if (fields === undefined)
        return invalid(preset, 400, 'The body must be a JSON object or a form.');
      return jsonAnswer(201, store.create(collection, fields));
    }
    if (method === 'GET') return jsonAnswer(200, { data: store.list(collection) });
    return invalid(preset, 405, `${method} is not allowed on a collection.`);
  }
  if (method === 'GET') {
    const found = store.get(collection, last);
    return found === undefined ? notFound(preset) : jsonAnswer(200, found);
  }
  if (method === 'PATCH' || method === 'PUT') {
    if (fields === undefined)
      return invalid(preset, 400, 'The body must be a JSON object or a form.');
    const updated = store.update(collection, last, fields);
    return updated === undefined ? notFound(preset) : jsonAnswer(200, updated);
  }
  if (method === 'DELETE') {
    return store.delete(collection, last)
      ? { status: 204, headers: {}, body: new Uint8Array(0) }
      : notFound(preset);
  }
  return invalid(preset, 405, `${method} is not allowed on a resource.`);
}
