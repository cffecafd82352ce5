// `mesh-injector operator` (everything) and `mesh-injector webhook` (the webhook only): flags and env in,
// a running OperatorManager out, stopped cleanly on SIGTERM.
import type { CertificateMode } from '../controller/certificates.ts';
import { defaultConfigMapNames } from '../controller/injector-config.ts';
import { OperatorManager, type OperatorOptions } from '../controller/manager.ts';
import { parseNativeSidecarMode } from '../controller/native-sidecars.ts';
import { parseDuration } from '../controller/namespace/spec.ts';
import type { ListenAddress } from '../webhook/server.ts';
import { KubeClient } from '../kube/client.ts';
import { Shutdown } from '../kube/shutdown.ts';
import { createLogger, parseLogLevel } from '../observability/logger.ts';
import { parseFlags, UsageError, type Command } from './command.ts';

/** Each flag, its default, and its env var (MESH_INJECTOR_<FLAG>), so a Deployment can set either. */
const flags = {
  kubeconfig: {
    default: '',
    help: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)',
  },
  context: { default: '', help: 'kubeconfig context' },
  namespace: {
    default: '',
    help: 'operator namespace: cert Secret, Lease, Service (default: $POD_NAMESPACE, else mesh-injector-system)',
  },
  'config-namespace': {
    default: '',
    help: 'namespace of the injector and mesh ConfigMaps (default: --namespace)',
  },
  'injector-configmap': {
    default: defaultConfigMapNames.injector,
    help: 'injector ConfigMap base name (-<rev> for revisions)',
  },
  'mesh-configmap': {
    default: defaultConfigMapNames.mesh,
    help: 'mesh ConfigMap base name (-<rev> for revisions)',
  },
  revisions: { default: 'default', help: 'revisions to serve, comma-separated' },
  tags: { default: '', help: 'revision tags, tag=revision,... (MWCs like istioctl tag generate)' },
  'service-name': {
    default: 'mesh-injector-webhook',
    help: 'the Service the MutatingWebhookConfiguration points at',
  },
  'webhook-url': {
    default: '',
    help: 'point the MWC at this URL instead of the Service (local runs), e.g. https://127.0.0.1:9443/inject',
  },
  'webhook-address': { default: ':9443', help: 'HTTPS listen address of the webhook' },
  'metrics-address': { default: ':8080', help: 'HTTP listen address of /metrics, /healthz, /readyz' },
  'cert-secret': {
    default: 'mesh-injector-webhook-tls',
    help: 'Secret holding the webhook CA and serving certificate',
  },
  'cert-provider': {
    default: 'self',
    help: 'self (generate and rotate) or external (e.g. cert-manager: read only)',
  },
  'ca-validity': { default: '87600h', help: 'lifetime of a generated CA' },
  'cert-validity': { default: '8760h', help: 'lifetime of a generated serving certificate' },
  'failure-policy': { default: 'Fail', help: 'MWC failurePolicy: Fail or Ignore' },
  'timeout-seconds': { default: '10', help: 'MWC timeoutSeconds (1-30)' },
  'reinvocation-policy': { default: 'Never', help: 'MWC reinvocationPolicy: Never or IfNeeded' },
  'native-sidecars': { default: 'auto', help: 'auto (nodes >= 1.33), true or false' },
  'leader-elect': { default: 'true', help: 'elect a leader with a Lease (false: this replica always leads)' },
  'lease-name': { default: 'mesh-injector-leader', help: 'name of the leader election Lease' },
  'max-concurrent-restarts': { default: '10', help: 'workloads rolling at once across the cluster' },
  'owner-crd': {
    default: 'meshinjections.injection.mesh-injector.dev',
    help: 'CRD that owns the MWCs (garbage collection on uninstall); empty for none',
  },
  'lame-duck': { default: '5s', help: 'keep serving this long after SIGTERM' },
  'kube-api-qps': { default: '50', help: 'sustained requests per second to the API server' },
  'kube-api-burst': { default: '100', help: 'requests allowed at once after a quiet period' },
  'log-level': { default: 'info', help: 'fatal, error, warn, info, debug, trace' },
} as const;
type FlagName = keyof typeof flags;

function envName(flag: string): string {
  return `MESH_INJECTOR_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function helpFor(name: string, summary: string): string {
  const width = Math.max(...Object.keys(flags).map((f) => f.length)) + 2;
  const lines = Object.entries(flags).map(([flag, spec]) => {
    const shown = spec.default === '' ? '' : ` (default ${spec.default})`;
    return `  --${flag.padEnd(width)}${spec.help}${shown}`;
  });
  return `${summary}

Usage:
  mesh-injector ${name} [flags]

Every flag can also be set by an environment variable named MESH_INJECTOR_<FLAG> (e.g. ${envName('revisions')});
a flag on the command line wins. SIGTERM stops it cleanly: leader work stops and the lease is released, the
webhook answers in-flight reviews, then the process exits.

Flags:
${lines.join('\n')}
`;
}

function parseListen(flag: string, value: string): ListenAddress {
  const match = /^(.*):(\d+)$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--${flag} wants [host]:port, got "${value}"`);
  }
  const host = match[1] ?? '';
  return host === '' ? { port } : { host, port };
}

function parseDurationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new UsageError(`--${flag} wants a duration such as 30s, 10m or 8760h, got "${value}"`);
  return ms;
}

function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} wants an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw new UsageError(`--${flag} wants one of ${allowed.join(', ')}, got "${value}"`);
  return found;
}

function parseTags(value: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of value.split(',').filter((p) => p.trim() !== '')) {
    const [tag, revision, extra] = pair.trim().split('=');
    if (tag === undefined || revision === undefined || tag === '' || revision === '' || extra !== undefined) {
      throw new UsageError(`--tags wants tag=revision pairs, got "${pair}"`);
    }
    tags[tag] = revision;
  }
  return tags;
}

/** Reads every flag: command line, then env, then default. */
function readFlags(args: readonly string[], env: NodeJS.ProcessEnv): Record<FlagName, string> {
  const parsed = parseFlags({
    args: [...args],
    options: Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' as const }])),
  });
  const out = {} as Record<FlagName, string>;
  for (const [flag, spec] of Object.entries(flags) as [FlagName, (typeof flags)[FlagName]][]) {
    const given = parsed.values[flag];
    out[flag] = typeof given === 'string' ? given : (env[envName(flag)] ?? spec.default);
  }
  return out;
}

/** Turns flags into the manager's options; every invalid value is a UsageError naming the flag. */
export function operatorOptions(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  controllers: boolean,
): {
  options: OperatorOptions;
  kubeconfig: string;
  context: string;
  logLevel: string;
  qps: number;
  burst: number;
} {
  const f = readFlags(args, env);
  const namespace = f.namespace || env.POD_NAMESPACE || 'mesh-injector-system';
  const revisions = f.revisions
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (revisions.length === 0) throw new UsageError('--revisions must name at least one revision');
  for (const revision of revisions) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(revision)) {
      throw new UsageError(`--revisions: "${revision}" is not a valid revision name (DNS label)`);
    }
  }
  let nativeSidecars;
  try {
    nativeSidecars = parseNativeSidecarMode(f['native-sidecars']);
  } catch (err) {
    throw new UsageError(`--native-sidecars: ${err instanceof Error ? err.message : String(err)}`);
  }
  const ownerCrd = f['owner-crd'];
  const options: OperatorOptions = {
    namespace,
    configNamespace: f['config-namespace'] || namespace,
    configMapNames: { injector: f['injector-configmap'], mesh: f['mesh-configmap'] },
    revisions,
    tags: parseTags(f.tags),
    serviceName: f['service-name'],
    webhookUrl: f['webhook-url'] === '' ? undefined : f['webhook-url'],
    webhookListen: parseListen('webhook-address', f['webhook-address']),
    metricsListen: parseListen('metrics-address', f['metrics-address']),
    certSecret: f['cert-secret'],
    certMode: oneOf<CertificateMode>(
      'cert-provider',
      f['cert-provider'] === 'self' ? 'self-managed' : f['cert-provider'],
      ['self-managed', 'external'],
    ),
    caValidityMs: parseDurationFlag('ca-validity', f['ca-validity']),
    servingValidityMs: parseDurationFlag('cert-validity', f['cert-validity']),
    failurePolicy: oneOf('failure-policy', f['failure-policy'], ['Fail', 'Ignore']),
    timeoutSeconds: parseIntFlag('timeout-seconds', f['timeout-seconds'], 1, 30),
    reinvocationPolicy: oneOf('reinvocation-policy', f['reinvocation-policy'], ['Never', 'IfNeeded']),
    nativeSidecars,
    leaderElection: oneOf('leader-elect', f['leader-elect'], ['true', 'false']) === 'true',
    leaseName: f['lease-name'],
    clusterMaxConcurrentRestarts: parseIntFlag(
      'max-concurrent-restarts',
      f['max-concurrent-restarts'],
      1,
      10_000,
    ),
    controllers,
    webhookOwnerCrd: ownerCrd === '' ? undefined : ownerCrd,
    lameDuckMs: parseDurationFlag('lame-duck', f['lame-duck']),
  };
  return {
    options,
    kubeconfig: f.kubeconfig,
    context: f.context,
    logLevel: f['log-level'],
    qps: parseIntFlag('kube-api-qps', f['kube-api-qps'], 1, 100_000),
    burst: parseIntFlag('kube-api-burst', f['kube-api-burst'], 1, 100_000),
  };
}

function serveCommand(name: 'operator' | 'webhook', summary: string, controllers: boolean): Command {
  return {
    name,
    summary,
    help: helpFor(name, summary),
    async run(args, io) {
      const { options, kubeconfig, context, logLevel, qps, burst } = operatorOptions(
        args,
        process.env,
        controllers,
      );
      let level;
      try {
        level = parseLogLevel(logLevel);
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const logger = createLogger({ level });
      const client = KubeClient.load(
        {
          ...(kubeconfig === '' ? {} : { kubeconfig }),
          ...(context === '' ? {} : { context }),
        },
        { qps, burst },
      );
      const manager = new OperatorManager(client, logger, options);
      const shutdown = new Shutdown({ logger });
      shutdown.register(name, () => manager.stop());
      await manager.start();
      io.stderr.write(`mesh-injector ${name}: serving; SIGTERM or Ctrl-C stops it\n`);
      // Runs until SIGTERM/SIGINT. Once everything has stopped the exit code is returned; should a stray handle
      // keep the event loop alive, the process exits anyway shortly after.
      return new Promise<number>((resolve) => {
        shutdown.handleSignals(process, (code) => {
          resolve(code);
          setTimeout(() => process.exit(code), 2000).unref();
        });
      });
    },
  };
}

export const operatorCommand = serveCommand(
  'operator',
  'run the operator: the webhook, its certificates and MutatingWebhookConfigurations, and the namespace reconciler',
  true,
);

export const webhookCommand = serveCommand(
  'webhook',
  'run only the admission webhook (no controllers): for a separate webhook Deployment',
  false,
);
