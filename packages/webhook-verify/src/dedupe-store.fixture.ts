// A minimal in-memory store with @brace/idempotency's contract, for the receiver tests.
import type { DedupeBeginResult, DedupeKey, DedupeStore } from './receiver.js';

export interface FixtureStore extends DedupeStore {
  records: Map<string, { state: 'in-progress' | 'completed'; token: string }>;
  calls: string[];
}

export function fixtureStore(): FixtureStore {
  const records = new Map<string, { state: 'in-progress' | 'completed'; token: string }>();
  const calls: string[] = [];
  let n = 0;
  const id = (k: DedupeKey) => `${k.scope}|${k.key}`;
  return {
    records,
    calls,
    async begin(key): Promise<DedupeBeginResult> {
      calls.push(`begin ${key.key}`);
      const found = records.get(id(key));
      if (found?.state === 'completed') return { status: 'completed' };
      if (found?.state === 'in-progress') return { status: 'in-progress', retryAfterMs: 1500 };
      const token = `t${++n}`;
      records.set(id(key), { state: 'in-progress', token });
      return { status: 'acquired', token };
    },
    async complete(key, token) {
      calls.push(`complete ${key.key}`);
      const found = records.get(id(key));
      if (found?.token !== token) return false;
      found.state = 'completed';
      return true;
    },
    async release(key, token) {
      calls.push(`release ${key.key}`);
      if (records.get(id(key))?.token !== token) return false;
      records.delete(id(key));
      return true;
    },
  };
}
