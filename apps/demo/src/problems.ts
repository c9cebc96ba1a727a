import { isBraceError } from '@brace/core';
import { ProblemDetailsError } from '@brace/problem-details';

/**
 * A short label for an error the app code saw: the problem's status and title for a
 * `ProblemDetailsError`, the code of any other Brace error, else ky's error name (and
 * status). The naive client only ever gets the latter.
 */
export function errorLabel(error: unknown): string {
  if (error instanceof ProblemDetailsError) {
    return `${error.status ?? ''} ${error.title ?? 'Problem'}`.trim();
  }
  if (isBraceError(error)) return (error as { code: string }).code;
  if (error instanceof Error) {
    const status = (error as { response?: { status?: unknown } }).response?.status;
    return typeof status === 'number' ? `${error.name} ${status}` : error.name;
  }
  return 'unknown error';
}

/** Counts error labels. */
export function countProblems(target: Record<string, number>, error: unknown): void {
  const label = errorLabel(error);
  target[label] = (target[label] ?? 0) + 1;
}
