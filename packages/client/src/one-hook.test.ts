import { describe, expect, it } from 'vitest';
import { oneBeforeError, oneBeforeRequest, oneInit } from './one-hook.js';

type State = { request: Request; retryCount: number };
const state = (): State => ({ request: new Request('https://api.test/a'), retryCount: 0 });
const run = (hooks: Array<(s: State) => unknown>, s: State) =>
  (oneBeforeRequest(hooks as never)[0] as unknown as (s: State) => unknown)(s);

describe('oneBeforeRequest', () => {
  it('leaves a list of fewer than two hooks as it is', () => {
    const hook = () => {};
    const list = [hook];
    expect(oneBeforeRequest(list)).toBe(list);
    expect(oneBeforeRequest([])).toEqual([]);
  });

  it('runs synchronous hooks in order without a promise, on the same state', () => {
    const log: string[] = [];
    const s = state();
    const result = run(
      [
        (x) => {
          log.push(`a ${x.request.url} ${x.retryCount}`);
          x.request.headers.set('x-a', '1');
        },
        (x) => {
          log.push(`b ${x.request.headers.get('x-a')}`);
        },
      ],
      s,
    );
    expect(result).toBeUndefined();
    expect(log).toEqual(['a https://api.test/a 0', 'b 1']);
  });

  it('hands a returned Request to the next hooks and returns the last one', async () => {
    const replaced = new Request('https://api.test/b');
    const seen: string[] = [];
    const result = await run(
      [
        async () => replaced,
        (x) => {
          seen.push(x.request.url);
          expect(x.retryCount).toBe(0);
          x.request.headers.set('idempotency-key', 'k');
        },
        (x) => void seen.push(x.request.url),
      ],
      state(),
    );
    expect(result).toBe(replaced);
    expect(replaced.headers.get('idempotency-key')).toBe('k');
    expect(seen).toEqual(['https://api.test/b', 'https://api.test/b']);
    const sync = run([() => replaced, () => {}], state());
    expect(sync).toBe(replaced);
  });

  it('stops at a returned Response, synchronous or not', async () => {
    const answer = new Response('cached');
    let after = 0;
    const later = () => void after++;
    expect(await run([async () => answer, later], state())).toBe(answer);
    expect(run([() => answer, later], state())).toBe(answer);
    expect(after).toBe(0);
    expect(await run([async () => undefined, later], state())).toBeUndefined();
    expect(after).toBe(1);
  });

  it('lets a hook’s error through, thrown or rejected', async () => {
    const boom = new Error('open circuit');
    expect(() =>
      run(
        [
          () => {},
          () => {
            throw boom;
          },
        ],
        state(),
      ),
    ).toThrow(boom);
    await expect(run([async () => Promise.reject(boom), () => {}], state())).rejects.toBe(boom);
  });
});

describe('oneInit', () => {
  it('runs every init hook in order on the same options', () => {
    const options: { fetch?: string; log: string[] } = { log: [] };
    const [hook] = oneInit([
      ((o: typeof options) => {
        o.log.push('inner');
        o.fetch = 'a';
      }) as never,
      ((o: typeof options) => {
        o.log.push(`outer over ${o.fetch}`);
        o.fetch = `b(${o.fetch})`;
      }) as never,
    ]);
    (hook as unknown as (o: typeof options) => void)(options);
    expect(options).toEqual({ fetch: 'b(a)', log: ['inner', 'outer over a'] });
    const single = [() => {}];
    expect(oneInit(single)).toBe(single);
  });
});

describe('oneBeforeError', () => {
  type ErrorState = { error: Error; retryCount: number };
  const runError = (hooks: Array<(s: ErrorState) => unknown>, s: ErrorState) =>
    (oneBeforeError(hooks as never)[0] as unknown as (s: ErrorState) => unknown)(s);

  it('passes each hook the error the one before returned, and returns the last', async () => {
    const first = new Error('http 500');
    const mapped = new Error('problem');
    const seen: string[] = [];
    const result = await runError(
      [
        (s) => {
          seen.push(s.error.message);
          return s.error;
        },
        async (s) => {
          seen.push(s.error.message);
          return mapped;
        },
        (s) => {
          seen.push(`${s.error.message} ${s.retryCount}`);
          return 'not an error';
        },
      ],
      { error: first, retryCount: 2 },
    );
    expect(result).toBe(mapped);
    expect(seen).toEqual(['http 500', 'http 500', 'problem 2']);
  });

  it('answers synchronously when every hook does, and keeps the error a hook did not replace', () => {
    const error = new Error('boom');
    const replaced = new TypeError('typed');
    expect(runError([() => undefined, () => undefined], { error, retryCount: 0 })).toBe(error);
    expect(runError([() => replaced, (s) => s.error], { error, retryCount: 0 })).toBe(replaced);
    const single = [() => {}];
    expect(oneBeforeError(single)).toBe(single);
  });

  it('takes an error from another realm as an error', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new Error("elsewhere")') as Error;
    expect(foreign instanceof Error).toBe(false);
    const result = runError([() => foreign, (s) => void s], {
      error: new Error('here'),
      retryCount: 0,
    });
    expect(result).toBe(foreign);
  });
});
