// `mesh-injector kube-inject`: offline injection of manifests, with istioctl's flags.
import { Injector } from '../inject/injector.ts';
import { injectManifests, ManifestError, type PodInjector } from '../inject/manifest.ts';
import { ConfigError } from '../inject/mesh.ts';
import { YamlError } from '../inject/yaml.ts';
import { parseFlags, UsageError, type Command } from './command.ts';
import { readInput, writeOutputAtomically } from './files.ts';
import { injectorConfigHelp, injectorConfigOptions, settingsFromFlags } from './injector-flags.ts';

const help = `Inject the sidecar into Kubernetes manifests, offline (like istioctl kube-inject).

Usage:
  mesh-injector kube-inject -f FILE [flags]

Every Pod, Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job, CronJob and
DeploymentConfig in the stream (and in v1 Lists) gets the sidecar; other documents are copied unchanged and
the order is kept. Workloads with hostNetwork or sidecar.istio.io/inject: "false" are skipped with a warning
on stderr. Without config flags the project's default config (config/injector/) is used.

Flags:
  -f, --filename FILE         manifest to inject, or - for stdin (required)
  -o, --output FILE           write the result here instead of stdout (written whole, or not at all)
${injectorConfigHelp}
  -h, --help                  show this help

Exit codes: 0 success, 1 invalid input or config (nothing written), 2 bad command line.
`;

export const kubeInjectCommand: Command = {
  name: 'kube-inject',
  summary: 'inject the sidecar into manifests offline (istioctl kube-inject)',
  help,
  async run(args, io) {
    const parsed = parseFlags({
      args: [...args],
      options: {
        filename: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        ...injectorConfigOptions,
      },
      allowPositionals: false,
    });
    const { values } = parsed;
    if (values.filename === undefined) throw new UsageError('-f/--filename is required');
    try {
      const injector = new Injector(settingsFromFlags(values));
      const input = await readInput(values.filename, io.stdin);
      const source = values.filename === '-' ? '<stdin>' : values.filename;
      const inject: PodInjector = (pod, workload) => {
        const result = injector.inject({
          pod: { metadata: pod.metadata, spec: pod.spec },
          namespace: workload.namespace,
          workload,
          mode: 'kube-inject',
        });
        // Problems that did not change the decision (an inject value of "False", a bad selector) still deserve a line.
        for (const warning of result.decision.warnings) {
          io.stderr.write(`warning: ${workload.kind} "${workload.name}": ${warning}\n`);
        }
        if (result.kind === 'skipped') return { kind: 'skipped', reason: skipReason(result.decision.reason) };
        for (const warning of result.warnings)
          io.stderr.write(`warning: ${workload.kind} "${workload.name}": ${warning}\n`);
        const metadata = result.pod.metadata;
        const spec = result.pod.spec;
        return {
          kind: 'injected',
          pod: {
            metadata:
              typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata : {},
            spec: typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? spec : {},
          },
        };
      };
      const result = injectManifests(input, source, inject);
      if (values.output === undefined) io.stdout.write(result.output);
      else await writeOutputAtomically(values.output, result.output);
      for (const warning of result.warnings) io.stderr.write(`${warning}\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigError || err instanceof YamlError || err instanceof ManifestError) {
        io.stderr.write(`mesh-injector kube-inject: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};

function skipReason(reason: string): string {
  switch (reason) {
    case 'hostNetwork':
      return 'has host networking enabled';
    case 'ignoredNamespace':
      return 'is in a namespace that is never injected';
    case 'podOptOut':
      return 'has sidecar.istio.io/inject: "false"';
    default:
      return `is not injected (${reason})`;
  }
}
