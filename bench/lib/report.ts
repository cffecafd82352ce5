// What every benchmark result carries besides its figures, and the small statistics they share.
//
// The machines these run on are shared, so each result records the load it started under: a figure measured at a
// load average of 4 on 2 cores is not the same figure as one measured on an idle machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface RunContext {
  readonly node: string;
  readonly date: string;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  readonly loadAverageAtStart: readonly number[];
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
}

export function runContext(): RunContext {
  return {
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
  };
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(name: string, result: object): string {
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file.pathname;
}

/** The p-th percentile (0-100) of samples, nearest-rank; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function distribution(samples: readonly number[], digits = 2): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number): number => Number(n.toFixed(digits));
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: round(sorted.length === 0 ? Number.NaN : sum / sorted.length),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** Reads a positive number flag, failing with the flag's name. */
export function positiveNumber(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n <= 0)
    throw new Error(`--${flag} must be a positive number, got ${String(value)}`);
  return n;
}

export const MiB = 1024 * 1024;

export function mib(bytes: number): number {
  return Number((bytes / MiB).toFixed(1));
}
