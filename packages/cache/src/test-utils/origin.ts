import { manualClock } from '@brace/core';
import { type CacheOptions, createCache } from '../index.js';

/** A scripted origin: each call takes the next answer (a Response factory or an error). */
export type Answer =
  | ((conditional?: Record<string, string>) => Response | Promise<Response>)
  | Error;

export function scripted(...answers: Answer[]) {
  const calls: Array<Record<string, string> | undefined> = [];
  const origin = async (conditional?: Record<string, string>) => {
    calls.push(conditional);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next === undefined) throw new Error('no answer scripted');
    if (next instanceof Error) throw next;
    return next(conditional);
  };
  return { origin, calls };
}

export const reply =
  (body: string, headers: Record<string, string> = {}, status = 200): Answer =>
  () =>
    new Response(status === 204 || status === 304 ? null : body, { status, headers });

export function setup(options: CacheOptions = {}) {
  const clock = manualClock({ now: 1_700_000_000_000 });
  const events: Array<[string, unknown]> = [];
  const cache = createCache({
    clock,
    onServe: (e) => events.push(['serve', e]),
    onMiss: (e) => events.push(['miss', e]),
    onStore: (e) => events.push(['store', e]),
    onBypass: (e) => events.push(['bypass', e]),
    onStoreError: (e) => events.push(['storeError', e]),
    onCoalesce: (e) => events.push(['coalesce', e]),
    onRefreshError: (e) => events.push(['refreshError', e]),
    ...options,
  });
  return { clock, cache, events };
}

export const get = (url: string, headers: Record<string, string> = {}): Request =>
  new Request(url, { headers });

export const URL_A = 'https://api.example.com/v1/items';
