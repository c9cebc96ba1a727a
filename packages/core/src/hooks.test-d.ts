import type { Hooks, Options } from 'ky';
import type { Hooks as Hooks21, Options as Options21 } from 'ky-2.1';
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

  it("ky 2.2's readonly hook lists compose, and HooksLike fits ky 2.2's Hooks back", () => {
    const readonlyHooks: Hooks = { beforeRequest: Object.freeze([() => {}]) };
    expectTypeOf(composeHooks(readonlyHooks)).toEqualTypeOf<Hooks>();
    expectTypeOf<HooksLike>().toExtend<Hooks>();
  });

  it("ky 2.1's mutable Hooks (the lowest supported ky) fit HooksLike and compose to Hooks", () => {
    const kyHooks: Hooks21 = { beforeRequest: [() => {}] };
    expectTypeOf(kyHooks).toExtend<HooksLike>();
    expectTypeOf(composeHooks(kyHooks, undefined)).toEqualTypeOf<Hooks21>();
    expectTypeOf(composeHooks(kyHooks)).toExtend<NonNullable<Options21['hooks']>>();
  });

  it('observeResponse keeps the hook type', () => {
    const hook = (state: { response: Response }) => void state.response.status;
    expectTypeOf(observeResponse(hook)).toEqualTypeOf(hook);
  });
});
