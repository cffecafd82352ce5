#!/usr/bin/env node
// Entry point of the `mesh-injector` binary: dispatches to one command.
import { commands } from './commands.ts';
import { UsageError, type CommandIO } from './command.ts';
import { version } from '../version.ts';

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `mesh-injector ${version}: Istio-compatible sidecar injection for Kubernetes

Usage:
  mesh-injector <command> [flags]

Commands:
${list}

Run 'mesh-injector <command> --help' for a command's flags.
`;
}

export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`${version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`mesh-injector: unknown command "${name}"\n\n${topLevelHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        `mesh-injector ${command.name}: ${err.message}\nRun 'mesh-injector ${command.name} --help' for usage.\n`,
      );
      return 2;
    }
    throw err;
  }
}

// Run only when executed directly, not when imported by tests.
if (import.meta.main) {
  const io: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `mesh-injector: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
