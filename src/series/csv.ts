// CSV text to a numeric series (browser-safe: it parses a string; reading the
// file is the Node side's job). The dialect is RFC 4180: a header row, fields
// separated by commas, optionally enclosed in double quotes (a quote inside a
// quoted field is written twice; quoted fields may hold commas and line
// breaks), LF or CRLF line ends, an optional UTF-8 byte-order mark. Blank lines
// at the end are ignored; a blank line inside the data is an error, as is a row
// whose field count differs from the header's. Errors name the file (when
// given), the line, the data row and the column.

import { checkDates, type DateStep } from './dates.js';

/** A parsed CSV file: the header, the data rows as text, and the line each row starts on. */
export interface CsvTable {
  /** The column names of the first line, trimmed. */
  header: string[];
  /** The data rows, each with one string per header column (quotes removed). */
  rows: string[][];
  /** lines[r]: the 1-based line on which data row r starts (the header is line 1). */
  lines: number[];
}

/** A bad CSV file or cell; `line` and `column` say where, when known. */
export class CsvError extends Error {
  override name = 'CsvError';
  /**
   * A CSV error with where it is.
   *
   * @param message the whole message (it already names the file, line and column)
   * @param line the 1-based line of the file, when known
   * @param column the header name of the column, when known
   */
  constructor(
    message: string,
    /** The 1-based line of the file the error is on, when known. */
    readonly line?: number,
    /** The header name of the column, when known. */
    readonly column?: string,
  ) {
    super(message);
  }
}

/** How parseCsv reads the text: the separator, and a name for messages. */
export interface CsvOptions {
  /** Field separator (default ','); one character, not a quote or a line break. */
  delimiter?: string;
  /** A name for error messages, e.g. the file's path. */
  source?: string;
}

/**
 * Parses CSV text into a header and rows of strings (no type conversion). Throws a CsvError for
 * an unterminated quote, a quote inside an unquoted field, a blank line inside the data, or a row
 * whose number of fields differs from the header's.
 *
 * @example
 * parseCsv('month,value\n2001-01,"1.5"\n').rows; // [['2001-01', '1.5']]
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`parseCsv: delimiter must be one character other than a quote or a line break`);
  }
  const where = (line: number) => `${options.source ? `${options.source}: ` : ''}line ${line}`;
  const records: { fields: string[]; line: number; blank: boolean }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        blank = false;
        i++;
        for (;;) {
          if (i >= text.length) throw new CsvError(`${where(start)}: a quoted field is never closed`, start);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          throw new CsvError(`${where(line)}: text after the closing quote of a field`, line);
        }
      } else {
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') {
            throw new CsvError(`${where(line)}: a quote inside an unquoted field (quote the whole field)`, line);
          }
          field += text[i++];
        }
        if (field !== '') blank = false;
      }
      fields.push(field);
      if (i < text.length && text[i] === delimiter) {
        blank = false;
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    records.push({ fields, line: start, blank });
    line++;
  }
  while (records.length > 0 && records[records.length - 1].blank) records.pop();
  if (records.length === 0) throw new CsvError(`${options.source ? `${options.source}: ` : ''}the file is empty`);
  const header = records[0].fields.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new CsvError(`${where(1)}: the header names column '${name}' twice`, 1, name);
    seen.add(name);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const record of records.slice(1)) {
    if (record.blank && header.length > 1) {
      throw new CsvError(`${where(record.line)}: the line is blank (a missing row?)`, record.line);
    }
    if (record.fields.length !== header.length) {
      throw new CsvError(
        `${where(record.line)}: ${record.fields.length} fields, but the header has ${header.length}`,
        record.line,
      );
    }
    rows.push(record.fields);
    lines.push(record.line);
  }
  return { header, rows, lines };
}

/** A numeric column of a CSV file, with its dates when a date column was named. */
export interface CsvSeries {
  /** The column's name. */
  name: string;
  /** The column's numbers, in file order. */
  values: Float64Array;
  /** The date column's cells as written (when `dateColumn` was given). */
  dates?: string[];
  /** The spacing of the dates (when `dateColumn` was given), e.g. { unit: 'month', size: 1 }. */
  step?: DateStep;
}

/** What readCsvSeries reads: the column, an optional date column and its checks, and the CSV options. */
export interface CsvSeriesOptions extends CsvOptions {
  /** The header name of the numeric column. */
  column: string;
  /**
   * The header name of a date column (ISO 8601: 2001, 2001-03, 2001-03-15, 2001-03-15T12:00). Its
   * dates must increase strictly (sorted, no duplicates) and be evenly spaced (in calendar months
   * when every date falls on the same day of the month, else in time): a gap or an uneven step is
   * an error naming the line, unless `allowGaps`.
   */
  dateColumn?: string;
  /** Accept unevenly spaced dates (they must still increase). */
  allowGaps?: boolean;
}

/** Cells read as missing values (besides empty ones), compared case-insensitively. */
const MISSING = new Set(['na', 'n/a', 'nan', 'null', 'none', '?', '.', '-']);
/** A decimal number: optional sign, digits with an optional point, an optional exponent. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads one numeric column (by header name) of CSV text, and optionally a date column. Every cell
 * of the column must be a finite decimal number: an empty or missing-value cell (NA, NaN, null, ...)
 * or anything else (1,234 or 12%) is a CsvError naming the line, the data row and the column.
 *
 * @example
 * const series = readCsvSeries(text, { column: 'sst', dateColumn: 'month', source: 'nino12.csv' });
 */
export function readCsvSeries(text: string, options: CsvSeriesOptions): CsvSeries {
  const table = parseCsv(text, options);
  const prefix = options.source ? `${options.source}: ` : '';
  const columnIndex = (name: string, what: string) => {
    const index = table.header.indexOf(name);
    if (index < 0) {
      throw new CsvError(
        `${prefix}no ${what} '${name}' in the header (columns: ${table.header.map((h) => `'${h}'`).join(', ')})`,
        1,
        name,
      );
    }
    return index;
  };
  const valueIndex = columnIndex(options.column, 'column');
  const dateIndex = options.dateColumn === undefined ? -1 : columnIndex(options.dateColumn, 'date column');
  if (table.rows.length === 0) throw new CsvError(`${prefix}the file has a header but no data rows`, 1);
  const where = (r: number, column: string) =>
    `${prefix}line ${table.lines[r]} (data row ${r + 1}), column '${column}'`;
  const values = new Float64Array(table.rows.length);
  table.rows.forEach((row, r) => {
    const cell = row[valueIndex].trim();
    if (cell === '' || MISSING.has(cell.toLowerCase())) {
      const shown = cell === '' ? 'an empty cell' : `'${cell}'`;
      throw new CsvError(`${where(r, options.column)}: missing value (${shown})`, table.lines[r], options.column);
    }
    const value = Number(cell);
    if (!NUMBER.test(cell) || !Number.isFinite(value)) {
      throw new CsvError(`${where(r, options.column)}: '${cell}' is not a number`, table.lines[r], options.column);
    }
    values[r] = value;
  });
  if (dateIndex < 0) return { name: options.column, values };
  const dates = table.rows.map((row) => row[dateIndex].trim());
  const dateColumn = options.dateColumn!;
  const step = checkDates(dates, {
    allowGaps: options.allowGaps ?? false,
    describe: (r) => where(r, dateColumn),
    fail: (r, message) => {
      throw new CsvError(message, table.lines[r], dateColumn);
    },
  });
  return { name: options.column, values, dates, step };
}
