import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { composeHooks, type HooksLike, isResponseObserver, observeResponse } from './hooks.js';

type Log = string[];
const hook = (log: Log, name: string) => () => {
  log.push(name);
};

describe('composeHooks', () => {
  it('concatenates each hook list in argument order', () => {
    const a = () => {};
    const b = () => {};
    const c = () => {};
    const d = () => {};
    const hooks = composeHooks<HooksLike>(
      { beforeRequest: [a], beforeError: [d] },
      { beforeRequest: [b, c], init: [a] },
      { beforeRetry: [c] },
    );
    expect(hooks.beforeRequest).toEqual([a, b, c]);
    expect(hooks.init).toEqual([a]);
    expect(hooks.beforeRetry).toEqual([c]);
    expect(hooks.beforeError).toEqual([d]);
    expect(hooks.afterResponse).toBeUndefined();
    expect(Object.keys(hooks).sort()).toEqual([
      'beforeError',
      'beforeRequest',
      'beforeRetry',
      'init',
    ]);
  });

  it('skips undefined, null and false parts, and empty lists', () => {
    const a = () => {};
    const debug = false;
    const hooks = composeHooks<HooksLike>(
      undefined,
      { beforeRequest: [a] },
      null,
      debug && { beforeRequest: [() => {}] },
      { beforeRequest: [], afterResponse: [] },
    );
    expect(hooks).toEqual({ beforeRequest: [a] });
    expect(composeHooks()).toEqual({});
  });

  it('does not mutate the parts', () => {
    const part = { beforeRequest: [() => {}] };
    composeHooks<HooksLike>(part, part);
    expect(part.beforeRequest).toHaveLength(1);
  });

  it('merges only adjacent observers into one afterResponse hook', () => {
    const log: Log = [];
    const o1 = observeResponse(hook(log, 'o1'));
    const o2 = observeResponse(hook(log, 'o2'));
    const o3 = observeResponse(hook(log, 'o3'));
    const plain = hook(log, 'plain');
    const hooks = composeHooks<HooksLike>(
      { afterResponse: [o1] },
      { afterResponse: [o2, plain] },
      { afterResponse: [o3] },
    );
    const list = hooks.afterResponse ?? [];
    expect(list).toHaveLength(3);
    expect(list[1]).toBe(plain);
    expect(list[2]).toBe(o3); // a run of one stays the same function
    expect(isResponseObserver(list[0])).toBe(true);
  });

  it('keeps plain afterResponse hooks as they are, before and between observers', () => {
    const plain1 = () => {};
    const plain2 = () => {};
    const o1 = observeResponse(() => {});
    const o2 = observeResponse(() => {});
    const list = composeHooks<HooksLike>({ afterResponse: [plain1, plain2, o1, o2] }).afterResponse;
    expect(list).toHaveLength(3);
    expect(list?.slice(0, 2)).toEqual([plain1, plain2]);
    expect(isResponseObserver(list?.[2])).toBe(true);
    const tail = composeHooks<HooksLike>({ afterResponse: [o1, plain1] }).afterResponse;
    expect(tail).toEqual([o1, plain1]);
  });

  it('the merged hook runs every observer in order, awaiting each', async () => {
    const log: Log = [];
    const slow = observeResponse(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      log.push('slow');
    });
    const fast = observeResponse(hook(log, 'fast'));
    const [merged] = composeHooks<HooksLike>({ afterResponse: [slow, fast] }).afterResponse ?? [];
    const state = { response: new Response('x') };
    expect(await merged?.(state)).toBeUndefined();
    expect(log).toEqual(['slow', 'fast']);
  });

  it('observeResponse returns the same function, marked', () => {
    const fn = () => {};
    expect(observeResponse(fn)).toBe(fn);
    expect(isResponseObserver(fn)).toBe(true);
    expect(isResponseObserver(() => {})).toBe(false);
    expect(isResponseObserver({ [Symbol.for('@brace/core/response-observer')]: true })).toBe(false);
    expect(isResponseObserver(undefined)).toBe(false);
  });
});

describe('composeHooks with ky 2', () => {
  function countingFetch() {
    const counter = { clones: 0, calls: 0 };
    const fetch = async () => {
      counter.calls++;
      const response = new Response('{"ok":true}', {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '9' },
      });
      const clone = response.clone.bind(response);
      Object.defineProperty(response, 'clone', {
        value: () => {
          counter.clones++;
          return clone();
        },
      });
      return response;
    };
    return { counter, fetch };
  }

  async function run(hooks: HooksLike) {
    const { counter, fetch } = countingFetch();
    const api = ky.create({ prefix: 'http://api.test/', fetch, hooks, retry: 0 });
    const body = await api.get('things').json();
    return { counter, body };
  }

  it('runs hooks in order and merged observers cost one clone fewer', async () => {
    const seen: string[] = [];
    const observer = (name: string) =>
      observeResponse(({ response }: { response: Response }) => {
        seen.push(`${name}:${response.headers.get('x-ratelimit-remaining')}`);
      });
    const parts = (): HooksLike[] => [
      { beforeRequest: [() => void seen.push('before')] },
      { afterResponse: [observer('a')] },
      { afterResponse: [observer('b')] },
    ];

    const separate = await run({
      beforeRequest: parts().flatMap((p) => p.beforeRequest ?? []),
      afterResponse: parts().flatMap((p) => p.afterResponse ?? []),
    });
    expect(seen).toEqual(['before', 'a:9', 'b:9']);
    seen.length = 0;

    const composed = await run(composeHooks(...parts()));
    expect(seen).toEqual(['before', 'a:9', 'b:9']);
    expect(composed.body).toEqual({ ok: true });
    expect(separate.body).toEqual({ ok: true });
    expect(composed.counter.calls).toBe(1);
    expect(separate.counter.clones).toBeGreaterThanOrEqual(2);
    expect(composed.counter.clones).toBe(separate.counter.clones - 1);
  });

  it("ky's Hooks type is accepted and returned", () => {
    const hooks: import('ky').Hooks = composeHooks<import('ky').Hooks>(
      { beforeRequest: [({ request }) => request.headers.set('x-a', '1')] },
      undefined,
    );
    expect(hooks.beforeRequest).toHaveLength(1);
  });
});
