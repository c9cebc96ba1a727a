/** Longest `Retry-After` value accepted; anything longer is not a real delay or date. */
const MAX_LENGTH = 64;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const LONG_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** 400 Gregorian years in ms: the calendar repeats exactly, so years 0-99 can be shifted. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isOws(code: number): boolean {
  return code === 32 || code === 9;
}

/** Reads exactly `count` digits at `at`; -1 if any is not a digit. */
function digitsAt(s: string, at: number, count: number): number {
  if (at + count > s.length) return -1;
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

function monthAt(s: string, at: number): number {
  return MONTHS.indexOf(s.slice(at, at + 3).toLowerCase());
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** Parses `HH:MM:SS` at `at` into seconds of the day; -1 when malformed or out of range. */
function timeAt(s: string, at: number): number {
  if (s.charCodeAt(at + 2) !== 58 || s.charCodeAt(at + 5) !== 58) return -1;
  const h = digitsAt(s, at, 2);
  const m = digitsAt(s, at + 3, 2);
  const sec = digitsAt(s, at + 6, 2);
  // RFC 9110 §5.6.7 allows second 60 (a leap second).
  if (h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 60) return -1;
  return h * 3600 + m * 60 + sec;
}

/** Epoch ms of a validated calendar date, or undefined when the day does not exist. */
function toEpoch(year: number, month: number, day: number, seconds: number): number | undefined {
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  // Date.UTC maps years 0-99 to 1900-1999; shift by 400 years, where the calendar repeats.
  const shift = year < 100 ? 400 : 0;
  return Date.UTC(year + shift, month, day) - (shift ? FOUR_CENTURIES_MS : 0) + seconds * 1000;
}

/**
 * IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT` (a one-digit day is tolerated).
 * `at` is just past the comma.
 */
function imfFixdate(s: string, at: number): number | undefined {
  if (s.charCodeAt(at) !== 32) return undefined;
  let i = at + 1;
  const dayWidth = isDigit(s.charCodeAt(i + 1)) ? 2 : 1;
  const day = digitsAt(s, i, dayWidth);
  i += dayWidth;
  if (day < 0 || s.charCodeAt(i) !== 32) return undefined;
  const month = monthAt(s, i + 1);
  i += 4;
  if (month < 0 || s.charCodeAt(i) !== 32) return undefined;
  const year = digitsAt(s, i + 1, 4);
  i += 5;
  if (year < 0 || s.charCodeAt(i) !== 32) return undefined;
  const time = timeAt(s, i + 1);
  i += 9;
  if (time < 0 || s.slice(i) !== ' GMT') return undefined;
  return toEpoch(year, month, day, time);
}

/** RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`. `at` is just past the comma. */
function rfc850(s: string, at: number, now: number): number | undefined {
  if (s.charCodeAt(at) !== 32 || s.charCodeAt(at + 3) !== 45 || s.charCodeAt(at + 7) !== 45) {
    return undefined;
  }
  const day = digitsAt(s, at + 1, 2);
  const month = monthAt(s, at + 4);
  const yy = digitsAt(s, at + 8, 2);
  if (day < 0 || month < 0 || yy < 0 || s.charCodeAt(at + 10) !== 32) return undefined;
  const time = timeAt(s, at + 11);
  if (time < 0 || s.slice(at + 19) !== ' GMT') return undefined;
  // RFC 9110 §5.6.7: a timestamp that appears more than 50 years in the future means the
  // most recent past year with the same last two digits. The test is on the whole
  // timestamp, not the year alone: `31-Dec-76` read on 2026-12-07 is 1976.
  const limit = fiftyYearsAfter(now);
  const nowYear = new Date(now).getUTCFullYear();
  let year = nowYear - (nowYear % 100) + yy;
  let date = toEpoch(year, month, day, time);
  if (date === undefined) {
    // 29-Feb of a year that is not leap: try the other century's year with those digits.
    year += year > nowYear ? -100 : 100;
    date = toEpoch(year, month, day, time);
    if (date === undefined) return undefined;
  }
  if (date > limit) return toEpoch(year - 100, month, day, time);
  const later = toEpoch(year + 100, month, day, time);
  return later !== undefined && later <= limit ? later : date;
}

/** `now` plus 50 calendar years, in epoch ms. */
function fiftyYearsAfter(now: number): number {
  const date = new Date(now);
  date.setUTCFullYear(date.getUTCFullYear() + 50);
  return date.getTime();
}

/** asctime `Sun Nov  6 08:49:37 1994` (the day is two digits or space + one digit). */
function asctime(s: string): number | undefined {
  if (s.length !== 24 || s.charCodeAt(3) !== 32 || s.charCodeAt(7) !== 32) return undefined;
  if (!DAYS.includes(s.slice(0, 3).toLowerCase())) return undefined;
  const month = monthAt(s, 4);
  const day = s.charCodeAt(8) === 32 ? digitsAt(s, 9, 1) : digitsAt(s, 8, 2);
  if (month < 0 || day < 0 || s.charCodeAt(10) !== 32 || s.charCodeAt(19) !== 32) return undefined;
  const time = timeAt(s, 11);
  const year = digitsAt(s, 20, 4);
  if (time < 0 || year < 0) return undefined;
  return toEpoch(year, month, day, time);
}

/** Any of the three HTTP-date forms of RFC 9110 §5.6.7, as epoch ms. */
function httpDate(s: string, now: number): number | undefined {
  const comma = s.indexOf(',');
  if (comma < 0) return asctime(s);
  const dayName = s.slice(0, comma).toLowerCase();
  if (comma === 3) return DAYS.includes(dayName) ? imfFixdate(s, comma + 1) : undefined;
  return LONG_DAYS.includes(dayName) ? rfc850(s, comma + 1, now) : undefined;
}

/** delay-seconds, also with a fraction (`2.0`, `1.5`): ms, or undefined. */
function delaySeconds(s: string): number | undefined {
  let dot = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) continue;
    if (c !== 46 || dot >= 0 || i === 0 || i === s.length - 1) return undefined;
    dot = i;
  }
  const seconds = Number(s);
  return dot < 0 ? seconds * 1000 : Math.round(seconds * 1000);
}

/**
 * Reads a `Retry-After` value (RFC 9110 §10.2.3) into a delay in milliseconds.
 *
 * Accepts delay-seconds (`120`), the decimals some servers send (`2.0`, `1.5` → 1500), and
 * the three HTTP-date forms: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
 * (`Sunday, 06-Nov-94 08:49:37 GMT`, two-digit years read with RFC 9110's 50-year rule) and
 * asctime (`Sun Nov  6 08:49:37 1994`). Month and day names are matched case-insensitively;
 * days, months and times are range-checked. A date in the past gives `0`.
 *
 * Returns `undefined` for an absent, empty, negative, non-numeric, malformed or overlong
 * (> 64 characters) value. Never throws, never returns `NaN` or a negative number.
 *
 * @param value - the header value (`null`/`undefined` allowed, e.g. straight from `headers.get`)
 * @param now - the current time in epoch ms, to turn a date into a delay; defaults to `Date.now()`
 * @returns the delay in ms, or `undefined` when the value is not a valid `Retry-After`
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from '@brace/core';
 *
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter('1.5'); // 1500
 * const now = Date.UTC(1994, 10, 6, 8, 49, 0);
 * parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now); // 37000
 * parseRetryAfter('soon'); // undefined
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  const s = start === 0 && end === value.length ? value : value.slice(start, end);
  if (isDigit(s.charCodeAt(0))) return delaySeconds(s);
  if (!Number.isFinite(now)) return undefined;
  const at = httpDate(s, now);
  if (at === undefined || Number.isNaN(at)) return undefined;
  return at > now ? at - now : 0;
}
