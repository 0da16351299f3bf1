// Command-line parsing and validation: every bad argument becomes a UsageError
// with one clear line, never a stack trace.

import { parseArgs } from 'node:util';
import { isModelKind, MODEL_DEFAULTS, type ModelKind } from '../models/zoo.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** parseArgs' option entries. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parsed options by name. */
export type ParsedArgs = Record<string, string | boolean | undefined>;

export function parse(argv: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    return values as ParsedArgs;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // parseArgs' messages are clear but long; keep their first sentence.
    throw new UsageError((error as Error).message.split('. ')[0].replace(/\.$/, ''));
  }
}

export function integer(value: string | boolean | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${String(value)}'`);
  }
  return n;
}

export function positiveNumber(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number, got '${String(value)}'`);
  }
  return n;
}

/** A number in [0, 1), e.g. a dropout probability (`fallback` when not given). */
export function probability(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !(n >= 0 && n < 1)) {
    throw new UsageError(`--${name} must be a number in [0, 1), got '${String(value)}'`);
  }
  return n;
}

export function choice<T extends string>(
  value: string | boolean | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${String(value)}'`);
  }
  return value as T;
}

export function text(value: string | boolean | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`);
  return value;
}

/** A comma-separated list of positive numbers (integers when `integers`), or `fallback`. */
export function numberList(
  value: string | boolean | undefined,
  name: string,
  fallback: readonly number[],
  integers: boolean,
): number[] {
  if (value === undefined) return [...fallback];
  const items = typeof value === 'string' ? value.split(',').map((item) => item.trim()) : [];
  const numbers = items.map(Number);
  const valid =
    items.length > 0 &&
    numbers.every((n, i) => items[i] !== '' && Number.isFinite(n) && n > 0 && (!integers || Number.isSafeInteger(n)));
  if (!valid) {
    const what = integers ? 'positive integers' : 'positive numbers';
    throw new UsageError(`--${name} must be a comma-separated list of ${what}, got '${String(value)}'`);
  }
  return [...new Set(numbers)];
}

/** --model: one of the zoo's kinds, or `fallback`. */
export function modelKind(value: string | boolean | undefined, fallback: ModelKind): ModelKind {
  const name = text(value, 'model') ?? fallback;
  if (!isModelKind(name)) {
    throw new UsageError(`--model must be one of ${Object.keys(MODEL_DEFAULTS).join(', ')}, got '${name}'`);
  }
  return name;
}
