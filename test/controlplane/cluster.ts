// A local cluster for a person: starts the test control plane, prints how to reach it, and runs until
// Ctrl-C (or SIGTERM), then stops every component and removes its files.
//
// usage: node test/controlplane/cluster.ts [--nodes N] [--kubelet-version vX.Y.Z] [--keep]
//   --keep   leave the temporary directory (kubeconfig, certs, logs) in place after stopping
//
// Component logs are in <dir>/logs; MESH_INJECTOR_CONTROLPLANE_LOGS=1 also prints them here.
import { parseArgs } from 'node:util';

import { startControlPlane } from './controlplane.ts';
import type { ControlPlane } from './controlplane.ts';

const usage = 'usage: node test/controlplane/cluster.ts [--nodes N] [--kubelet-version vX.Y.Z] [--keep]';

function parseOptions(argv: readonly string[]): { nodes: number; kubeletVersion?: string; keep: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      nodes: { type: 'string' },
      'kubelet-version': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 0)
    throw new Error(`--nodes must be a non-negative integer, got ${values.nodes ?? ''}`);
  const kubeletVersion = values['kubelet-version'];
  return { nodes, keep: values.keep, ...(kubeletVersion === undefined ? {} : { kubeletVersion }) };
}

function describe(cp: ControlPlane, keep: boolean): string {
  return [
    '',
    `Kubernetes ${cp.kubernetesVersion} control plane is up at ${cp.url} (${cp.nodeNames.length} kwok nodes, ready in ${(cp.timings.total / 1000).toFixed(1)} s).`,
    '',
    '  # in another shell:',
    `  export KUBECONFIG=${cp.kubeconfigPath}`,
    `  alias kubectl=${cp.kubectlPath}`,
    '  kubectl get nodes',
    '',
    `kubectl (pinned): ${cp.kubectlPath}`,
    `files and component logs: ${cp.dir}${keep ? ' (kept after stop)' : ' (removed on stop)'}`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
  const cp = await startControlPlane({
    nodes: options.nodes,
    keepDir: options.keep,
    // We stop gracefully on our own signal handlers below.
    handleSignals: false,
    ...(options.kubeletVersion === undefined ? {} : { kubeletVersion: options.kubeletVersion }),
  });
  console.log(describe(cp, options.keep));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.log(`\n${signal} again: killing the components now.`);
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the control plane ...`);
    cp.stop().then(
      () => {
        console.log('stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  // Keep running until a signal arrives (the components' handles are unref'd).
  setInterval(() => undefined, 1 << 30);
}

await main();
