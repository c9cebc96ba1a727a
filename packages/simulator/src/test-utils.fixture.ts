import { type ManualClock, manualClock } from '@brace/core';

/** A manual clock at a fixed, realistic epoch. */
export function fixedClock(): ManualClock {
  return manualClock({ now: Date.UTC(2026, 0, 1) });
}

/** Waits (in real time, by event-loop turns) until `check` holds; fails after ~2 s. */
export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** A request's outcome as text: status, headers and body, or the error's name. */
export async function outcome(url: string, init?: RequestInit): Promise<string> {
  try {
    const response = await fetch(url, init);
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    return `${response.status}\n${headers}\n\n${await response.text()}`;
  } catch (error) {
    return `error ${(error as Error).name}`;
  }
}
