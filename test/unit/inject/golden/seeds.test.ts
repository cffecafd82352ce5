// The seed checks (issue 4, "Done when"): `kube-inject` with the project's default config on the manifests of the
// user's articles gives pods with the containers, args, ports, probes and security contexts the articles show.
//
// Each assertion names the seed and the part of it the expectation comes from:
//   seed 000  productpage: the injected pod's istio-init (args, resources, securityContext) and istio-proxy
//             (image, ports, readinessProbe, resources, securityContext), Istio 1.11;
//   seed 001  sleep: `istioctl kube-inject` (Istio 1.1.7) on an extensions/v1beta1 Deployment with a
//             ServiceAccount and a Service, `kubectl describe pod` of the result, and the opt-out annotation;
//   seed 003  nginx (jiuxi): the injected pod's containers and the Service left unchanged, Istio 1.5;
//   seed 004  the istio-init args `-p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d
//             15090,15021,15020` and the istio-proxy args and volumeMounts, Istio 1.19.
// Where a seed shows an older Istio (1.1's proxy_init args, 1.5's command), the test compares with what the
// current template produces and seed 000/004 document, and says so.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../../src/inject/types.ts';
import { envValues, parseStream, runCli } from './harness.ts';

const seeds = fileURLToPath(new URL('../../../fixtures/seeds/', import.meta.url));

interface Injected {
  readonly documents: unknown[];
  readonly stdout: string;
  readonly stderr: string;
}

async function kubeInject(file: string): Promise<Injected> {
  const run = await runCli(['kube-inject', '-f', `${seeds}${file}`]);
  assert.equal(run.code, 0, run.stderr);
  return { documents: parseStream(run.stdout, file), stdout: run.stdout, stderr: run.stderr };
}

function object(value: unknown, what: string): JsonObject {
  assert.ok(isJsonObject(value), `${what} is an object`);
  return value;
}

function text(value: unknown, what: string): string {
  assert.equal(typeof value, 'string', `${what} is a string`);
  return value as string;
}

function podTemplate(workload: unknown): { metadata: JsonObject; spec: JsonObject } {
  const template = object(
    object(object(workload, 'workload').spec, 'workload spec').template,
    'pod template',
  );
  return { metadata: object(template.metadata, 'metadata'), spec: object(template.spec, 'pod spec') };
}

function containers(spec: JsonObject, field: 'containers' | 'initContainers'): JsonObject[] {
  const list = spec[field];
  assert.ok(Array.isArray(list), `${field} is a list`);
  return list.map((c) => object(c, field));
}

function container(spec: JsonObject, field: 'containers' | 'initContainers', name: string): JsonObject {
  const found = containers(spec, field).find((c) => c.name === name);
  return object(found, `${field} ${name}`);
}

function containerNames(spec: JsonObject, field: 'containers' | 'initContainers'): unknown[] {
  return containers(spec, field).map((c) => c.name);
}

function flag(args: JsonValue | undefined, name: string): unknown {
  assert.ok(Array.isArray(args));
  const at = args.indexOf(name);
  assert.ok(at >= 0, `istio-init has ${name}`);
  return args[at + 1];
}

// The API server fills these probe defaults in; the seeds show pods read back from the cluster.
function withApiServerProbeDefaults(probe: JsonValue | undefined): JsonObject {
  const p = object(probe, 'probe');
  const httpGet = object(p.httpGet, 'httpGet');
  return { successThreshold: 1, ...p, httpGet: { scheme: 'HTTP', ...httpGet } };
}

// Seed 004 (istio-init 启动命令, and the 1.19 istio-init yaml, which adds the log level).
const seed004InitArgs = [
  'istio-iptables',
  '-p',
  '15001',
  '-z',
  '15006',
  '-u',
  '1337',
  '-m',
  'REDIRECT',
  '-i',
  '*',
  '-x',
  '',
  '-b',
  '*',
  '-d',
  '15090,15021,15020',
  '--log_output_level=default:info',
];

// Seed 004, istio-proxy `args:` of the 1.19 yaml.
const seed004ProxyArgs = [
  'proxy',
  'sidecar',
  '--domain',
  '$(POD_NAMESPACE).svc.cluster.local',
  '--proxyLogLevel=warning',
  '--proxyComponentLogLevel=misc:error',
  '--log_output_level=default:info',
];

// Seed 004, istio-proxy `volumeMounts:` (the kube-api-access mount is added later by the API server).
const seed004ProxyMounts = [
  { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
  { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
  { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
  { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
  { name: 'istio-data', mountPath: '/var/lib/istio/data' },
  { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
  { name: 'istio-token', mountPath: '/var/run/secrets/tokens' },
  { name: 'istio-podinfo', mountPath: '/etc/istio/pod' },
];

describe('seed 000: productpage', () => {
  it('gets istio-init and istio-proxy exactly as the injected pod in the article', async () => {
    const { documents } = await kubeInject('productpage.yaml');
    assert.equal(documents.length, 1);
    const { spec } = podTemplate(documents[0]);

    // "多了1个 名字叫istio-init ... 的init容器" and "多了一个 sidecar容器".
    assert.deepStrictEqual(containerNames(spec, 'initContainers'), ['istio-init']);
    assert.deepStrictEqual(containerNames(spec, 'containers'), ['productpage', 'istio-proxy']);

    const init = container(spec, 'initContainers', 'istio-init');
    // seed 000 istio-init `args:` (- istio-iptables ... - 15090,15021,15020), plus seed 004's log level.
    assert.deepStrictEqual(init.args, seed004InitArgs);
    assert.equal(init.command, undefined);
    // seed 000 istio-init `image: docker.io/istio/proxyv2:1.11.4` (our values pin a newer tag of the same image).
    assert.match(text(init.image, 'image'), /^docker\.io\/istio\/proxyv2:/);
    assert.equal(init.imagePullPolicy, 'IfNotPresent');
    // seed 000 istio-init `resources:` (limits cpu "2", memory 1Gi; requests cpu 10m, memory 40Mi).
    assert.deepStrictEqual(init.resources, {
      limits: { cpu: '2', memory: '1Gi' },
      requests: { cpu: '10m', memory: '40Mi' },
    });
    // seed 000 istio-init `securityContext:`.
    assert.deepStrictEqual(init.securityContext, {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    });

    const proxy = container(spec, 'containers', 'istio-proxy');
    // seed 000 istio-proxy `image:` / `imagePullPolicy: IfNotPresent`; the same image as istio-init.
    assert.equal(proxy.image, init.image);
    assert.equal(proxy.imagePullPolicy, 'IfNotPresent');
    // seed 000 istio-proxy `ports:` (15090 http-envoy-prom TCP).
    assert.deepStrictEqual(proxy.ports, [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }]);
    // seed 000 istio-proxy `readinessProbe:` (failureThreshold 30, /healthz/ready on 15021, delay 1, period 2,
    // timeout 3; scheme HTTP and successThreshold 1 are the API server's defaults).
    assert.deepStrictEqual(withApiServerProbeDefaults(proxy.readinessProbe), {
      failureThreshold: 30,
      httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' },
      initialDelaySeconds: 1,
      periodSeconds: 2,
      successThreshold: 1,
      timeoutSeconds: 3,
    });
    // seed 000 istio-proxy `resources:`.
    assert.deepStrictEqual(proxy.resources, {
      limits: { cpu: '2', memory: '1Gi' },
      requests: { cpu: '10m', memory: '40Mi' },
    });
    // seed 000 istio-proxy `securityContext:` (uid/gid 1337, non-root, read-only root, drop ALL).
    assert.deepStrictEqual(proxy.securityContext, {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    });
    // seed 004 istio-proxy `args:` and `volumeMounts:`.
    assert.deepStrictEqual(proxy.args, seed004ProxyArgs);
    assert.deepStrictEqual(proxy.volumeMounts, seed004ProxyMounts);

    // The app container is left as the bookinfo manifest in seed 000 wrote it.
    assert.deepStrictEqual(container(spec, 'containers', 'productpage'), {
      name: 'productpage',
      image: 'docker.io/istio/examples-bookinfo-productpage-v1:1.16.2',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 9080 }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      securityContext: { runAsUser: 1000 },
    });
  });
});

describe('seed 001: sleep', () => {
  it('injects the extensions/v1beta1 Deployment and passes the ServiceAccount and Service through', async () => {
    const input = parseStream(readFileSync(`${seeds}sleep.yaml`, 'utf8'), 'sleep.yaml');
    const { documents, stderr } = await kubeInject('sleep.yaml');
    assert.equal(stderr, '');
    // `serviceaccount/sleep created`, `service/sleep created`, `deployment.extensions/sleep created`.
    assert.equal(documents.length, 3);
    assert.deepStrictEqual(documents[0], input[0]);
    assert.deepStrictEqual(documents[1], input[1]);
    const deployment = object(documents[2], 'deployment');
    assert.equal(deployment.apiVersion, 'extensions/v1beta1');
    assert.equal(deployment.kind, 'Deployment');

    const { metadata, spec } = podTemplate(deployment);
    // `sleep-5c5dcdf46-sz9sj   2/2     Running`: Init Containers istio-init; Containers sleep, istio-proxy.
    assert.deepStrictEqual(containerNames(spec, 'initContainers'), ['istio-init']);
    assert.deepStrictEqual(containerNames(spec, 'containers'), ['sleep', 'istio-proxy']);
    // Annotations `sidecar.istio.io/status: {"version":...,"initContainers":["istio-init"],"containers":["istio-proxy"]...`
    const status = JSON.parse(
      text(object(metadata.annotations, 'annotations')['sidecar.istio.io/status'], 'status annotation'),
    ) as {
      initContainers: string[];
      containers: string[];
    };
    assert.deepStrictEqual(status.initContainers, ['istio-init']);
    assert.deepStrictEqual(status.containers, ['istio-proxy']);

    // `sleep`: Image pstauffer/curl, Command /bin/sleep 3650d, unchanged.
    assert.deepStrictEqual(container(spec, 'containers', 'sleep'), {
      name: 'sleep',
      image: 'pstauffer/curl',
      command: ['/bin/sleep', '3650d'],
      imagePullPolicy: 'IfNotPresent',
    });

    // istio-init Args (Istio 1.1.7): -p 15001 -u 1337 -m REDIRECT -i * -x "" -b "" -d 15020.
    const init = container(spec, 'initContainers', 'istio-init');
    assert.equal(flag(init.args, '-p'), '15001');
    assert.equal(flag(init.args, '-u'), '1337');
    assert.equal(flag(init.args, '-m'), 'REDIRECT');
    assert.equal(flag(init.args, '-i'), '*');
    assert.equal(flag(init.args, '-x'), '');
    // 1.1 passed the app's declared ports to -b (none here, so ""), and only the status port to -d; the current
    // template captures all inbound ports and also excludes 15090/15021, as seeds 000 and 004 show.
    assert.equal(flag(init.args, '-b'), '*');
    assert.equal(flag(init.args, '-d'), '15090,15021,15020');
    // 1.1 ran a separate proxy_init image; since 1.5 (seed 003) istio-init runs the proxyv2 image.
    const proxy = container(spec, 'containers', 'istio-proxy');
    assert.equal(init.image, proxy.image);

    // istio-proxy `Port: 15090/TCP`, Args `proxy sidecar --domain $(POD_NAMESPACE).svc.cluster.local ...`.
    assert.deepStrictEqual(proxy.ports, [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }]);
    assert.deepStrictEqual(object(proxy, 'proxy').args, seed004ProxyArgs);
    // `Limits: cpu: 2, memory: 1Gi` (the requests follow seed 000's 10m/40Mi, not 1.1's 100m/128Mi).
    assert.deepStrictEqual(object(proxy.resources, 'resources').limits, { cpu: '2', memory: '1Gi' });
    // `Readiness: http-get http://:15020/healthz/ready delay=1s ... period=2s #success=1 #failure=30`; the
    // readiness port moved to 15021 (seed 000).
    const readiness = withApiServerProbeDefaults(proxy.readinessProbe);
    assert.deepStrictEqual(readiness.httpGet, { path: '/healthz/ready', port: 15021, scheme: 'HTTP' });
    assert.equal(readiness.initialDelaySeconds, 1);
    assert.equal(readiness.periodSeconds, 2);
    assert.equal(readiness.successThreshold, 1);
    assert.equal(readiness.failureThreshold, 30);
    // `Environment:` POD_NAME, POD_NAMESPACE, INSTANCE_IP (downward API) and ISTIO_META_INTERCEPTION_MODE.
    const env = Array.isArray(proxy.env) ? proxy.env.map((e) => object(e, 'env')) : [];
    const fieldPath = (name: string): unknown => {
      const entry = env.find((e) => e.name === name);
      return object(object(object(entry, name).valueFrom, 'valueFrom').fieldRef, 'fieldRef').fieldPath;
    };
    assert.equal(fieldPath('POD_NAME'), 'metadata.name');
    assert.equal(fieldPath('POD_NAMESPACE'), 'metadata.namespace');
    assert.equal(fieldPath('INSTANCE_IP'), 'status.podIP');
    assert.equal(envValues(proxy).ISTIO_META_INTERCEPTION_MODE, 'REDIRECT');
    // `Mounts: /etc/istio/proxy from istio-envoy (rw)`; `Volumes: istio-envoy: EmptyDir, Medium: Memory`.
    const mounts = Array.isArray(proxy.volumeMounts) ? proxy.volumeMounts : [];
    assert.ok(
      mounts.some((m) => isJsonObject(m) && m.name === 'istio-envoy' && m.mountPath === '/etc/istio/proxy'),
    );
    const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
    const envoy = volumes.find((v) => isJsonObject(v) && v.name === 'istio-envoy');
    assert.deepStrictEqual(envoy, { name: 'istio-envoy', emptyDir: { medium: 'Memory' } });
  });

  it('does not duplicate containers when the output is injected again (the article found 1.1 did)', async () => {
    // 好奇的想法 2: "对同一个文件重复执行两遍手动注入，会不会重复注入？答：会" - fixed in Istio since PR #41652.
    const first = await kubeInject('sleep.yaml');
    const again = await runCli(['kube-inject', '-f', '-'], first.stdout);
    assert.equal(again.code, 0, again.stderr);
    assert.deepStrictEqual(parseStream(again.stdout, 'twice'), first.documents);
    const { spec } = podTemplate(first.documents[2]);
    assert.deepStrictEqual(containerNames(spec, 'containers'), ['sleep', 'istio-proxy']);
  });

  it('leaves the opted-out sleep (sidecar.istio.io/inject: "false") alone, with a warning', async () => {
    const input = parseStream(readFileSync(`${seeds}sleep-with-annotations.yaml`, 'utf8'), 'input');
    const { documents, stderr } = await kubeInject('sleep-with-annotations.yaml');
    // `sleep-6d4c655fd9-jp225   1/1     Running`: no sidecar.
    assert.deepStrictEqual(documents, input);
    assert.equal(
      stderr,
      '===> Skipping injection because Deployment "sleep" has sidecar.istio.io/inject: "false"\n',
    );
  });
});

describe('seed 003: nginx (jiuxi)', () => {
  it('runs nginx and istio-proxy, with istio-init run before them, all from the same proxy image', async () => {
    const { documents } = await kubeInject('nginx.yaml');
    const { spec } = podTemplate(documents[0]);
    // "pod里有两个运行的容器 nginx, istio-proxy, 还有一个已运行结束的istio-init容器".
    assert.deepStrictEqual(containerNames(spec, 'containers'), ['nginx', 'istio-proxy']);
    assert.deepStrictEqual(containerNames(spec, 'initContainers'), ['istio-init']);
    assert.deepStrictEqual(container(spec, 'containers', 'nginx'), {
      name: 'nginx',
      image: 'nginx:1.14-alpine',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 80 }],
    });
    const init = container(spec, 'initContainers', 'istio-init');
    const proxy = container(spec, 'containers', 'istio-proxy');
    // "istio-init容器和istio-proxy容器都使用相同的image".
    assert.equal(init.image, proxy.image);
    // Istio 1.5 gave istio-init `command: [istio-iptables, -p, ...]`; current Istio passes the same words as
    // args to the image's entrypoint (seed 000/004), which the article's rules say runs the same command.
    assert.deepStrictEqual(init.args, seed004InitArgs);
    // "有args但是没有command, 因此用image原数据里的command并用此yaml里的args参数" (istio-proxy).
    assert.equal(proxy.command, undefined);
    assert.deepStrictEqual(object(proxy, 'proxy').args, seed004ProxyArgs);
    // seed 004 iptables walk-through: the proxy runs as 1337, the uid istio-iptables exempts (-u 1337).
    assert.equal(object(proxy.securityContext, 'securityContext').runAsUser, 1337);
  });

  it('leaves the Service exactly as it was (the article injects jiuxi-svc.yaml and nothing changes)', async () => {
    const { stdout } = await kubeInject('nginx-svc.yaml');
    const source = readFileSync(`${seeds}nginx-svc.yaml`, 'utf8');
    assert.equal(stdout, source);
  });

  it('turns seed 004 section 五 annotations into -o 8080 and -x 172.16.2.0/24', async () => {
    const manifest = readFileSync(`${seeds}nginx.yaml`, 'utf8').replace(
      '      labels:\n        app: jiuxi\n    spec:',
      '      labels:\n        app: jiuxi\n      annotations:\n' +
        "        traffic.sidecar.istio.io/excludeOutboundPorts: '8080'\n" +
        '        traffic.sidecar.istio.io/excludeOutboundIPRanges: 172.16.2.0/24\n    spec:',
    );
    assert.notEqual(manifest, readFileSync(`${seeds}nginx.yaml`, 'utf8'), 'the annotations were added');
    const run = await runCli(['kube-inject', '-f', '-'], manifest);
    assert.equal(run.code, 0, run.stderr);
    const { spec } = podTemplate(parseStream(run.stdout, 'annotated')[0]);
    const init = container(spec, 'initContainers', 'istio-init');
    assert.equal(flag(init.args, '-o'), '8080');
    assert.equal(flag(init.args, '-x'), '172.16.2.0/24');
  });
});
