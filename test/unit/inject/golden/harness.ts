// The golden-case harness: one directory per case under test/fixtures/golden/, run through the same code paths
// users hit (the `kube-inject` command in-process, or the webhook's Injector on a pod shaped as the API server
// sends it), and compared with the expected output as parsed objects.
//
// A case directory holds:
//   in.yaml      the input stream (in.txt instead when the input is deliberately not valid YAML, so Prettier
//                leaves it alone);
//   config.yaml  optional injector config (the `config` key of istio-sidecar-injector, or a bare template);
//   values.json  optional values; mesh.yaml optional mesh config;
//   case.json    what the case proves and how to run it (see CaseSpec);
//   out.yaml     the expected output, or error.txt the expected message (`/regex/` for a pattern).
//
// REFRESH_GOLDEN=1 rewrites out.yaml (and error.txt when it holds a plain message) from the current output.
// Every refreshed file must be reviewed by hand before it is committed: a golden that encodes a bug is worse
// than none.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsonpatch from 'fast-json-patch';
import { Injector, type InjectResult } from '../../../../src/inject/injector.ts';
import { settingsFromConfigMaps } from '../../../../src/inject/settings.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../../src/inject/types.ts';
import { parseYamlDocuments, toYaml } from '../../../../src/inject/yaml.ts';

export const goldenRoot = fileURLToPath(new URL('../../../fixtures/golden/', import.meta.url));
export const refreshing = process.env.REFRESH_GOLDEN === '1' || process.env.REFRESH_GOLDEN === 'true';

export type CaseMode = 'kube-inject' | 'webhook';

/** case.json: what the case proves and how it is run. Unknown keys are an error, so a typo cannot pass. */
export interface CaseSpec {
  /** One sentence: the behaviour this case pins down, and where the expectation comes from. */
  readonly description: string;
  /** `kube-inject` (default): the CLI on in.yaml. `webhook`: the Injector on the single Pod in in.yaml. */
  readonly mode: CaseMode;
  /** `-r` for kube-inject; the injector revision for the webhook (default `default`). */
  readonly revision?: string;
  /** `--native-sidecars` / the webhook's native-sidecar setting. */
  readonly native: boolean;
  /** webhook: the AdmissionRequest namespace (default: the pod's own). */
  readonly namespace?: string;
  /** webhook: env from the /inject path (`ISTIO_META_CLUSTER_ID`, ...). */
  readonly pathEnvs: Readonly<Record<string, string>>;
  /** webhook: the pod is not injected, for this decision reason. */
  readonly skip?: string;
  /** webhook: env values the injected istio-proxy must carry (checked besides out.yaml). */
  readonly proxyEnv: Readonly<Record<string, string>>;
  /** kube-inject: the exact stderr lines expected (none by default). */
  readonly warnings: readonly string[];
  /** kube-inject: extra arguments; those starting with `./` are paths in the case directory. */
  readonly args: readonly string[];
  /** kube-inject: `-f` value instead of in.yaml (`./x` is in the case directory). */
  readonly filename?: string;
  /** kube-inject: exit code of an error case (default 1). */
  readonly exitCode: number;
}

export interface GoldenCase {
  readonly name: string;
  readonly dir: string;
  readonly spec: CaseSpec;
  readonly inputFile: string | undefined;
  readonly configFile: string | undefined;
  readonly valuesFile: string | undefined;
  readonly meshFile: string | undefined;
  /** Expected output (out.yaml) path; undefined for error and webhook-skip cases. */
  readonly outFile: string | undefined;
  readonly errorFile: string | undefined;
}

const knownFiles = new Set(['in.yaml', 'in.txt', 'config.yaml', 'values.json', 'mesh.yaml', 'case.json']);
const knownKeys = new Set([
  'description',
  'mode',
  'revision',
  'native',
  'namespace',
  'pathEnvs',
  'skip',
  'proxyEnv',
  'warnings',
  'args',
  'filename',
  'exitCode',
]);

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isJsonObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new Error(`${where}: want a map of strings`);
  }
  return value as Record<string, string>;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new Error(`${where}: want a list of strings`);
  }
  return value as string[];
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`${where}: want a string`);
  return value;
}

function readSpec(file: string): CaseSpec {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!isJsonObject(raw)) throw new Error(`${file}: want a JSON object`);
  for (const key of Object.keys(raw)) {
    if (!knownKeys.has(key)) throw new Error(`${file}: unknown key "${key}"`);
  }
  const description = optionalString(raw.description, `${file}: description`);
  if (description === undefined || description.trim() === '')
    throw new Error(`${file}: description is required`);
  const mode = raw.mode ?? 'kube-inject';
  if (mode !== 'kube-inject' && mode !== 'webhook')
    throw new Error(`${file}: mode: want kube-inject or webhook`);
  if (raw.native !== undefined && typeof raw.native !== 'boolean')
    throw new Error(`${file}: native: want a boolean`);
  if (raw.exitCode !== undefined && typeof raw.exitCode !== 'number')
    throw new Error(`${file}: exitCode: want a number`);
  const revision = optionalString(raw.revision, `${file}: revision`);
  const namespace = optionalString(raw.namespace, `${file}: namespace`);
  const skip = optionalString(raw.skip, `${file}: skip`);
  const filename = optionalString(raw.filename, `${file}: filename`);
  return {
    description,
    mode,
    native: raw.native ?? false,
    pathEnvs: stringRecord(raw.pathEnvs, `${file}: pathEnvs`),
    proxyEnv: stringRecord(raw.proxyEnv, `${file}: proxyEnv`),
    warnings: stringList(raw.warnings, `${file}: warnings`),
    args: stringList(raw.args, `${file}: args`),
    exitCode: raw.exitCode ?? 1,
    ...(revision === undefined ? {} : { revision }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(skip === undefined ? {} : { skip }),
    ...(filename === undefined ? {} : { filename }),
  };
}

function optionalFile(dir: string, name: string): string | undefined {
  const path = join(dir, name);
  return existsSync(path) ? path : undefined;
}

/** Every case directory, sorted by name; a directory that is not a well-formed case throws. */
export function loadCases(root: string = goldenRoot): GoldenCase[] {
  const names = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return names.map((name) => {
    const dir = join(root, name);
    const files = readdirSync(dir);
    for (const file of files) {
      if (!knownFiles.has(file) && file !== 'out.yaml' && file !== 'error.txt') {
        throw new Error(`golden case ${name}: unexpected file ${file}`);
      }
    }
    const specFile = join(dir, 'case.json');
    if (!existsSync(specFile)) throw new Error(`golden case ${name}: case.json is missing`);
    const spec = readSpec(specFile);
    const inputFile = optionalFile(dir, 'in.yaml') ?? optionalFile(dir, 'in.txt');
    const errorFile = optionalFile(dir, 'error.txt');
    const expectsOutput = errorFile === undefined && spec.skip === undefined;
    const outPath = join(dir, 'out.yaml');
    const outFile = existsSync(outPath) || (refreshing && expectsOutput) ? outPath : undefined;
    if (inputFile === undefined && spec.filename === undefined)
      throw new Error(`golden case ${name}: no in.yaml`);
    if (outFile !== undefined && !expectsOutput) {
      throw new Error(`golden case ${name}: out.yaml next to error.txt or a webhook skip`);
    }
    if (outFile === undefined && expectsOutput) {
      throw new Error(`golden case ${name}: no out.yaml, error.txt or skip (run with REFRESH_GOLDEN=1)`);
    }
    if (spec.mode === 'webhook' && (spec.args.length > 0 || spec.filename !== undefined)) {
      throw new Error(`golden case ${name}: args and filename are kube-inject options`);
    }
    return {
      name,
      dir,
      spec,
      inputFile,
      configFile: optionalFile(dir, 'config.yaml'),
      valuesFile: optionalFile(dir, 'values.json'),
      meshFile: optionalFile(dir, 'mesh.yaml'),
      outFile,
      errorFile,
    };
  });
}

/** Parses a YAML stream into its documents' values, the form every comparison uses. */
export function parseStream(text: string, source: string): unknown[] {
  return parseYamlDocuments(text, source).map((d) => d.value);
}

export { captureIO, runCli, type Captured, type CliResult as CommandRun } from '../../cli/run.ts';

function caseArg(c: GoldenCase, arg: string): string {
  return arg.startsWith('./') ? join(c.dir, arg.slice(2)) : arg;
}

/** The kube-inject command line for a case, reading `filename` (a path, or `-` for stdin). */
export function kubeInjectArgs(c: GoldenCase, filename: string): string[] {
  const args = ['kube-inject', '-f', filename];
  if (c.configFile !== undefined) args.push('--injectConfigFile', c.configFile);
  if (c.valuesFile !== undefined) args.push('--valuesFile', c.valuesFile);
  if (c.meshFile !== undefined) args.push('--meshConfigFile', c.meshFile);
  if (c.spec.revision !== undefined) args.push('-r', c.spec.revision);
  if (c.spec.native) args.push('--native-sidecars');
  args.push(...c.spec.args.map((a) => caseArg(c, a)));
  return args;
}

/** Paths in messages are shown relative to the case directory, so expectations hold on any machine. */
export function relativeToCase(c: GoldenCase, text: string): string {
  return text.split(`${c.dir}/`).join('');
}

/** Checks a message against error.txt: `/pattern/` is a regular expression, anything else the exact text. */
export function assertExpectedError(c: GoldenCase, actual: string): void {
  const errorFile = c.errorFile!;
  const expected = readFileSync(errorFile, 'utf8').trim();
  const message = relativeToCase(c, actual).trim();
  const regex = /^\/(.*)\/$/s.exec(expected);
  if (regex !== null) {
    assert.match(message, new RegExp(regex[1]!), `${c.name}: error message`);
    return;
  }
  if (refreshing) {
    writeFileSync(errorFile, `${message}\n`);
    return;
  }
  assert.equal(message, expected, `${c.name}: error message`);
}

/** Compares a produced YAML stream with out.yaml (rewriting it first when refreshing). */
export function assertExpectedOutput(c: GoldenCase, output: string): void {
  const outFile = c.outFile!;
  if (refreshing) writeFileSync(outFile, output);
  const expected = parseStream(readFileSync(outFile, 'utf8'), `${c.name}/out.yaml`);
  assert.deepStrictEqual(
    parseStream(output, `${c.name} output`),
    expected,
    `${c.name}: output differs from out.yaml`,
  );
}

/** Reads a case's optional config files as the webhook gets them: ConfigMap data texts. */
export function webhookInjector(c: GoldenCase): Injector {
  const read = (file: string | undefined): string | undefined =>
    file === undefined ? undefined : readFileSync(file, 'utf8');
  const config = read(c.configFile);
  const values = read(c.valuesFile);
  const mesh = read(c.meshFile);
  const settings = settingsFromConfigMaps(
    {
      ...(config === undefined ? {} : { config }),
      ...(values === undefined ? {} : { values }),
      ...(mesh === undefined ? {} : { mesh }),
    },
    { injector: 'istio-system/istio-sidecar-injector', mesh: 'istio-system/istio' },
    {
      nativeSidecars: c.spec.native,
      ...(c.spec.revision === undefined ? {} : { revision: c.spec.revision }),
    },
  );
  return new Injector(settings);
}

/** The single Pod a webhook case feeds the injector. */
export function webhookPod(c: GoldenCase): JsonObject {
  const docs = parseStream(readFileSync(c.inputFile!, 'utf8'), `${c.name}/in.yaml`);
  assert.equal(docs.length, 1, `${c.name}: a webhook case holds exactly one Pod`);
  const pod = docs[0];
  assert.ok(isJsonObject(pod) && pod.kind === 'Pod', `${c.name}: a webhook case holds a Pod`);
  return pod;
}

export function webhookNamespace(c: GoldenCase, pod: JsonObject): string {
  if (c.spec.namespace !== undefined) return c.spec.namespace;
  const metadata = isJsonObject(pod.metadata) ? pod.metadata : {};
  return typeof metadata.namespace === 'string' ? metadata.namespace : '';
}

export function injectAsWebhook(injector: Injector, c: GoldenCase, pod: JsonObject): InjectResult {
  return injector.inject({
    pod,
    namespace: webhookNamespace(c, pod),
    mode: 'webhook',
    proxyEnvs: c.spec.pathEnvs,
  });
}

/** The istio-proxy container, wherever the injection put it (containers, or init containers when native). */
export function proxyOf(pod: JsonObject): JsonObject | undefined {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  for (const field of ['containers', 'initContainers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    const found = list.find((c): c is JsonObject => isJsonObject(c) && c.name === 'istio-proxy');
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The literal `value` of each env var of a container, by name (valueFrom entries are left out). */
export function envValues(container: JsonObject): Record<string, string> {
  const env: JsonValue[] = Array.isArray(container.env) ? container.env : [];
  const out: Record<string, string> = {};
  for (const e of env) {
    if (isJsonObject(e) && typeof e.name === 'string' && typeof e.value === 'string') out[e.name] = e.value;
  }
  return out;
}

/** Applies an RFC 6902 patch to a copy of `document` the way the API server does (validating each op). */
export function applyPatch(document: JsonObject, patch: readonly jsonpatch.Operation[]): unknown {
  return jsonpatch.applyPatch(structuredClone(document), [...patch], true, false).newDocument;
}

export { toYaml };
