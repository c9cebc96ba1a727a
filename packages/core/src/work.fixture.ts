// Deterministic "work" for linear-time tests: the characters that the string built-ins a
// parser calls examine (charCodeAt, indexOf, slice, startsWith...), counted instead of timed.
// A quadratic parser shows up as work growing with the square of the input, whatever the
// machine's speed, so the tests assert a bound on work per input character.

type Method =
  | 'charCodeAt'
  | 'indexOf'
  | 'lastIndexOf'
  | 'slice'
  | 'startsWith'
  | 'endsWith'
  | 'includes'
  | 'toLowerCase'
  | 'trim'
  | 'split';
const METHODS: Method[] = [
  'charCodeAt',
  'indexOf',
  'lastIndexOf',
  'slice',
  'startsWith',
  'endsWith',
  'includes',
  'toLowerCase',
  'trim',
  'split',
];

/** Runs `fn` while counting the characters string built-ins examine; returns the count. */
export function measureWork(fn: () => void): number {
  const proto = String.prototype as unknown as Record<Method, (...args: unknown[]) => unknown>;
  const originals = METHODS.map((m) => proto[m]);
  let work = 0;
  METHODS.forEach((method, i) => {
    const original = originals[i] as (...args: unknown[]) => unknown;
    proto[method] = function (this: string, ...args: unknown[]) {
      const length = String(this).length;
      if (method === 'charCodeAt') work += 1;
      else if (method === 'indexOf' || method === 'includes') {
        const from = Number(args[1] ?? 0) || 0;
        const result = original.apply(this, args) as number | boolean;
        const at = typeof result === 'number' && result >= 0 ? result : length;
        work += Math.max(1, at - from + String(args[0]).length);
        return result;
      } else if (method === 'slice') {
        const result = original.apply(this, args) as string;
        work += result.length + 1;
        return result;
      } else if (method === 'startsWith' || method === 'endsWith') {
        work += String(args[0]).length + 1;
      } else work += length + 1;
      return original.apply(this, args);
    };
  });
  try {
    fn();
  } finally {
    METHODS.forEach((method, i) => {
      proto[method] = originals[i] as (...args: unknown[]) => unknown;
    });
  }
  return work;
}

/**
 * Work per input character for inputs built at several sizes: the largest ratio seen. A
 * linear parser keeps it flat; a quadratic one makes it grow with the size.
 */
export function workPerChar(
  build: (n: number) => string,
  run: (input: string) => void,
  sizes: number[],
): number[] {
  return sizes.map((n) => {
    const input = build(n);
    return measureWork(() => run(input)) / Math.max(1, input.length);
  });
}
