import { describe, expect, it } from 'vitest';
import { findUnknownOption } from './options.js';

describe('findUnknownOption', () => {
  const known = new Set(['attempts', 'strategy', 'signal']);
  it('finds the first unknown name, with a hint, a near name, or nothing', () => {
    expect(findUnknownOption({ attempts: 1, signal: undefined }, known)).toBeUndefined();
    expect(findUnknownOption({ retries: 3 }, known, { retries: '`attempts`' })).toEqual({
      option: 'retries',
      suggestion: '`attempts`',
    });
    expect(findUnknownOption({ atempts: 3 }, known)).toEqual({
      option: 'atempts',
      suggestion: '`attempts`',
    });
    expect(findUnknownOption({ Signal: 1 }, ['signal'])).toEqual({
      option: 'Signal',
      suggestion: '`signal`',
    });
    expect(findUnknownOption({ completelyDifferent: 1 }, known)).toEqual({
      option: 'completelyDifferent',
      suggestion: undefined,
    });
    expect(findUnknownOption({ xyzzyq: 1 }, known)).toEqual({
      option: 'xyzzyq',
      suggestion: undefined,
    });
  });
  it('ignores non-objects and inherited names, and never trusts __proto__ hints', () => {
    expect(findUnknownOption(undefined, known)).toBeUndefined();
    expect(findUnknownOption(5, known)).toBeUndefined();
    expect(findUnknownOption(Object.create({ retries: 1 }), known)).toBeUndefined();
    expect(findUnknownOption({ toString: 1 }, known, {})).toEqual({
      option: 'toString',
      suggestion: undefined,
    });
    const parsed = JSON.parse('{"__proto__": 1}');
    expect(findUnknownOption(parsed, known)?.option).toBe('__proto__');
  });
});
