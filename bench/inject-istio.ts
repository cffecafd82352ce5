// The injection pipeline with a full Istio-format sidecar template, side by side with the project's default one.
//
// The Istio config is the ConfigMap pair of the golden tests (test/fixtures/istio/): an `istio-sidecar-injector`
// with a 450-line `sidecar` template in the shape and size of the one Istio ships, its Helm values, and an
// `istio` mesh ConfigMap. Both injectors get the same two-container Deployment pod (bench/fixtures/inject/pod.json).
// Rounds alternate between the two so that a noisy neighbour slows both alike and the ratio stays meaningful.
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
type Variant = keyof typeof injectors;
const variants: readonly Variant[] = ['default', 'istio'];

function injectOnce(variant: Variant): number {
  const result = injectors[variant].inject({ pod, namespace: 'bookinfo', mode: 'webhook' });
  if (result.kind !== 'injected')
    throw new Error(`the ${variant} injector did not inject the benchmark pod: ${result.decision.message}`);
  return result.patch.length;
}

function patchBytes(variant: Variant): number {
  const result = injectors[variant].inject({ pod, namespace: 'bookinfo', mode: 'webhook' });
  return result.kind === 'injected' ? JSON.stringify(result.patch).length : 0;
}

// Warm both up until the JIT has settled.
for (const variant of variants) {
  const end = performance.now() + 1000;
  while (performance.now() < end) injectOnce(variant);
}

const roundsPerVariant = 5;
const roundMs = (seconds * 1000) / (roundsPerVariant * variants.length);
const perVariant = {
  default: { pods: 0, ms: 0, rounds: [] as number[] },
  istio: { pods: 0, ms: 0, rounds: [] as number[] },
};
for (let r = 0; r < roundsPerVariant; r++) {
  // ABBA order, so neither variant always runs right after the other.
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < roundMs) {
      injectOnce(variant);
      n++;
    }
    const ms = performance.now() - start;
    const tally = perVariant[variant];
    tally.pods += n;
    tally.ms += ms;
    tally.rounds.push(Math.round((n * 1000) / ms));
  }
}

function figures(variant: Variant) {
  const tally = perVariant[variant];
  return {
    pods: tally.pods,
    seconds: Number((tally.ms / 1000).toFixed(3)),
    podsPerSecond: Math.round((tally.pods * 1000) / tally.ms),
    meanMicroseconds: Number(((tally.ms * 1000) / tally.pods).toFixed(1)),
    roundsPodsPerSecond: tally.rounds,
    patchOperations: injectOnce(variant),
    patchBytes: patchBytes(variant),
  };
}

const defaultFigures = figures('default');
const istioFigures = figures('istio');
const result = {
  benchmark: 'inject-istio',
  description:
    'pods/s through the whole injection pipeline with a full Istio-format sidecar template (test/fixtures/istio), ' +
    'measured in alternating rounds against the default template',
  istio: { ...istioFigures, sidecarTemplateLines },
  default: defaultFigures,
  /** Cost of one Istio-template injection relative to one default-template injection (time per pod). */
  istioToDefaultCostRatio: Number(
    (istioFigures.meanMicroseconds / defaultFigures.meanMicroseconds).toFixed(2),
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
  `inject-istio: ${istioFigures.podsPerSecond} pods/s with the Istio template (${istioFigures.meanMicroseconds} µs/pod) ` +
    `vs ${defaultFigures.podsPerSecond} pods/s default (${defaultFigures.meanMicroseconds} µs/pod); ` +
    `cost ratio ${result.istioToDefaultCostRatio}, load ${context.loadAverageAtStart.join('/')}`,
);
