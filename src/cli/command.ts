// What each `lstm-simd <command>` provides to the dispatcher in main.ts: one file per command.

export interface Command {
  name: string;
  /** One line for the overview printed by `lstm-simd --help`. */
  summary: string;
  /** The command's own help (`lstm-simd <command> --help`). */
  usage: string;
  /** Runs with the arguments after the command name; resolves with the process exit code. */
  run(argv: string[]): Promise<number>;
}
