// The MeshInjection spec as the reconciler uses it: every field present, durations in milliseconds.
//
// The CRD's schema validates and defaults the spec on the API server, so a bad value normally never arrives. The
// reconciler still reads defensively (the CRD may be an older copy, or applied without validation): a bad field
// falls back to its default and is reported, naming the field, in the Degraded condition.
import { isJsonObject, type JsonValue } from '../../inject/types.ts';

export const RESTART_POLICIES = ['Rolling', 'Manual', 'Never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export const EXCLUDABLE_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Rollout',
  'Job',
  'CronJob',
  'Pod',
] as const;
export type ExcludableKind = (typeof EXCLUDABLE_KINDS)[number];

export interface WorkloadName {
  readonly kind: ExcludableKind;
  readonly name: string;
}

export interface MeshInjectionSpec {
  readonly restartPolicy: RestartPolicy;
  readonly maxConcurrentRestarts: number;
  /** Minimum time between two restarts started in the namespace. */
  readonly restartIntervalMs: number;
  readonly excludeWorkloads: readonly WorkloadName[];
  readonly allowBarePodDeletion: boolean;
}

/** The defaults, as the CRD's schema declares them. */
export const DEFAULT_SPEC: MeshInjectionSpec = {
  restartPolicy: 'Rolling',
  maxConcurrentRestarts: 2,
  restartIntervalMs: 10_000,
  excludeWorkloads: [],
  allowBarePodDeletion: false,
};

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses the Go durations the CRD accepts (`10s`, `1m30s`, `1.5h`, `250ms`, `0`) into milliseconds; undefined for
 * anything else. Units smaller than a millisecond are not accepted, as the schema's pattern says.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const part = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    at = part.lastIndex;
  }
  return at === 0 || !Number.isFinite(total) ? undefined : Math.round(total);
}

export interface ParsedSpec {
  readonly spec: MeshInjectionSpec;
  /** One entry per field that could not be used, naming it; empty when the spec is fine. */
  readonly problems: readonly string[];
}

function isExcludableKind(value: unknown): value is ExcludableKind {
  return typeof value === 'string' && (EXCLUDABLE_KINDS as readonly string[]).includes(value);
}

/** Reads `spec` of a MeshInjection; absent fields take their defaults, invalid ones too (with a problem). */
export function parseMeshInjectionSpec(raw: JsonValue | undefined): ParsedSpec {
  const problems: string[] = [];
  if (raw !== undefined && raw !== null && !isJsonObject(raw)) {
    return { spec: DEFAULT_SPEC, problems: ['spec: want an object; using the defaults'] };
  }
  const spec = raw ?? {};
  const bad = (field: string, value: JsonValue, want: string, fallback: string): void => {
    problems.push(`spec.${field}: ${JSON.stringify(value)} is not ${want}; using ${fallback}`);
  };

  let restartPolicy = DEFAULT_SPEC.restartPolicy;
  const policy = spec.restartPolicy;
  if (policy !== undefined && policy !== null) {
    const known = RESTART_POLICIES.find((p) => p === policy);
    if (known === undefined)
      bad('restartPolicy', policy, `one of ${RESTART_POLICIES.join(', ')}`, restartPolicy);
    else restartPolicy = known;
  }

  let maxConcurrentRestarts = DEFAULT_SPEC.maxConcurrentRestarts;
  const max = spec.maxConcurrentRestarts;
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      bad('maxConcurrentRestarts', max, 'an integer >= 1', String(maxConcurrentRestarts));
    } else {
      maxConcurrentRestarts = max;
    }
  }

  let restartIntervalMs = DEFAULT_SPEC.restartIntervalMs;
  const interval = spec.restartInterval;
  if (interval !== undefined && interval !== null) {
    const ms = typeof interval === 'string' ? parseDuration(interval) : undefined;
    if (ms === undefined) bad('restartInterval', interval, 'a duration like 30s or 1m30s', '10s');
    else restartIntervalMs = ms;
  }

  const excludeWorkloads: WorkloadName[] = [];
  const excluded = spec.excludeWorkloads;
  if (excluded !== undefined && excluded !== null) {
    if (!Array.isArray(excluded)) {
      bad('excludeWorkloads', excluded, 'a list of {kind, name}', 'none');
    } else {
      excluded.forEach((entry, i) => {
        const kind = isJsonObject(entry) ? entry.kind : undefined;
        const name = isJsonObject(entry) ? entry.name : undefined;
        if (!isExcludableKind(kind) || typeof name !== 'string' || name === '') {
          problems.push(
            `spec.excludeWorkloads[${i}]: ${JSON.stringify(entry)} needs a kind (${EXCLUDABLE_KINDS.join(', ')}) ` +
              'and a name; entry ignored',
          );
          return;
        }
        excludeWorkloads.push({ kind, name });
      });
    }
  }

  let allowBarePodDeletion = DEFAULT_SPEC.allowBarePodDeletion;
  const allow = spec.allowBarePodDeletion;
  if (allow !== undefined && allow !== null) {
    if (typeof allow !== 'boolean') bad('allowBarePodDeletion', allow, 'a boolean', 'false');
    else allowBarePodDeletion = allow;
  }

  return {
    spec: { restartPolicy, maxConcurrentRestarts, restartIntervalMs, excludeWorkloads, allowBarePodDeletion },
    problems,
  };
}
