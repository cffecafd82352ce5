// The shape every CLI command has. Commands take their streams as arguments so tests can run them
// in-process and read what they wrote.
import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export interface Command {
  readonly name: string;
  /** One line for the command list in `mesh-injector --help`. */
  readonly summary: string;
  /** Full help text for `mesh-injector <name> --help`. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

/** A usage error: the command line itself is wrong. Printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node:util's parseArgs, with a malformed command line reported as a UsageError (exit code 2, help hint). */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
