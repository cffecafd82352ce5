// Micro-benchmark of the Go template engine: a 500-line sidecar-shaped template (bench/fixtures/template)
// parsed once and executed repeatedly against a Go-named pod view, as the injector will do per admission.
//
//   ./node_modules/.bin/node bench/template.ts [--seconds N]
//
// Writes bench/results/template.json and prints a one-line summary.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import {
  goNamed,
  goSprint,
  goStringMap,
  goStruct,
  isTrue,
  parse,
  withSignature,
  type FuncMap,
} from '../src/template/index.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const seconds = Number(args.seconds);
if (!Number.isFinite(seconds) || seconds <= 0)
  throw new Error(`--seconds must be a positive number, got ${args.seconds}`);

const fixture = (name: string): string =>
  readFileSync(new URL(`fixtures/template/${name}`, import.meta.url), 'utf8');

/** Small stand-ins for the sprig and Istio helpers the template calls. */
const FUNCS: FuncMap = {
  list: (...items: unknown[]) => items,
  append: withSignature({ params: ['any', 'any'] }, (list: unknown, v: unknown) => [
    ...(list as unknown[]),
    v,
  ]),
  default: withSignature({ params: ['any'], variadic: 'any' }, (d: unknown, ...given: unknown[]) =>
    given.length > 0 && isTrue(given[0]) ? given[0] : d,
  ),
  quote: (...items: unknown[]) =>
    items
      .filter((s) => s !== null)
      .map((s) => JSON.stringify(typeof s === 'string' ? s : goSprint(s)))
      .join(' '),
  join: withSignature({ params: ['string', 'any'] }, (sep: string, v: unknown) =>
    (v as unknown[]).map((s) => (typeof s === 'string' ? s : goSprint(s))).join(sep),
  ),
  annotation: withSignature(
    { params: ['any', 'string', 'any'] },
    (meta: unknown, name: string, def: unknown) => {
      const annotations = (meta as { Annotations: Record<string, string> }).Annotations;
      return Object.hasOwn(annotations, name) ? annotations[name] : goSprint(def);
    },
  ),
  isset: withSignature({ params: ['any', 'string'] }, (m: unknown, key: string) =>
    Object.hasOwn(m as object, key),
  ),
  valueOrDefault: withSignature({ params: ['any', 'any'] }, (v: unknown, d: unknown) =>
    v === '' || v === null ? d : v,
  ),
  toLower: withSignature({ params: ['string'] }, (s: string) => s.toLowerCase()),
  toJSON: (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)),
  fromJSON: withSignature({ params: ['string'] }, (s: string) => JSON.parse(s) as unknown),
  structToJSON: (v: unknown) =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)),
  protoToJSON: () => '{}',
  excludeInboundPort: withSignature({ params: ['any', 'string'] }, (port: unknown, list: string) => {
    const portStr = goSprint(port).trim();
    if (portStr === '' || portStr === '0') return list;
    const ports = list
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (!ports.includes(portStr)) ports.push(portStr);
    return ports.join(',');
  }),
};

function podView(): object {
  const port = (name: string, containerPort: bigint) =>
    goStruct('v1.ContainerPort', { Name: name, ContainerPort: containerPort, Protocol: 'TCP' });
  const container = (name: string, ports: object[]) =>
    goStruct('v1.Container', { Name: name, Image: `example/${name}:1.0`, Ports: ports });
  const modes = ['REDIRECT', 'TPROXY', 'NONE'];
  return goStruct('inject.SidecarTemplateData', {
    TypeMeta: goStruct('v1.TypeMeta', { Kind: 'Deployment', APIVersion: 'apps/v1' }),
    DeploymentMeta: goStruct('types.NamespacedName', { Name: 'reviews', Namespace: 'bookinfo' }),
    ObjectMeta: goStruct('v1.ObjectMeta', {
      Name: 'reviews-v1-7d8f9c',
      Namespace: 'bookinfo',
      Labels: goStringMap({ app: 'reviews', version: 'v1', 'pod-template-hash': '7d8f9c' }),
      Annotations: goStringMap({ 'prometheus.io/scrape': 'true' }),
    }),
    Spec: goStruct('v1.PodSpec', {
      Containers: [container('reviews', [port('http', 9080n)]), container('cache', [port('redis', 6379n)])],
    }),
    ProxyConfig: goStruct(
      'v1alpha1.ProxyConfig',
      {
        InterceptionMode: goNamed('v1alpha1.ProxyConfig_InboundInterceptionMode', 0n, {
          String: () => modes[0],
        }),
        HoldApplicationUntilProxyStarts: goStruct(
          'wrappers.BoolValue',
          { Value: false, GetValue: () => false },
          { pointer: true },
        ),
        ProxyMetadata: goStringMap({ ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }),
      },
      { pointer: true },
    ),
    MeshConfig: goStruct(
      'v1alpha1.MeshConfig',
      {
        ProxyListenPort: 15001n,
        ProxyInboundListenPort: 15006n,
        TrustDomain: 'cluster.local',
        DefaultConfig: goStruct('v1alpha1.ProxyConfig', { MeshId: '' }, { pointer: true }),
      },
      { pointer: true },
    ),
    Values: JSON.parse(fixture('values.json')) as unknown,
    Revision: '',
    NativeSidecars: false,
    ProxyImage: 'docker.io/istio/proxyv2:1.24.0',
    ProxyUID: 1337n,
    ProxyGID: 1337n,
    InboundTrafficPolicyMode: 'passthrough',
  });
}

const text = fixture('sidecar.tpl');
const template = parse('sidecar', text, { funcs: FUNCS });
const data = podView();
const output = template.execute(data);

// Warm up until the JIT has settled, then time whole executions for the requested duration.
const warmupEnd = performance.now() + Math.min(1000, seconds * 300);
while (performance.now() < warmupEnd) template.execute(data);

let executions = 0;
let sink = 0;
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));
let now = start;
while (now < deadline) {
  for (let i = 0; i < 100; i++) sink += template.execute(data).length;
  executions += 100;
  now = process.hrtime.bigint();
}
const elapsedSeconds = Number(now - start) / 1e9;
if (sink !== executions * output.length) throw new Error('output changed between executions');

const result = {
  benchmark: 'template',
  template: {
    lines: text.split('\n').length - 1,
    actions: text.match(/\{\{/g)?.length ?? 0,
    bytes: Buffer.byteLength(text),
  },
  outputBytes: Buffer.byteLength(output),
  executions,
  seconds: Number(elapsedSeconds.toFixed(3)),
  executionsPerSecond: Math.round(executions / elapsedSeconds),
  meanMicroseconds: Number(((elapsedSeconds / executions) * 1e6).toFixed(2)),
  heapUsedBytes: process.memoryUsage().heapUsed,
  node: process.version,
  date: new Date().toISOString(),
};

const resultsDir = new URL('results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('template.json', resultsDir), JSON.stringify(result, null, 2) + '\n');
console.log(
  `template: ${result.executionsPerSecond} executions/s, ${result.meanMicroseconds} µs mean ` +
    `(${result.template.lines} lines, ${result.template.actions} actions, ${result.outputBytes} B output, ` +
    `${(result.heapUsedBytes / 2 ** 20).toFixed(1)} MiB heap, node ${result.node})`,
);
