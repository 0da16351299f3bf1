// Reading a series from a CSV file (Node): the file's bytes as UTF-8, then the
// browser-safe parser with the path in every error message.

import { readFile } from 'node:fs/promises';
import { readCsvSeries, type CsvSeries, type CsvSeriesOptions } from '../series/csv.js';
import { describeReadError } from './corpus.js';

/** A failure to read a file (missing, a directory, not permitted), naming the path. */
export class FileReadError extends Error {
  override name = 'FileReadError';
}

/**
 * Reads one numeric column (and optionally a date column) of the CSV file at `path`; errors name
 * the file, and for bad cells the line, data row and column (see readCsvSeries).
 *
 * @example
 * const series = await readCsvSeriesFile('nino12-sst.csv', { column: 'sst', dateColumn: 'month' });
 */
export async function readCsvSeriesFile(path: string, options: CsvSeriesOptions): Promise<CsvSeries> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path));
  } catch (error) {
    const why = error instanceof TypeError ? 'it is not UTF-8 text' : describeReadError(error);
    throw new FileReadError(`cannot read CSV file ${path}: ${why}`, { cause: error });
  }
  return readCsvSeries(text, { ...options, source: options.source ?? path });
}
