// The injection pipeline with a full Istio-format sidecar template, side by side with the project's default one.
//
// The Istio config is the ConfigMap pair of the golden tests (test/fixtures/istio/): an `istio-sidecar-injector`
// with a 450-line `sidecar` template in the shape and size of the one Istio ships, its Helm values, and an
// `istio` mesh ConfigMap. Both injectors get the same two-container Deployment pod (bench/fixtures/inject/pod.json).
// Rounds alternate between the series so that a noisy neighbour slows all alike and the ratio stays meaningful.
//
//   ./node_modules/.bin/node bench/inject-istio.ts [--seconds N]
//
// Writes bench/results/inject-istio.json and prints a one-line summary.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Injector } from '../src/inject/injector.ts';
import { loadInjectorSettings, settingsFromConfigMaps } from '../src/inject/settings.ts';
import { isJsonObject, type JsonObject } from '../src/inject/types.ts';
import { parseYaml } from '../src/inject/yaml.ts';
import { positiveNumber, runContext, writeResult } from './lib/report.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const seconds = positiveNumber('seconds', args.seconds);
const context = runContext();

const istioFixtures = new URL('../test/fixtures/istio/', import.meta.url);

function configMapData(file: string): Record<string, string> {
  const path = new URL(file, istioFixtures);
  const document = parseYaml(readFileSync(path, 'utf8'), path.pathname);
  const data = isJsonObject(document) && isJsonObject(document.data) ? document.data : undefined;
  if (data === undefined) throw new Error(`${path.pathname}: not a ConfigMap with data`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) if (typeof value === 'string') out[key] = value;
  return out;
}

const injectorData = configMapData('istio-sidecar-injector.yaml');
const meshData = configMapData('istio.yaml');
const injectorConfig = parseYaml(injectorData.config ?? '', 'istio-sidecar-injector data.config');
const templates =
  isJsonObject(injectorConfig) && isJsonObject(injectorConfig.templates) ? injectorConfig.templates : {};
const sidecarTemplate = templates.sidecar;
if (typeof sidecarTemplate !== 'string') throw new Error('istio-sidecar-injector: no templates.sidecar');
const sidecarTemplateLines = sidecarTemplate.split('\n').length;

const pod = JSON.parse(
  readFileSync(new URL('fixtures/inject/pod.json', import.meta.url), 'utf8'),
) as JsonObject;

const injectors = {
  default: new Injector({ ...loadInjectorSettings({}), revision: 'default' }),
  istio: new Injector(
    settingsFromConfigMaps(
      {
        ...(injectorData.config === undefined ? {} : { config: injectorData.config }),
        ...(injectorData.values === undefined ? {} : { values: injectorData.values }),
        ...(meshData.mesh === undefined ? {} : { mesh: meshData.mesh }),
      },
      { injector: 'istio-system/istio-sidecar-injector', mesh: 'istio-system/istio' },
      { nativeSidecars: false },
    ),
  ),
} as const;
type Template = keyof typeof injectors;
type Stream = 'replicas' | 'distinct';
const series: readonly (readonly [Template, Stream])[] = [
  ['default', 'replicas'],
  ['istio', 'replicas'],
  ['default', 'distinct'],
  ['istio', 'distinct'],
];

// Two streams, as in bench/inject.ts: replicas of one workload (identical requests: the injector answers from its
// result cache) and pods that all differ (a label the templates print changes, so nothing is cached). 1,000 distinct
// pods cycle, more than the injector's caches hold.
const distinctPods: JsonObject[] = Array.from({ length: 1000 }, (_, i) => {
  const copy = structuredClone(pod);
  (copy.metadata as { labels: Record<string, string> }).labels.version = `v${i}`;
  return copy;
});
let nextDistinct = 0;

function injectOnce(template: Template, stream: Stream): number {
  const p = stream === 'replicas' ? pod : distinctPods[nextDistinct++ % distinctPods.length]!;
  const result = injectors[template].inject({ pod: p, namespace: 'bookinfo', mode: 'webhook' });
  if (result.kind !== 'injected')
    throw new Error(`the ${template} injector did not inject the benchmark pod: ${result.decision.message}`);
  return result.patch.length;
}

function patchBytes(template: Template): number {
  const result = injectors[template].inject({ pod, namespace: 'bookinfo', mode: 'webhook' });
  return result.kind === 'injected' ? JSON.stringify(result.patch).length : 0;
}

// Warm every series up until the JIT has settled.
for (const [template, stream] of series) {
  const end = performance.now() + 1000;
  while (performance.now() < end) injectOnce(template, stream);
}

const roundsPerSeries = 5;
const roundMs = (seconds * 1000) / (roundsPerSeries * series.length);
const tallies = new Map(series.map((s) => [s, { pods: 0, ms: 0, rounds: [] as number[] }]));
for (let r = 0; r < roundsPerSeries; r++) {
  // Forward then backward (ABCD DCBA), so no series always runs right after the same other one.
  const order = r % 2 === 0 ? series : [...series].reverse();
  for (const s of order) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < roundMs) {
      injectOnce(s[0], s[1]);
      n++;
    }
    const ms = performance.now() - start;
    const tally = tallies.get(s)!;
    tally.pods += n;
    tally.ms += ms;
    tally.rounds.push(Math.round((n * 1000) / ms));
  }
}

function figures(template: Template, stream: Stream) {
  const tally = tallies.get(series.find((s) => s[0] === template && s[1] === stream)!)!;
  return {
    pods: tally.pods,
    seconds: Number((tally.ms / 1000).toFixed(3)),
    podsPerSecond: Math.round((tally.pods * 1000) / tally.ms),
    meanMicroseconds: Number(((tally.ms * 1000) / tally.pods).toFixed(1)),
    roundsPodsPerSecond: tally.rounds,
  };
}

const istio = {
  distinct: figures('istio', 'distinct'),
  replicas: figures('istio', 'replicas'),
  patchOperations: injectOnce('istio', 'replicas'),
  patchBytes: patchBytes('istio'),
  sidecarTemplateLines,
};
const defaults = {
  distinct: figures('default', 'distinct'),
  replicas: figures('default', 'replicas'),
  patchOperations: injectOnce('default', 'replicas'),
  patchBytes: patchBytes('default'),
};
const result = {
  benchmark: 'inject-istio',
  description:
    'pods/s through the whole injection pipeline with a full Istio-format sidecar template (test/fixtures/istio), ' +
    'measured in alternating rounds against the default template, for pods that all differ and for replicas',
  podsPerSecond: istio.distinct.podsPerSecond,
  istio,
  default: defaults,
  /** Cost of one Istio-template injection relative to one default-template injection, pods that all differ. */
  istioToDefaultCostRatio: Number(
    (istio.distinct.meanMicroseconds / defaults.distinct.meanMicroseconds).toFixed(2),
  ),
  target: null,
  targetNote:
    'no target of its own; the webhook target (1,500 reviews/s) needs at least that from the engine',
  heapUsedBytes: process.memoryUsage().heapUsed,
  rssBytes: process.memoryUsage().rss,
  ...context,
};
writeResult('inject-istio', result);
console.log(
  `inject-istio: Istio template ${istio.distinct.podsPerSecond} pods/s when every pod differs ` +
    `(${istio.distinct.meanMicroseconds} µs/pod), ${istio.replicas.podsPerSecond} pods/s for replicas; default ` +
    `template ${defaults.distinct.podsPerSecond} and ${defaults.replicas.podsPerSecond} pods/s; cost ratio ` +
    `${result.istioToDefaultCostRatio}, load ${context.loadAverageAtStart.join('/')}`,
);
