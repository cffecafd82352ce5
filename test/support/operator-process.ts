// `mesh-injector operator` as its own process, started the way users start it, for the integration and reliability
// tests, the benchmarks and the demo. It runs under the control plane's process supervision (its own process group,
// killed with the test process even when that dies by SIGKILL), appends every run's output to one log file in the
// control plane's directory, and answers what callers ask of it: readiness, health, metrics, JSON log records, CPU
// and memory.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ControlPlane } from '../controlplane/controlplane.ts';
import { describeExit, SupervisedProcess, type ExitStatus } from '../controlplane/process.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import {
  errorText,
  eventually,
  field,
  freePorts,
  objects,
  operatorNamespace,
  repoRoot,
  text,
} from './k8s.ts';

export type { ExitStatus };

/** The MutatingWebhookConfiguration the operator owns. */
export const webhookConfigurationName = 'mesh-injector-sidecar-injector';

/** What the operator needs of a control plane: a directory for its log, and credentials. */
export type OperatorHost = Pick<ControlPlane, 'dir' | 'kubeconfigPath'>;

export interface OperatorProcessOptions {
  /** POD_NAME (the prefix of its leader identity) and the name of its log file. */
  readonly name: string;
  readonly webhookPort: number;
  readonly metricsPort: number;
  /** --webhook-url, where the MutatingWebhookConfiguration sends the API server; default this process's webhook. */
  readonly webhookUrl?: string;
  /** Default the control plane's admin kubeconfig. */
  readonly kubeconfigPath?: string;
  /** Default true (the operator's own default). */
  readonly leaderElect?: boolean;
  /** Default info: the JSON records tests read are logged at info. */
  readonly logLevel?: string;
  /** More operator flags, after the ones above (a repeated flag: the last one wins). */
  readonly extraArgs?: readonly string[];
  /** Flags for node itself, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** The entry point, relative to the repository; default the TypeScript source, src/cli/main.ts. */
  readonly entry?: string;
  /** Added to the test process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LaunchOptions extends Omit<OperatorProcessOptions, 'webhookPort' | 'metricsPort'> {
  /** Default a free port. */
  readonly webhookPort?: number;
  /** Default a free port. */
  readonly metricsPort?: number;
  /** How long to wait for /readyz; default 60 s. */
  readonly readyTimeoutMs?: number;
}

/** The command line after `node`. */
export function operatorArgs(host: OperatorHost, options: OperatorProcessOptions): string[] {
  const ownWebhook = `https://127.0.0.1:${options.webhookPort}/inject`;
  return [
    ...(options.nodeArgs ?? []),
    options.entry ?? 'src/cli/main.ts',
    'operator',
    `--kubeconfig=${options.kubeconfigPath ?? host.kubeconfigPath}`,
    `--namespace=${operatorNamespace}`,
    `--webhook-url=${options.webhookUrl ?? ownWebhook}`,
    `--webhook-address=127.0.0.1:${options.webhookPort}`,
    `--metrics-address=127.0.0.1:${options.metricsPort}`,
    `--leader-elect=${String(options.leaderElect ?? true)}`,
    // Stopping is part of every test's cleanup; the grace period for in-flight admissions would only slow it.
    '--lame-duck=0s',
    `--log-level=${options.logLevel ?? 'info'}`,
    ...(options.extraArgs ?? []),
  ];
}

/** A restartable operator process; each start() is one run, all runs in the same log. */
export class OperatorProcess {
  readonly options: OperatorProcessOptions;
  /** Every run's output (kept with the control plane's files when MESH_INJECTOR_CONTROLPLANE_KEEP is set). */
  readonly logPath: string;
  readonly #process: SupervisedProcess;
  #runs = 0;
  /** The log as last read, for failure messages after the control plane's directory is gone. */
  #lastRead = '';

  constructor(host: OperatorHost, options: OperatorProcessOptions) {
    this.options = options;
    const logsDir = join(host.dir, 'logs');
    mkdirSync(logsDir, { recursive: true });
    this.logPath = join(logsDir, `operator-${options.name}.log`);
    this.#process = new SupervisedProcess(
      {
        name: `operator ${options.name}`,
        command: process.execPath,
        args: operatorArgs(host, options),
        cwd: repoRoot,
        env: { ...process.env, POD_NAME: options.name, ...options.env },
        logPath: this.logPath,
        attachOutput: false,
      },
      host.dir,
    );
  }

  /** Starts an operator on free ports (unless given) and waits until it is ready; stops it if it never is. */
  static async launch(host: OperatorHost, options: LaunchOptions): Promise<OperatorProcess> {
    const [webhookPort, metricsPort] = await freePorts(2);
    const { readyTimeoutMs, ...rest } = options;
    const operator = new OperatorProcess(host, {
      ...rest,
      webhookPort: options.webhookPort ?? webhookPort!,
      metricsPort: options.metricsPort ?? metricsPort!,
    });
    operator.start();
    try {
      await operator.waitReady(readyTimeoutMs);
    } catch (err) {
      await operator.stop();
      throw err;
    }
    return operator;
  }

  get running(): boolean {
    return this.#process.running;
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** How many times it was started. */
  get runs(): number {
    return this.#runs;
  }

  /** Resolves with how the current run ended (at once when not running). */
  get exited(): Promise<ExitStatus> {
    return this.#process.exited;
  }

  /** The plain-HTTP base URL of /metrics, /healthz and /readyz. */
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.options.metricsPort}`;
  }

  /** Where this process's own webhook serves (whatever --webhook-url tells the API server). */
  get servingUrl(): string {
    return `https://127.0.0.1:${this.options.webhookPort}/inject`;
  }

  start(): void {
    this.#process.start();
    this.#runs += 1;
    void this.#process.exited.then(() => this.output());
  }

  /** Sends `signal` and waits for the exit; SIGKILL follows if a SIGTERM or SIGINT is not obeyed in `graceMs`. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' | 'SIGINT' = 'SIGKILL', graceMs = 10_000): Promise<ExitStatus> {
    const exit = await this.#process.stop({ signal, graceMs });
    return exit ?? { code: null, signal: null };
  }

  /** SIGTERM (the way Kubernetes stops a pod), then SIGKILL after `graceMs`: a cleanup never hangs. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    return this.kill('SIGTERM', graceMs);
  }

  /** SIGSTOP: the process keeps its sockets and answers nothing. */
  pause(): void {
    if (this.running) this.#process.signal('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.#process.signal('SIGCONT');
  }

  /** Everything every run printed so far, with a `===` line where each run began and ended. */
  output(): string {
    try {
      this.#lastRead = readFileSync(this.logPath, 'utf8');
    } catch {
      // The control plane was stopped and its directory removed: the last read stands.
    }
    return this.#lastRead;
  }

  tail(chars = 4000): string {
    return this.output().slice(-chars);
  }

  /** Every JSON log record so far. */
  records(): JsonObject[] {
    const out: JsonObject[] = [];
    for (const line of this.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const record = JSON.parse(line) as JsonValue;
        if (isJsonObject(record)) out.push(record);
      } catch {
        // A line cut short by a kill: not a record.
      }
    }
    return out;
  }

  /** The `msg` of every JSON log record so far. */
  messages(): string[] {
    return this.records().map((r) => text(r.msg));
  }

  /** GET /healthz: the status, or undefined when nothing answered within `timeoutMs`. */
  async healthz(timeoutMs = 3000): Promise<number | undefined> {
    return this.#status('/healthz', timeoutMs);
  }

  /** Until GET /readyz answers 200; fails at once when the process is not running (or exits meanwhile). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const name = this.options.name;
    let outcome: 'ready' | 'exited';
    try {
      outcome = await eventually(
        `operator ${name} to be ready (GET ${this.metricsUrl}/readyz)`,
        async () => {
          if (!this.running) return 'exited';
          return (await this.#status('/readyz', 2000)) === 200 && 'ready';
        },
        { timeoutMs, intervalMs: 250 },
      );
    } catch (err) {
      throw new Error(`${errorText(err)}; its output ends:\n${this.tail(3000)}`, { cause: err });
    }
    if (outcome === 'exited') {
      const exit = this.#process.lastExit;
      if (exit === undefined) throw new Error(`operator ${name} was never started`);
      throw new Error(
        `operator ${name} exited (${describeExit(exit)}) before it was ready; its output ends:\n${this.tail(3000)}`,
      );
    }
  }

  /** The /metrics page as served (Prometheus text format). */
  async metricsText(): Promise<string> {
    const res = await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET ${this.metricsUrl}/metrics: HTTP ${res.status}`);
    return res.text();
  }

  /** Every sample of /metrics, keyed by series (`name{labels}`). */
  async metrics(): Promise<Map<string, number>> {
    return parseMetrics(await this.metricsText());
  }

  /** User + system CPU seconds of the current run so far, from /proc. */
  cpuSeconds(): number {
    const pid = this.#livePid();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start after ") "; utime and stime are the 12th
    // and 13th of those, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** Resident set size now, from /proc. */
  rssBytes(): number {
    return this.#procStatus('VmRSS');
  }

  /** The highest resident set size of the current run (the kernel's high-water mark). */
  peakRssBytes(): number {
    return this.#procStatus('VmHWM');
  }

  #livePid(): number {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`operator ${this.options.name} is not running`);
    return pid;
  }

  #procStatus(key: string): number {
    const pid = this.#livePid();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    if (kb === undefined) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(kb) * 1024;
  }

  async #status(path: string, timeoutMs: number): Promise<number | undefined> {
    try {
      const res = await fetch(`${this.metricsUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.text();
      return res.status;
    } catch {
      return undefined;
    }
  }
}

/** Prometheus text format to a map from series (`name{labels}`, as written) to value. */
export function parseMetrics(exposition: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // Label values may hold spaces; the value is the last field (prom-client writes no timestamps).
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** The labels of a series key (`name{a="x",b="y"}`), unescaped. */
export function seriesLabels(key: string): Map<string, string> {
  const labels = new Map<string, string>();
  const open = key.indexOf('{');
  if (open < 0) return labels;
  for (const pair of key
    .slice(open + 1, key.lastIndexOf('}'))
    .matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels.set(
      pair[1]!,
      pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
    );
  }
  return labels;
}

/** Sum of the samples of `name` whose labels include every pair in `labels`. */
export function metricSum(
  series: ReadonlyMap<string, number>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let total = 0;
  for (const [key, value] of series) {
    const open = key.indexOf('{');
    if ((open < 0 ? key : key.slice(0, open)) !== name) continue;
    const present = seriesLabels(key);
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) total += value;
  }
  return total;
}

/**
 * Waits until the operator's MutatingWebhookConfiguration exists and every webhook in it carries a caBundle (the
 * operator has its certificate and the API server can call it), and returns it.
 */
export async function waitForWebhookCaBundle(client: KubeClient, timeoutMs = 120_000): Promise<JsonObject> {
  return eventually(
    `MutatingWebhookConfiguration ${webhookConfigurationName} with a caBundle`,
    async () => {
      const mwc = await client.request({
        path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${webhookConfigurationName}`,
      });
      const hooks = objects(mwc.webhooks);
      return hooks.length > 0 && hooks.every((h) => text(field(h, 'clientConfig', 'caBundle')) !== '') && mwc;
    },
    { timeoutMs, intervalMs: 250 },
  );
}
