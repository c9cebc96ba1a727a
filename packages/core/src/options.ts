/**
 * An option name a function does not know, and what to use instead.
 *
 * @example
 * ```ts
 * import { findUnknownOption } from '@brace/core';
 *
 * findUnknownOption({ retries: 3 }, ['attempts'], { retries: '`attempts` (retries + 1)' });
 * // { option: 'retries', suggestion: '`attempts` (retries + 1)' }
 * ```
 */
export interface UnknownOption {
  /** The unknown name as given. */
  option: string;
  /** What to use instead: a hint for a peer library's name, else the nearest known name. */
  suggestion: string | undefined;
}

/** Edit distance, bounded: anything above `max` is reported as `max + 1`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The first own option name of `options` that is not in `known` (options from untyped
 * JavaScript, or spread from a peer library's config), with a suggestion: the `hints` entry
 * for that name (peer libraries' names: `retries`, `maxConcurrent`...), else the known name
 * nearest to it (a typo within two edits), else none. `undefined` when every name is known.
 * Only option names are read, never values, so nothing secret can reach an error message.
 *
 * @param options - the options object as passed (anything that is not an object is ignored)
 * @param known - the accepted names
 * @param hints - what to say for names users bring from other libraries
 *
 * @example
 * ```ts
 * import { findUnknownOption } from '@brace/core';
 *
 * findUnknownOption({ atempts: 3 }, ['attempts', 'signal']);
 * // { option: 'atempts', suggestion: '`attempts`' }
 * ```
 */
export function findUnknownOption(
  options: unknown,
  known: ReadonlySet<string> | readonly string[],
  hints: Readonly<Record<string, string>> = {},
): UnknownOption | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const names: ReadonlySet<string> = Array.isArray(known)
    ? new Set(known)
    : (known as ReadonlySet<string>);
  for (const option of Object.keys(options)) {
    if (names.has(option)) continue;
    if (Object.hasOwn(hints, option)) return { option, suggestion: hints[option] };
    let nearest: string | undefined;
    let best = 3;
    for (const name of names) {
      const d = distance(option.toLowerCase(), name.toLowerCase(), 2);
      if (d < best) {
        best = d;
        nearest = name;
      }
    }
    return { option, suggestion: nearest === undefined ? undefined : `\`${nearest}\`` };
  }
  return undefined;
}
