/** One target from a package's issue, checked against a measured value. */
export interface Target {
  /** The package or area, e.g. `backoff`. */
  area: string;
  /** The target as the issue states it. */
  description: string;
  /** The measured figure, rendered (e.g. `0.07 µs`, `6.1×`). */
  measured: string;
  pass: boolean;
}

const targets: Target[] = [];

/** Records a target result. */
export function target(area: string, description: string, measured: string, pass: boolean): Target {
  const t = { area, description, measured, pass };
  targets.push(t);
  return t;
}

/** Every target recorded so far. */
export function allTargets(): readonly Target[] {
  return targets;
}

/** Markdown lines, one per target: `PASS`/`FAIL`, the target, the measured figure. */
export function targetLines(list: readonly Target[] = targets): string {
  return list
    .map(
      (t) =>
        `- **${t.pass ? 'PASS' : 'FAIL'}** \`${t.area}\` ${t.description}: measured ${t.measured}`,
    )
    .join('\n');
}
