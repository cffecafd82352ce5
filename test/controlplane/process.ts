// Child processes that cannot outlive the test that started them.
//
// Each component runs in its own process group (spawned detached), so a signal reaches it and anything it
// forks. Three layers make sure no group survives its parent:
// 1. stop() ends the group: SIGTERM (+SIGCONT for a paused process), then SIGKILL after a grace period;
// 2. hooks on the parent's 'exit' and SIGINT/SIGTERM/SIGHUP kill every live group synchronously;
// 3. a detached watchdog process (watchdog.ts) polls the parent and kills the groups listed in the
//    state dir when the parent vanishes without running hooks (SIGKILL, OOM killer, crash).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** File in a state dir listing the process groups the watchdog must kill. */
export const processGroupsFile = 'process-groups';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Output of every run is appended here. */
  readonly logPath: string;
  /** Also copy the output to this process's stderr, each line prefixed with the name. */
  readonly attachOutput: boolean;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** First signal; default SIGTERM. SIGKILL skips the grace period. */
  readonly signal?: 'SIGTERM' | 'SIGINT' | 'SIGKILL';
  /** How long to wait after the first signal before SIGKILL; default 5 s. */
  readonly graceMs?: number;
}

/** Sends a signal to a whole process group, ignoring groups that are already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The start time field of /proc/<pid>/stat (clock ticks since boot), or undefined when there is no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Process groups alive in this process, per state dir, for the synchronous exit hooks and the watchdog list. */
const liveGroups = new Map<string, Set<number>>();
const dirsToRemoveOnExit = new Set<string>();
let hooksInstalled = false;

function publishGroups(stateDir: string): void {
  const groups = [...(liveGroups.get(stateDir) ?? [])];
  const file = join(stateDir, processGroupsFile);
  try {
    writeFileSync(`${file}.tmp`, groups.join('\n') + '\n');
    renameSync(`${file}.tmp`, file);
  } catch {
    // The state dir is being removed; nothing left to publish.
  }
}

function killEverythingNow(): void {
  for (const groups of liveGroups.values()) for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
  for (const dir of dirsToRemoveOnExit) rmSync(dir, { recursive: true, force: true });
}

function installExitHooks(handleSignals: boolean): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killEverythingNow);
  if (!handleSignals) return;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killEverythingNow();
      // Keep the default meaning of the signal (terminate) unless someone else also listens for it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * Registers a state dir: its process groups are killed (and, when `removeOnExit`, the dir deleted) if this
 * process exits or is killed before release() is called. Starts the watchdog for the SIGKILL case.
 */
export function guardStateDir(
  stateDir: string,
  options: { removeOnExit: boolean; handleSignals: boolean },
): { release: () => void } {
  installExitHooks(options.handleSignals);
  liveGroups.set(stateDir, new Set());
  if (options.removeOnExit) dirsToRemoveOnExit.add(stateDir);
  publishGroups(stateDir);
  const watchdog = spawn(
    process.execPath,
    [
      join(import.meta.dirname, 'watchdog.ts'),
      String(process.pid),
      processStartTime(process.pid) ?? '',
      stateDir,
      options.removeOnExit ? '1' : '0',
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  return {
    release: () => {
      if (watchdog.pid !== undefined) signalGroup(watchdog.pid, 'SIGTERM');
      liveGroups.delete(stateDir);
      dirsToRemoveOnExit.delete(stateDir);
    },
  };
}

/** One restartable child process in its own process group, its output appended to a log file. */
export class SupervisedProcess {
  readonly spec: ProcessSpec;
  readonly #stateDir: string;
  #child: ChildProcess | undefined;
  #exited: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  #lastExit: ExitStatus | undefined;
  #stopping = false;
  #runs = 0;

  constructor(spec: ProcessSpec, stateDir: string) {
    this.spec = spec;
    this.#stateDir = stateDir;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** How the last run ended, when it has ended. */
  get lastExit(): ExitStatus | undefined {
    return this.#lastExit;
  }

  /** Resolves when the current run ends (at once when not running). */
  get exited(): Promise<ExitStatus> {
    return this.#exited;
  }

  start(): void {
    if (this.#child) throw new Error(`${this.spec.name} is already running (pid ${this.#child.pid ?? '?'})`);
    this.#runs += 1;
    this.#stopping = false;
    this.#lastExit = undefined;
    const header = `\n=== ${this.spec.name} run ${this.#runs} at ${new Date().toISOString()}: ${this.spec.command} ${this.spec.args.join(' ')}\n`;
    writeFileSync(this.spec.logPath, header, { flag: 'a' });

    let child: ChildProcess;
    let log: WriteStream | undefined;
    if (this.spec.attachOutput) {
      child = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd,
        env: this.spec.env ?? process.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stream = createWriteStream(this.spec.logPath, { flags: 'a' });
      log = stream;
      const prefix = `[${this.spec.name}] `;
      for (const output of [child.stdout, child.stderr]) {
        output?.on('data', (chunk: Buffer) => {
          stream.write(chunk);
          process.stderr.write(
            chunk
              .toString()
              .split('\n')
              .filter((line) => line !== '')
              .map((line) => prefix + line + '\n')
              .join(''),
          );
        });
      }
    } else {
      // The child writes straight into the file: nothing in this process has to keep reading.
      const fd = openSync(this.spec.logPath, 'a');
      try {
        child = spawn(this.spec.command, this.spec.args, {
          cwd: this.spec.cwd,
          env: this.spec.env ?? process.env,
          detached: true,
          stdio: ['ignore', fd, fd],
        });
      } finally {
        closeSync(fd);
      }
    }
    // spawn reports ENOENT/EACCES as an 'error' event; without a listener it would crash the process.
    child.on('error', (error) => {
      writeFileSync(this.spec.logPath, `=== ${this.spec.name}: ${error.message}\n`, { flag: 'a' });
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
      log?.end();
      throw new Error(`could not start ${this.spec.name}: ${this.spec.command} is missing or not executable`);
    }
    this.#child = child;
    liveGroups.get(this.#stateDir)?.add(pid);
    publishGroups(this.#stateDir);
    const stoppedOnRequest = (): boolean => this.#stopping;
    child.on('exit', (code, signal) => {
      this.#lastExit = { code, signal };
      if (this.#child === child) this.#child = undefined;
      // Anything the component forked dies with it (and releases the output pipes).
      signalGroup(pid, 'SIGKILL');
      liveGroups.get(this.#stateDir)?.delete(pid);
      publishGroups(this.#stateDir);
    });
    // 'close' comes after 'exit' once the output pipes are drained, so the log is complete.
    this.#exited = new Promise<ExitStatus>((resolve) => {
      child.on('close', (code, signal) => {
        const status = { code, signal };
        const finish = (): void => {
          if (!stoppedOnRequest()) {
            writeFileSync(
              this.spec.logPath,
              `=== ${this.spec.name} exited on its own: ${describeExit(status)}\n`,
              {
                flag: 'a',
              },
            );
          }
          resolve(status);
        };
        if (log) log.end(finish);
        else finish();
      });
    });
  }

  /** Sends a signal to the process group (e.g. SIGSTOP/SIGCONT to freeze and thaw a component). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error(`${this.spec.name} is not running`);
    signalGroup(pid, signal);
  }

  /** Ends the process group and waits until the process has exited. */
  async stop(options: StopOptions = {}): Promise<ExitStatus | undefined> {
    const child = this.#child;
    if (child?.pid === undefined) return this.#lastExit;
    this.#stopping = true;
    // The child is unref'd so a forgotten control plane never keeps a test process alive; while someone
    // waits for it to end, though, its exit must keep the event loop going.
    child.ref();
    const pid = child.pid;
    const exited = this.#exited;
    const first = options.signal ?? 'SIGTERM';
    signalGroup(pid, first);
    if (first !== 'SIGKILL') signalGroup(pid, 'SIGCONT');
    const graceMs = first === 'SIGKILL' ? 0 : (options.graceMs ?? 5000);
    // An unref'd timer: a stop that finishes early must not hold the event loop open for the grace period.
    const inTime = await Promise.race([
      exited.then(() => true),
      sleep(graceMs, undefined, { ref: false }).then(() => false),
    ]);
    if (!inTime) signalGroup(pid, 'SIGKILL');
    return exited;
  }

  /** The last `lines` lines of the log file. */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.spec.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export function describeExit(status: ExitStatus): string {
  return status.signal !== null ? `killed by ${status.signal}` : `exit code ${status.code ?? '?'}`;
}
