import type * as Cli from './cli';
import { type CliIo } from './io';

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code. Usage
 * errors and problems are printed as plain text; nothing is thrown.
 *
 * The commands and their argument parser load on the first call: a program that imports the
 * library to synthesize does not pay for them.
 */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (require('./cli') as typeof Cli).runCli(argv, io);
}
