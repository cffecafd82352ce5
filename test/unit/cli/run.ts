// Running the CLI in-process with in-memory streams, for tests.
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../../src/cli/command.ts';
import { main } from '../../../src/cli/main.ts';

export interface Captured {
  readonly io: CommandIO;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** In-memory streams for running a command in-process; `stdin` is the given text (empty by default). */
export function captureIO(stdin = ''): Captured {
  const input = new PassThrough();
  input.end(stdin);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  return {
    io: { stdin: input, stdout, stderr },
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mesh-injector <argv>` in-process. */
export async function runCli(argv: readonly string[], stdin = ''): Promise<CliResult> {
  const captured = captureIO(stdin);
  const code = await main(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}
