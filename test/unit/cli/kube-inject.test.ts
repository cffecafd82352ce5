// `mesh-injector kube-inject`, run in-process through main() with its flags as istioctl has them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../src/inject/types.ts';
import { parseStream, runCli } from '../inject/golden/harness.ts';

const work = mkdtempSync(join(tmpdir(), 'kube-inject-test-'));
after(() => {
  rmSync(work, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
`;

const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
`;

function object(value: unknown, what: string): JsonObject {
  assert.ok(isJsonObject(value), `${what} is an object`);
  return value;
}

function podOf(document: unknown): { metadata: JsonObject; spec: JsonObject } {
  const template = object(object(object(document, 'document').spec, 'spec').template, 'template');
  return { metadata: object(template.metadata, 'metadata'), spec: object(template.spec, 'pod spec') };
}

function names(list: JsonValue | undefined): unknown[] {
  return Array.isArray(list) ? list.map((c) => object(c, 'container').name) : [];
}

function named(list: JsonValue | undefined, name: string): JsonObject {
  const found = Array.isArray(list) ? list.find((c) => isJsonObject(c) && c.name === name) : undefined;
  return object(found, name);
}

function initArg(spec: JsonObject, flag: string): unknown {
  const args = named(spec.initContainers, 'istio-init').args;
  assert.ok(Array.isArray(args));
  return args[args.indexOf(flag) + 1];
}

/** A fresh, empty directory for one test's output, so a leftover temp file would show in its listing. */
function outputDir(): string {
  return mkdtempSync(join(work, 'out-'));
}

describe('kube-inject', () => {
  it('reads the manifest from stdin with -f -', async () => {
    const run = await runCli(['kube-inject', '-f', '-'], deployment);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const { spec } = podOf(parseStream(run.stdout, 'stdout')[0]);
    assert.deepStrictEqual(names(spec.containers), ['web', 'istio-proxy']);
    assert.deepStrictEqual(names(spec.initContainers), ['istio-init']);
  });

  it('writes -o whole and prints nothing on stdout', async () => {
    const input = file('ok.input.yaml', `${service}---\n${deployment}`);
    const dir = outputDir();
    const output = join(dir, 'out.yaml');
    const run = await runCli(['kube-inject', '-f', input, '-o', output]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    const documents = parseStream(readFileSync(output, 'utf8'), 'out.yaml');
    assert.equal(documents.length, 2);
    assert.equal(object(documents[0], 'service').kind, 'Service');
    assert.deepStrictEqual(names(podOf(documents[1]).spec.containers), ['web', 'istio-proxy']);
    assert.deepStrictEqual(readdirSync(dir), ['out.yaml']);
  });

  it('writes nothing to -o when a document is malformed: a new file stays absent, an old one unchanged', async () => {
    const broken = file(
      'broken.input.yaml',
      `${deployment}---\napiVersion: v1\nkind: Service\nmetadata: {name: x\n`,
    );
    const empty = outputDir();
    const run = await runCli(['kube-inject', '-f', broken, '-o', join(empty, 'out.yaml')]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.deepStrictEqual(readdirSync(empty), []);

    const dir = outputDir();
    const existing = join(dir, 'out.yaml');
    writeFileSync(existing, 'previous: content\n');
    const again = await runCli(['kube-inject', '-f', broken, '-o', existing]);
    assert.equal(again.code, 1);
    assert.equal(readFileSync(existing, 'utf8'), 'previous: content\n');
    assert.deepStrictEqual(readdirSync(dir), ['out.yaml']);
  });

  it('fails on a malformed document with its index and line, exit 1, and nothing on stdout', async () => {
    const stream = `${service}---\n${deployment}---\napiVersion: v1\nkind: ConfigMap\ndata:\n  key: [unclosed\n`;
    const run = await runCli(['kube-inject', '-f', '-'], stream);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    // Document 2 is lines 29-32 of the stream (its separator is line 28); the flow sequence never closes.
    assert.match(run.stderr, /^mesh-injector kube-inject: <stdin>: document 2 \(line \d+, column \d+\): /);
    const line = Number(/\(line (\d+)/.exec(run.stderr)?.[1]);
    assert.ok(line >= 29 && line <= 33, `line ${line} is inside document 2`);
  });

  it('fails on a document without kind, naming its index and first line', async () => {
    const run = await runCli(
      ['kube-inject', '-f', '-'],
      `${service}---\napiVersion: v1\nmetadata: {name: x}\n`,
    );
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      'mesh-injector kube-inject: <stdin>: document 1 (line 10): not a Kubernetes object: apiVersion and kind are required\n',
    );
  });

  it('warns on stderr for every workload it skips, and still writes them out', async () => {
    const hostNetwork = deployment
      .replace('name: web\n  namespace: shop', 'name: node-exporter\n  namespace: monitoring')
      .replace('    spec:\n      containers:', '    spec:\n      hostNetwork: true\n      containers:');
    const optedOut = deployment
      .replace('name: web\n  namespace: shop', 'name: batch\n  namespace: jobs')
      .replace(
        'labels: {app: web}\n    spec:',
        "labels: {app: web}\n      annotations: {sidecar.istio.io/inject: 'false'}\n    spec:",
      );
    const run = await runCli(['kube-inject', '-f', '-'], `${hostNetwork}---\n${optedOut}---\n${deployment}`);
    assert.equal(run.code, 0);
    assert.deepStrictEqual(
      run.stderr.split('\n').filter((l) => l !== ''),
      [
        '===> Skipping injection because Deployment "monitoring/node-exporter" has host networking enabled',
        '===> Skipping injection because Deployment "jobs/batch" has sidecar.istio.io/inject: "false"',
      ],
    );
    const documents = parseStream(run.stdout, 'stdout');
    assert.deepStrictEqual(names(podOf(documents[0]).spec.containers), ['web']);
    assert.deepStrictEqual(names(podOf(documents[1]).spec.containers), ['web']);
    assert.deepStrictEqual(names(podOf(documents[2]).spec.containers), ['web', 'istio-proxy']);
  });

  it('takes a bare template from --injectConfigFile as the sidecar template', async () => {
    const template = file(
      'bare-template.yaml',
      'spec:\n  containers:\n    - name: istio-proxy\n      image: "{{ .ProxyImage }}"\n' +
        '      args: [proxy, sidecar, "--serviceCluster={{ .DeploymentMeta.Name }}"]\n',
    );
    const run = await runCli(['kube-inject', '-f', '-', '--injectConfigFile', template], deployment);
    assert.equal(run.code, 0, run.stderr);
    const { spec, metadata } = podOf(parseStream(run.stdout, 'stdout')[0]);
    assert.deepStrictEqual(names(spec.containers), ['web', 'istio-proxy']);
    assert.equal(spec.initContainers, undefined);
    assert.deepStrictEqual(named(spec.containers, 'istio-proxy').args, [
      'proxy',
      'sidecar',
      '--serviceCluster=web',
    ]);
    assert.equal(
      object(metadata.annotations, 'annotations')['sidecar.istio.io/status'],
      '{"initContainers":null,"containers":["istio-proxy"],"volumes":null,"imagePullSecrets":null,"revision":"default"}',
    );
  });

  it('reads the mesh config from --meshConfigFile, as mesh YAML or as the istio ConfigMap', async () => {
    const meshYaml = file(
      'mesh.yaml',
      'proxyListenPort: 15011\ndefaultConfig:\n  interceptionMode: TPROXY\n',
    );
    const meshConfigMap = file(
      'istio-configmap.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\n' +
        'data:\n  mesh: |-\n    proxyInboundListenPort: 15016\n',
    );
    const plain = await runCli(['kube-inject', '-f', '-', '--meshConfigFile', meshYaml], deployment);
    assert.equal(plain.code, 0, plain.stderr);
    const fromYaml = podOf(parseStream(plain.stdout, 'stdout')[0]).spec;
    assert.equal(initArg(fromYaml, '-p'), '15011');
    assert.equal(initArg(fromYaml, '-m'), 'TPROXY');

    const viaConfigMap = await runCli(
      ['kube-inject', '-f', '-', '--meshConfigFile', meshConfigMap],
      deployment,
    );
    assert.equal(viaConfigMap.code, 0, viaConfigMap.stderr);
    const fromConfigMap = podOf(parseStream(viaConfigMap.stdout, 'stdout')[0]).spec;
    assert.equal(initArg(fromConfigMap, '-z'), '15016');
    assert.equal(initArg(fromConfigMap, '-p'), '15001');
  });

  it('reads values from --valuesFile, as JSON or from the istio-sidecar-injector ConfigMap', async () => {
    const json = file('values.json', '{"global": {"hub": "registry.example.com/istio", "tag": "1.99.0"}}');
    const configMap = file(
      'injector-configmap.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio-sidecar-injector}\n' +
        'data:\n  values: |-\n    {"global": {"proxy": {"excludeIPRanges": "10.0.0.0/8"}}}\n',
    );
    const run = await runCli(['kube-inject', '-f', '-', '--valuesFile', json], deployment);
    assert.equal(run.code, 0, run.stderr);
    const spec = podOf(parseStream(run.stdout, 'stdout')[0]).spec;
    assert.equal(named(spec.containers, 'istio-proxy').image, 'registry.example.com/istio/proxyv2:1.99.0');
    assert.equal(named(spec.initContainers, 'istio-init').image, 'registry.example.com/istio/proxyv2:1.99.0');

    const fromConfigMap = await runCli(['kube-inject', '-f', '-', '--valuesFile', configMap], deployment);
    assert.equal(fromConfigMap.code, 0, fromConfigMap.stderr);
    assert.equal(initArg(podOf(parseStream(fromConfigMap.stdout, 'stdout')[0]).spec, '-x'), '10.0.0.0/8');
  });

  it('injects as the revision given with -r / --revision', async () => {
    for (const flag of ['-r', '--revision']) {
      const run = await runCli(['kube-inject', '-f', '-', flag, 'canary'], deployment);
      assert.equal(run.code, 0, run.stderr);
      const { metadata } = podOf(parseStream(run.stdout, 'stdout')[0]);
      const annotations = object(metadata.annotations, 'annotations');
      assert.equal(annotations['istio.io/rev'], 'canary');
      const status = annotations['sidecar.istio.io/status'];
      assert.equal(
        typeof status === 'string' ? (JSON.parse(status) as { revision?: unknown }).revision : status,
        'canary',
      );
      assert.equal(object(metadata.labels, 'labels')['istio.io/rev'], 'canary');
    }
  });

  it('renders native sidecars with --native-sidecars', async () => {
    const run = await runCli(['kube-inject', '-f', '-', '--native-sidecars'], deployment);
    assert.equal(run.code, 0, run.stderr);
    const { spec } = podOf(parseStream(run.stdout, 'stdout')[0]);
    assert.deepStrictEqual(names(spec.containers), ['web']);
    assert.deepStrictEqual(names(spec.initContainers), ['istio-init', 'istio-proxy']);
    assert.equal(named(spec.initContainers, 'istio-proxy').restartPolicy, 'Always');
  });

  it('prints its help with --help and -h, listing every flag, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await runCli(['kube-inject', flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
      for (const option of [
        '-f, --filename',
        '-o, --output',
        '--injectConfigFile',
        '--meshConfigFile',
        '--valuesFile',
        '-r, --revision',
        '--native-sidecars',
      ]) {
        assert.ok(run.stdout.includes(option), `help mentions ${option}`);
      }
    }
  });

  it('is a usage error (exit 2) without -f, with an unknown flag, or with a file that cannot be read', async () => {
    const missing = await runCli(['kube-inject']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /-f\/--filename is required/);
    const unknown = await runCli(['kube-inject', '-f', '-', '--no-such-flag']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--no-such-flag/);
    const unreadable = await runCli(['kube-inject', '-f', join(work, 'absent.yaml')]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read .*absent\.yaml: ENOENT/);
  });

  it('fails with exit 1 and writes nothing when a config file cannot be read or parsed', async () => {
    const dir = outputDir();
    const output = join(dir, 'out.yaml');
    const input = file('config-error.input.yaml', deployment);
    const unreadable = await runCli([
      'kube-inject',
      '-f',
      input,
      '-o',
      output,
      '--injectConfigFile',
      join(work, 'absent-config.yaml'),
    ]);
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stderr, /absent-config\.yaml: cannot read the injector config: ENOENT/);
    const badMesh = file('bad-mesh.yaml', 'defaultConfig:\n  statusPort: seventy\n');
    const invalid = await runCli(['kube-inject', '-f', input, '-o', output, '--meshConfigFile', badMesh]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /bad-mesh\.yaml: defaultConfig\.statusPort: want a port number/);
    assert.deepStrictEqual(readdirSync(dir), []);
  });
});
