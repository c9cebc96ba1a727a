/**
 * A seeded source of floats in [0, 1): the same seed gives the same sequence.
 *
 * @example
 * ```ts
 * import { seededRandom } from '@brace/simulator';
 *
 * const random = seededRandom(42, 'faults');
 * random(); // the same float on every run
 * ```
 */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit PRNG, good enough to drive fault decisions. */
function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * An independent seeded stream for one consumer: the seed and a label (FNV-1a over the label)
 * pick the stream, so adding draws in one place never shifts the draws of another.
 *
 * @param seed - the run's seed (any integer)
 * @param label - names the consumer, e.g. `'faults'` or `'oauth'`
 * @returns a function giving floats in [0, 1)
 *
 * @example
 * ```ts
 * import { seededRandom } from '@brace/simulator';
 *
 * const a = seededRandom(7, 'webhooks');
 * const b = seededRandom(7, 'webhooks');
 * a() === b(); // true
 * ```
 */
export function seededRandom(seed: number, label: string): Random {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return mulberry32(h);
}

/** `bytes` random bytes as lower-case hex, drawn from `random`. */
export function randomHex(random: Random, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) {
    out += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  }
  return out;
}
