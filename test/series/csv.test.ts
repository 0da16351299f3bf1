// The CSV loader: RFC 4180 parsing, a numeric column by name, an optional date column with its
// checks, and errors that name the file, line, data row and column.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, readCsvSeries } from '../../src/series/csv.js';
import { parseIsoDate } from '../../src/series/dates.js';

const FIXTURE = resolve(__dirname, '../fixtures/series/nino12-sst.csv');

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF and a byte-order mark', () => {
    const text = '\ufeffname,"note, with comma",value\r\n"a ""quoted"" word","two\nlines",1.5\r\nb,,2\r\n\r\n';
    const table = parseCsv(text);
    expect(table.header).toEqual(['name', 'note, with comma', 'value']);
    expect(table.rows).toEqual([
      ['a "quoted" word', 'two\nlines', '1.5'],
      ['b', '', '2'],
    ]);
    // The second record starts on line 4: the quoted line break moved it down one.
    expect(table.lines).toEqual([2, 4]);
  });

  it('takes another delimiter', () => {
    expect(parseCsv('a;b\n1;"2;3"\n', { delimiter: ';' }).rows).toEqual([['1', '2;3']]);
    expect(() => parseCsv('a\n', { delimiter: '"' })).toThrow(/delimiter must be one character/);
  });

  it('rejects malformed files with the line', () => {
    const bad: [string, RegExp][] = [
      ['a,b\n1,"2\n3,4\n', /f\.csv: line 2: a quoted field is never closed/],
      ['a,b\n1,2\n3,x"y\n', /f\.csv: line 3: a quote inside an unquoted field/],
      ['a,b\n1,"2"x\n', /f\.csv: line 2: text after the closing quote/],
      ['a,b\n1,2\n3\n', /f\.csv: line 3: 1 fields, but the header has 2/],
      ['a,b\n1,2\n\n3,4\n', /f\.csv: line 3: the line is blank/],
      ['a,b,a\n1,2,3\n', /f\.csv: line 1: the header names column 'a' twice/],
      ['\n\n', /f\.csv: the file is empty/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseCsv(text, { source: 'f.csv' }), text).toThrow(message);
      expect(() => parseCsv(text, { source: 'f.csv' })).toThrow(CsvError);
    }
  });
});

describe('readCsvSeries', () => {
  const text = 'month,"sea temp",other\n2001-01,1.5,x\n2001-02, -2e1 ,y\n2001-03,+.25,z\n';

  it('reads a column by name, with its dates and their monthly step', () => {
    const series = readCsvSeries(text, { column: 'sea temp', dateColumn: 'month' });
    expect(series.name).toBe('sea temp');
    expect([...series.values]).toEqual([1.5, -20, 0.25]);
    expect(series.dates).toEqual(['2001-01', '2001-02', '2001-03']);
    expect(series.step).toEqual({ unit: 'month', size: 1 });
    expect(readCsvSeries(text, { column: 'sea temp' }).dates).toBeUndefined();
  });

  it('names the columns there are when a column is missing', () => {
    expect(() => readCsvSeries(text, { column: 'sst', source: 'd.csv' })).toThrow(
      "d.csv: no column 'sst' in the header (columns: 'month', 'sea temp', 'other')",
    );
    expect(() => readCsvSeries(text, { column: 'other', dateColumn: 'date' })).toThrow(/no date column 'date'/);
    expect(() => readCsvSeries('a,b\n', { column: 'a' })).toThrow(/a header but no data rows/);
  });

  it('names line, data row and column of a missing or non-numeric cell', () => {
    const cells: [string, string][] = [
      ['', "line 3 (data row 2), column 'v': missing value (an empty cell)"],
      ['NA', "line 3 (data row 2), column 'v': missing value ('NA')"],
      ['nan', "missing value ('nan')"],
      ['abc', "line 3 (data row 2), column 'v': 'abc' is not a number"],
      ['"1,234"', "'1,234' is not a number"],
      ['12%', "'12%' is not a number"],
      ['0x10', "'0x10' is not a number"],
      ['Infinity', "'Infinity' is not a number"],
      ['1e999', "'1e999' is not a number"],
    ];
    for (const [cell, message] of cells) {
      const csv = `t,v\n1,2\n2,${cell}\n3,4\n`;
      expect(() => readCsvSeries(csv, { column: 'v', source: 's.csv' }), cell).toThrow(message);
      expect(() => readCsvSeries(csv, { column: 'v', source: 's.csv' })).toThrow(
        /^s\.csv: line 3 \(data row 2\), column 'v': /,
      );
      try {
        readCsvSeries(csv, { column: 'v' });
      } catch (error) {
        expect(error).toBeInstanceOf(CsvError);
        expect((error as CsvError).line).toBe(3);
        expect((error as CsvError).column).toBe('v');
      }
    }
  });

  it('checks that dates parse, increase strictly and are evenly spaced', () => {
    const dated = (dates: string[]) => 'd,v\n' + dates.map((d, i) => `${d},${i}`).join('\n') + '\n';
    const read = (dates: string[], allowGaps = false) =>
      readCsvSeries(dated(dates), { column: 'v', dateColumn: 'd', allowGaps });
    expect(() => read(['2001-01', '2001-13'])).toThrow(
      "line 3 (data row 2), column 'd': '2001-13' is not an ISO 8601 date",
    );
    expect(() => read(['2001-02-28', '2001-02-30'])).toThrow(/'2001-02-30' is not an ISO 8601 date/);
    expect(() => read(['2001-01', '2001-03', '2001-02'])).toThrow(
      /line 4 \(data row 3\), column 'd': 2001-02 comes before 2001-03 of the row above \(rows must be sorted/,
    );
    expect(() => read(['2001-01', '2001-02', '2001-02'])).toThrow(/2001-02 repeats 2001-02/);
    expect(() => read(['2001-01', '2001-02', '2001-03', '2001-06', '2001-07'])).toThrow(
      /line 5 \(data row 4\), column 'd': 2001-06 follows 2001-03, a step of 3 months where the series steps by 1 month/,
    );
    expect(read(['2001-01', '2001-02', '2001-03', '2001-06', '2001-07'], true).step).toEqual({
      unit: 'month',
      size: 1,
    });
    // Months of 28 to 31 days are one step each; dates on the 15th too.
    expect(read(['2001-01-15', '2001-02-15', '2001-03-15']).step).toEqual({ unit: 'month', size: 1 });
    expect(read(['1999', '2000', '2001']).step).toEqual({ unit: 'month', size: 12 });
    expect(read(['2001-03-24', '2001-03-25', '2001-03-26T00:00Z']).step).toEqual({
      unit: 'millisecond',
      size: 86_400_000,
    });
    expect(() => read(['2001-03-24', '2001-03-25', '2001-03-27'])).toThrow(
      /a step of 2 days where the series steps by 1 day/,
    );
  });

  it('parses ISO 8601 dates and rejects others', () => {
    expect(parseIsoDate('2001-03-15T12:30:05.5Z')!.time).toBe(Date.UTC(2001, 2, 15, 12, 30, 5, 500));
    for (const bad of ['03/15/2001', '2001-3', '2001-03-15T25:00', '20010315', 'March 2001', '']) {
      expect(parseIsoDate(bad), bad).toBeNull();
    }
  });

  it('loads the committed fixture: 732 months of Nino 1+2 sea surface temperature, 1950-2010', () => {
    const series = readCsvSeries(readFileSync(FIXTURE, 'utf8'), { column: 'sst', dateColumn: 'month' });
    expect(series.values.length).toBe(61 * 12);
    expect(series.dates![0]).toBe('1950-01');
    expect(series.dates![731]).toBe('2010-12');
    expect(series.step).toEqual({ unit: 'month', size: 1 });
    expect(series.values[0]).toBe(23.11);
    expect(Math.min(...series.values)).toBeGreaterThan(18);
    expect(Math.max(...series.values)).toBeLessThan(30);
  });
});
