// The date column of a series: ISO 8601 dates, checked to increase strictly and
// to be evenly spaced. Dates that all fall at the same point of their month
// (2001-03, 2001-04-01, or years alone) step in calendar months, so months of
// 28 to 31 days count as one step; other dates step in milliseconds (UTC, no
// daylight-saving shifts).

/** The spacing of a date column: `size` months, or `size` milliseconds. */
export interface DateStep {
  /** Calendar months, or milliseconds (UTC). */
  unit: 'month' | 'millisecond';
  /** Units per step (1 for monthly data, 12 for yearly, 86400000 for daily). */
  size: number;
}

interface ParsedDate {
  /** year * 12 + month - 1 */
  month: number;
  /** Milliseconds since the start of the month (day and time of day). */
  withinMonth: number;
  /** Milliseconds since 1970 (UTC). */
  time: number;
}

const ISO_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?)?)?)?$/;
const DAY = 86_400_000;

/** An ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, optionally THH:MM[:SS[.sss]][Z]), or null if it is not one. */
export function parseIsoDate(text: string): ParsedDate | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const milliseconds = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0'));
  if (month! < 1 || month! > 12 || hour! > 23 || minute! > 59 || second! > 59) return null;
  const time = Date.UTC(year!, month! - 1, day, hour, minute, second, milliseconds);
  if (new Date(time).getUTCDate() !== day) return null; // 2001-02-30
  return { month: year! * 12 + month! - 1, withinMonth: time - Date.UTC(year!, month! - 1, 1), time };
}

export interface CheckDatesOptions {
  /** Accept uneven steps (dates must still increase strictly). */
  allowGaps: boolean;
  /** Where row r is, for messages ("data.csv: line 14 (data row 13), column 'month'"). */
  describe(row: number): string;
  /** Throws the caller's error for row r. */
  fail(row: number, message: string): never;
}

/**
 * Checks that every cell is an ISO 8601 date, that the dates increase strictly, and (unless
 * allowGaps) that they are evenly spaced; returns the spacing (the most common step), or undefined
 * for fewer than two dates.
 */
export function checkDates(cells: readonly string[], options: CheckDatesOptions): DateStep | undefined {
  const dates = cells.map((cell, r) => {
    const date = parseIsoDate(cell);
    if (!date) {
      options.fail(
        r,
        `${options.describe(r)}: '${cell}' is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)`,
      );
    }
    return date;
  });
  for (let r = 1; r < dates.length; r++) {
    if (!(dates[r].time > dates[r - 1].time)) {
      const relation = dates[r].time === dates[r - 1].time ? 'repeats' : 'comes before';
      options.fail(
        r,
        `${options.describe(r)}: ${cells[r]} ${relation} ${cells[r - 1]} of the row above ` +
          '(rows must be sorted by date, without duplicates)',
      );
    }
  }
  if (dates.length < 2) return undefined;
  const monthly = dates.every((d) => d.withinMonth === dates[0].withinMonth);
  const unit = monthly ? 'month' : 'millisecond';
  const steps = dates.slice(1).map((d, r) => (monthly ? d.month - dates[r].month : d.time - dates[r].time));
  const counts = new Map<number, number>();
  for (const s of steps) counts.set(s, (counts.get(s) ?? 0) + 1);
  const size = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
  const step: DateStep = { unit, size };
  if (!options.allowGaps) {
    const r = steps.findIndex((s) => s !== size) + 1;
    if (r > 0) {
      options.fail(
        r,
        `${options.describe(r)}: ${cells[r]} follows ${cells[r - 1]}, a step of ${describeStep({ unit, size: steps[r - 1] })} ` +
          `where the series steps by ${describeStep(step)} (missing or extra rows? uneven dates are accepted with allowGaps, --allow-gaps)`,
      );
    }
  }
  return step;
}

/** "1 month", "12 months", "7 days", "3600000 ms". */
export function describeStep({ unit, size }: DateStep): string {
  if (unit === 'month') return `${size} month${size === 1 ? '' : 's'}`;
  if (size % DAY === 0) return `${size / DAY} day${size === DAY ? '' : 's'}`;
  return `${size} ms`;
}
