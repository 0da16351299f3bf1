// lstm-simd command line: one file per command, dispatched here. Every error becomes one line on
// stderr and a non-zero exit code (2 for bad usage, 1 for anything else); LSTM_SIMD_DEBUG=1 adds the stack.
// Node only.

import '../node/threads.js';
import { UsageError } from './args.js';
import type { Command } from './command.js';
import { forecastCommand } from './forecast.js';
import { generateCommand } from './generate.js';
import { labCommand } from './lab.js';
import { sweepCommand } from './sweep.js';
import { trainCommand } from './train.js';

const COMMANDS: readonly Command[] = [trainCommand, generateCommand, sweepCommand, forecastCommand, labCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  lstm-simd ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n\nRun 'lstm-simd <command> --help' for a command's options.`;
}

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      console.log(overview());
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(`unknown command '${name}' (expected ${COMMANDS.map((c) => c.name).join(', ')})`);
    }
    if (wantsHelp(rest)) {
      console.log(command.usage);
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.LSTM_SIMD_DEBUG && error instanceof Error) console.error(error.stack);
    console.error(`lstm-simd: ${message}`);
    if (error instanceof UsageError) {
      const command = COMMANDS.find((c) => c.name === name);
      console.error(`Run 'lstm-simd ${command ? `${command.name} ` : ''}--help' for usage.`);
    }
    return error instanceof UsageError ? 2 : 1;
  }
}
