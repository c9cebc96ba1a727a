import type { Hooks, Options } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import { composeHooks, type HooksLike, observeResponse } from './index.js';

describe('composeHooks types', () => {
  it('returns the parts type, and HooksLike parts fit ky options', () => {
    const part: HooksLike = { beforeRequest: [() => {}] };
    const composed = composeHooks(part, undefined, false);
    expectTypeOf(composed).toEqualTypeOf<HooksLike>();
    expectTypeOf(composed).toExtend<NonNullable<Options['hooks']>>();
  });

  it("ky's Hooks fit HooksLike, and composing them keeps Hooks", () => {
    const kyHooks: Hooks = {
      afterResponse: [observeResponse(({ response }) => void response.status)],
    };
    expectTypeOf(kyHooks).toExtend<HooksLike>();
    expectTypeOf(composeHooks(kyHooks, kyHooks)).toEqualTypeOf<Hooks>();
  });

  it('observeResponse keeps the hook type', () => {
    const hook = (state: { response: Response }) => void state.response.status;
    expectTypeOf(observeResponse(hook)).toEqualTypeOf(hook);
  });
});
