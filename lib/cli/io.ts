/** Where a command writes and where it runs: the real process, or a test's buffers. */
export interface CliIo {
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes, as CI reads them. */
export enum ExitCode {
  /** Done; nothing wrong found. */
  OK = 0,
  /** The command ran and found problems (invalid manifests, synthesis errors, a stale file, differences with --exit-code). */
  PROBLEMS = 1,
  /** The command could not run: bad arguments, a module or folder that cannot be read. */
  USAGE = 2,
}

/** An error that ends a command with a message and an exit code (no stack trace: it is the user's input). */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: ExitCode = ExitCode.USAGE) {
    super(message);
  }
}
