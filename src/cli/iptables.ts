// `mesh-injector iptables`: what traffic a pod's sidecar will capture, before it is deployed.
//
// The init container's arguments come from the same injection that kube-inject and the webhook run (not from a
// second reading of the annotations), so what this prints is what the pod will run. An already-injected manifest
// is explained from its own istio-init container.
import { Injector } from '../inject/injector.ts';
import { forEachWorkload, ManifestError, type PodLike, type WorkloadRef } from '../inject/manifest.ts';
import { ConfigError } from '../inject/mesh.ts';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import { YamlError } from '../inject/yaml.ts';
import {
  captureConfigFromContainer,
  CaptureArgsError,
  explainCapture,
  renderRules,
  type CaptureContainer,
} from '../iptables/index.ts';
import { parseFlags, UsageError, type Command } from './command.ts';
import { readInput } from './files.ts';
import { injectorConfigHelp, injectorConfigOptions, settingsFromFlags } from './injector-flags.ts';

const help = `Show the traffic capture a pod gets: the istio-iptables arguments of its init container and the
iptables rules they install (iptables-restore form), with a plain summary.

Usage:
  mesh-injector iptables -f FILE [flags]             every workload in a manifest (injected or not)
  mesh-injector iptables --annotation KEY=VALUE ...  a pod with just these annotations

The arguments come from the same injection kube-inject performs (same config flags), so they are what the
pod will run. A manifest that is already injected is explained from its own istio-init container.

Flags:
  -f, --filename FILE         manifest (Pod or workload, several documents allowed), or - for stdin
  -a, --annotation KEY=VALUE  pod annotation (repeatable), e.g. traffic.sidecar.istio.io/excludeOutboundPorts=8080
      --dns-server IP         a nameserver of the pod (repeatable); DNS capture rules target these
      --ipv6                  also print the ip6tables rules (the pod has an IPv6 address)
  -o, --output FORMAT         text (default) or json
${injectorConfigHelp}
  -h, --help                  show this help
`;

interface Explained {
  readonly workload: string;
  readonly args: readonly string[];
  readonly captured: boolean;
  readonly ipv4?: string;
  readonly ipv6?: string | undefined;
  readonly routes?: readonly string[];
  readonly summary: readonly string[];
}

const initContainerNames = ['istio-init', 'istio-validation'];

function findInitContainer(spec: JsonObject): JsonObject | undefined {
  const inits = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  return inits.find(
    (c): c is JsonObject =>
      isJsonObject(c) && typeof c.name === 'string' && initContainerNames.includes(c.name),
  );
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

function asCaptureContainer(container: JsonObject): CaptureContainer {
  const env = Array.isArray(container.env)
    ? container.env.filter(isJsonObject).map((e) => ({
        name: typeof e.name === 'string' ? e.name : '',
        ...(typeof e.value === 'string' ? { value: e.value } : {}),
      }))
    : [];
  return { command: stringList(container.command), args: stringList(container.args), env };
}

function explainPod(
  pod: PodLike,
  label: string,
  options: { dnsServers: string[]; ipv6: boolean },
): Explained {
  const init = findInitContainer(pod.spec);
  if (init === undefined) {
    return {
      workload: label,
      args: [],
      captured: false,
      summary: ['No istio-init container: interception mode NONE, so no traffic is captured by iptables.'],
    };
  }
  const container = asCaptureContainer(init);
  const config = captureConfigFromContainer(container, {
    dnsServers: options.dnsServers,
    ipv6: options.ipv6,
  });
  const rules = renderRules(config);
  return {
    workload: label,
    args: [...(container.command ?? []), ...(container.args ?? [])],
    captured: true,
    ipv4: rules.ipv4,
    ipv6: options.ipv6 ? rules.ipv6 : undefined,
    routes: rules.routes,
    summary: explainCapture(config),
  };
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function formatText(results: readonly Explained[]): string {
  return results
    .map((r) => {
      const lines = [`# ${r.workload}`];
      if (r.args.length > 0) lines.push(`init container: ${r.args.map(shellQuote).join(' ')}`);
      lines.push('', 'What is captured:', ...r.summary.map((s) => `  - ${s}`));
      if (r.ipv4 !== undefined) lines.push('', 'iptables-restore (IPv4):', r.ipv4.trimEnd());
      if (r.ipv6 !== undefined) lines.push('', 'ip6tables-restore (IPv6):', r.ipv6.trimEnd());
      if (r.routes !== undefined && r.routes.length > 0) lines.push('', 'Routing:', ...r.routes);
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}

function parseAnnotations(pairs: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--annotation wants KEY=VALUE, got "${pair}"`);
    annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return annotations;
}

export const iptablesCommand: Command = {
  name: 'iptables',
  summary: 'show the istio-iptables args and the iptables rules a pod will get',
  help,
  async run(args, io) {
    const parsed = parseFlags({
      args: [...args],
      options: {
        filename: { type: 'string', short: 'f' },
        annotation: { type: 'string', short: 'a', multiple: true, default: [] },
        'dns-server': { type: 'string', multiple: true, default: [] },
        ipv6: { type: 'boolean', default: false },
        output: { type: 'string', short: 'o', default: 'text' },
        ...injectorConfigOptions,
      },
    });
    const { values } = parsed;
    if (values.output !== 'text' && values.output !== 'json') {
      throw new UsageError(`-o must be text or json, got "${values.output}"`);
    }
    if (values.filename === undefined && values.annotation.length === 0) {
      throw new UsageError('give a manifest with -f, or annotations with --annotation');
    }
    const annotations = parseAnnotations(values.annotation);
    const options = { dnsServers: values['dns-server'], ipv6: values.ipv6 };
    try {
      const injector = new Injector(settingsFromFlags(values));
      const text =
        values.filename === undefined
          ? `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod\n  annotations: ${JSON.stringify(annotations)}\nspec:\n  containers:\n  - name: app\n    image: app\n`
          : await readInput(values.filename, io.stdin);
      const results: Explained[] = [];
      const explainWorkload = (pod: PodLike, workload: WorkloadRef): void => {
        const where = workload.namespace === '' ? workload.name : `${workload.namespace}/${workload.name}`;
        const label = `${workload.kind} ${where}`;
        if (findInitContainer(pod.spec) !== undefined) {
          results.push(explainPod(pod, label, options));
          return;
        }
        // Annotations given on the command line apply on top of the manifest's.
        const metadata = {
          ...pod.metadata,
          annotations: { ...objectOf(pod.metadata.annotations), ...annotations },
        };
        const result = injector.inject({
          pod: { metadata, spec: pod.spec },
          namespace: workload.namespace,
          workload,
          mode: 'kube-inject',
        });
        if (result.kind === 'skipped') {
          results.push({
            workload: label,
            args: [],
            captured: false,
            summary: [`Not injected: ${result.decision.message}`],
          });
          return;
        }
        results.push(
          explainPod(
            { metadata: objectOf(result.pod.metadata), spec: objectOf(result.pod.spec) },
            label,
            options,
          ),
        );
      };
      forEachWorkload(text, values.filename ?? 'annotations', explainWorkload);
      io.stdout.write(
        values.output === 'json' ? `${JSON.stringify(results, null, 2)}\n` : formatText(results),
      );
      return 0;
    } catch (err) {
      if (
        err instanceof ConfigError ||
        err instanceof YamlError ||
        err instanceof ManifestError ||
        err instanceof CaptureArgsError
      ) {
        io.stderr.write(`mesh-injector iptables: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};

function objectOf(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}
