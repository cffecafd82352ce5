import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import {
  KubeClient,
  apiStatus,
  defaultUserAgent,
  isAlreadyExists,
  isConflict,
  isFieldManagerConflict,
  isGone,
  isNotFound,
  loadKubeConfig,
  resourceForKind,
  resourcePath,
} from '../../../src/kube/client.ts';
import { ManualClock, settle } from '../../../src/kube/clock.ts';
import { patchContentType } from '../../../src/kube/patch.ts';
import { version } from '../../../src/version.ts';
import { apiError, json, recordingServer, status, writeKubeconfig, type RecordingServer } from './helpers.ts';

describe('apiStatus and the error predicates', () => {
  it('parses the Status out of the string body', () => {
    const s = apiStatus(apiError(404, 'NotFound', 'pods "x" not found'));
    assert.deepEqual(s, { code: 404, reason: 'NotFound', message: 'pods "x" not found' });
  });

  it('keeps the details (causes) of the Status', () => {
    const s = apiStatus(apiError(422, 'Invalid', 'bad', { causes: [{ field: 'spec' }] }));
    assert.deepEqual(s?.details, { causes: [{ field: 'spec' }] });
  });

  it('falls back to the HTTP code when the body is not a Status', () => {
    const s = apiStatus(new ApiException<string>(503, 'x', 'upstream connect error', {}));
    assert.deepEqual(s, { code: 503, reason: '', message: 'upstream connect error' });
  });

  it('handles the undefined body of a typed 401', () => {
    const s = apiStatus(new ApiException<undefined>(401, 'Unauthorized', undefined, {}));
    assert.deepEqual(s, { code: 401, reason: '', message: 'HTTP 401' });
  });

  it('is undefined for errors that are not API answers', () => {
    assert.equal(apiStatus(new Error('ECONNREFUSED')), undefined);
    assert.equal(apiStatus('nope'), undefined);
    assert.equal(apiStatus(undefined), undefined);
  });

  it('tells NotFound, Conflict, AlreadyExists and Gone apart', () => {
    const notFound = apiError(404, 'NotFound');
    const conflict = apiError(409, 'Conflict', 'the object has been modified');
    const exists = apiError(409, 'AlreadyExists');
    const gone = apiError(410, 'Expired', 'too old resource version');
    assert.deepEqual(
      [notFound, conflict, exists, gone].map((e) => [
        isNotFound(e),
        isConflict(e),
        isAlreadyExists(e),
        isGone(e),
      ]),
      [
        [true, false, false, false],
        [false, true, false, false],
        [false, false, true, false],
        [false, false, false, true],
      ],
    );
    assert.equal(isNotFound(new Error('x')), false);
  });

  it('recognises a server-side apply field-manager conflict', () => {
    const ssa = apiError(409, 'Conflict', 'Apply failed with 1 conflict', {
      causes: [
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' },
      ],
    });
    assert.equal(isFieldManagerConflict(ssa), true);
    assert.equal(isConflict(ssa), true);
    assert.equal(isFieldManagerConflict(apiError(409, 'Conflict')), false);
  });
});

describe('resourcePath', () => {
  const cases: [Parameters<typeof resourcePath>[0], string][] = [
    [{ apiVersion: 'v1', resource: 'pods' }, '/api/v1/pods'],
    [{ apiVersion: 'v1', resource: 'pods', namespace: 'a' }, '/api/v1/namespaces/a/pods'],
    [{ apiVersion: 'v1', resource: 'pods', namespace: 'a', name: 'p' }, '/api/v1/namespaces/a/pods/p'],
    [{ apiVersion: 'v1', resource: 'namespaces', name: 'a' }, '/api/v1/namespaces/a'],
    [
      { apiVersion: 'apps/v1', resource: 'deployments', namespace: 'a', name: 'd' },
      '/apis/apps/v1/namespaces/a/deployments/d',
    ],
    [
      {
        apiVersion: 'injection.mesh-injector.dev/v1alpha1',
        resource: 'meshinjections',
        namespace: 'a',
        name: 'default',
        subresource: 'status',
      },
      '/apis/injection.mesh-injector.dev/v1alpha1/namespaces/a/meshinjections/default/status',
    ],
    [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        resource: 'mutatingwebhookconfigurations',
        name: 'istio',
      },
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio',
    ],
  ];
  for (const [ref, want] of cases) {
    it(want, () => {
      assert.equal(resourcePath(ref), want);
    });
  }

  it('encodes names', () => {
    assert.equal(
      resourcePath({ apiVersion: 'v1', resource: 'configmaps', namespace: 'a', name: 'x y' }),
      '/api/v1/namespaces/a/configmaps/x%20y',
    );
  });

  it('rejects a kind where a resource belongs, a bad apiVersion, and a subresource without a name', () => {
    assert.throws(() => resourcePath({ apiVersion: 'v1', resource: 'Pod' }), /invalid resource "Pod"/);
    assert.throws(() => resourcePath({ apiVersion: 'apps', resource: 'deployments' }), /invalid apiVersion/);
    assert.throws(
      () => resourcePath({ apiVersion: 'v1', resource: 'pods', subresource: 'status' }),
      /needs a name/,
    );
  });

  it('resourceForKind knows the project kinds and refuses to guess others', () => {
    assert.equal(resourceForKind('Deployment'), 'deployments');
    assert.equal(resourceForKind('MeshInjection'), 'meshinjections');
    assert.throws(() => resourceForKind('NetworkPolicy'), /pass the plural/);
  });
});

describe('loadKubeConfig', () => {
  const noHome = { HOME: '/nonexistent-home' };

  it('loads an explicit file and applies a context', () => {
    const file = writeKubeconfig('https://one.example:6443');
    const kc = loadKubeConfig({ kubeconfig: file, env: noHome });
    assert.equal(kc.getCurrentCluster()?.server, 'https://one.example:6443');
    assert.throws(
      () => loadKubeConfig({ kubeconfig: file, context: 'other', env: noHome }),
      /no context "other" \(known: local\)/,
    );
  });

  it('merges KUBECONFIG files with the first file winning', () => {
    const first = writeKubeconfig('https://first.example');
    const second = writeKubeconfig('https://second.example');
    const kc = loadKubeConfig({
      env: { ...noHome, KUBECONFIG: `/missing${delimiter}${first}${delimiter}${second}` },
    });
    assert.equal(kc.getCurrentCluster()?.server, 'https://first.example');
    assert.equal(kc.clusters.length, 1);
  });

  it('says which KUBECONFIG files were missing', () => {
    assert.throws(
      () => loadKubeConfig({ env: { ...noHome, KUBECONFIG: '/no/such/file' } }),
      /KUBECONFIG names no existing file: \/no\/such\/file/,
    );
  });

  it('reports an unreadable file with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-bad-'));
    const file = join(dir, 'config');
    writeFileSync(file, 'clusters: [');
    assert.throws(
      () => loadKubeConfig({ kubeconfig: file, env: noHome }),
      new RegExp(`cannot load kubeconfig ${file}`),
    );
  });

  it('uses ~/.kube/config when nothing else is given', () => {
    const home = mkdtempSync(join(tmpdir(), 'kube-home-'));
    mkdirSync(join(home, '.kube'));
    const source = writeKubeconfig('https://home.example');
    writeFileSync(join(home, '.kube', 'config'), readFileSync(source, 'utf8'));
    const kc = loadKubeConfig({ env: { HOME: home } });
    assert.equal(kc.getCurrentCluster()?.server, 'https://home.example');
  });

  it('falls back to the in-cluster service account', () => {
    const root = mkdtempSync(join(tmpdir(), 'kube-sa-'));
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), 'tok');
    writeFileSync(join(dir, 'namespace'), 'mesh-injector-system');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const kc = loadKubeConfig({
        env: { ...noHome, KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        inClusterRoot: root,
      });
      assert.equal(kc.getCurrentCluster()?.server, 'https://10.0.0.1:443');
      assert.equal(new KubeClient(kc).namespace, 'mesh-injector-system');
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });

  it('fails with a clear message when there are no credentials at all', () => {
    assert.throws(
      () => loadKubeConfig({ env: noHome, inClusterRoot: '/nonexistent' }),
      /no Kubernetes credentials found/,
    );
  });
});

describe('KubeClient', () => {
  let server: RecordingServer;
  let client: KubeClient;

  before(async () => {
    server = await recordingServer((_req, res) => {
      json(res, 200, { kind: 'Pod', metadata: { name: 'p' } });
    });
    client = KubeClient.load({ kubeconfig: writeKubeconfig(server.url), env: { HOME: '/nonexistent' } });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('sends JSON with our user agent, the token, and the query', async () => {
    server.requests.length = 0;
    const out = await client.request({
      method: 'POST',
      path: '/api/v1/namespaces/a/pods',
      query: { fieldManager: 'me', dryRun: undefined },
      body: { kind: 'Pod' },
    });
    assert.deepEqual(out, { kind: 'Pod', metadata: { name: 'p' } });
    const [req] = server.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req.url.pathname, '/api/v1/namespaces/a/pods');
    assert.equal(req.url.search, '?fieldManager=me');
    assert.equal(req.headers['user-agent'], `mesh-injector/${version}`);
    assert.equal(req.headers.authorization, 'Bearer secret-token');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.body, '{"kind":"Pod"}');
    assert.equal(defaultUserAgent(), `mesh-injector/${version}`);
  });

  it('knows the context namespace', () => {
    assert.equal(client.namespace, 'team-a');
  });

  it('throws an ApiException whose Status apiStatus can read', async () => {
    server.respond = (_req, res) => {
      json(res, 404, status(404, 'NotFound', 'pods "x" not found'));
    };
    try {
      await assert.rejects(client.request({ path: '/api/v1/namespaces/a/pods/x' }), (err: unknown) => {
        assert.ok(err instanceof ApiException);
        assert.equal(isNotFound(err), true);
        assert.equal(apiStatus(err)?.message, 'pods "x" not found');
        return true;
      });
    } finally {
      server.respond = (_req, res) => {
        json(res, 200, {});
      };
    }
  });

  it('stream() returns the open response on 200 and throws the Status otherwise', async () => {
    server.respond = (req, res) => {
      if (req.url.searchParams.get('resourceVersion') === 'old') {
        json(res, 410, status(410, 'Expired', 'too old resource version'));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"type":"BOOKMARK","object":{}}\n');
    };
    const res = await client.stream({ path: '/api/v1/pods', query: { watch: 'true' } });
    res.setEncoding('utf8');
    let text = '';
    for await (const chunk of res) text += chunk as string;
    assert.equal(text, '{"type":"BOOKMARK","object":{}}\n');
    await assert.rejects(client.stream({ path: '/api/v1/pods', query: { resourceVersion: 'old' } }), (err) =>
      isGone(err),
    );
  });

  it('typed clients send our user agent, and patchContentType sets the patch type', async () => {
    server.requests.length = 0;
    server.respond = (_req, res) => {
      json(res, 200, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' } });
    };
    const core = client.api(CoreV1Api);
    assert.equal(client.api(CoreV1Api), core, 'one instance per class');
    const pod = await core.patchNamespacedPod(
      { name: 'p', namespace: 'a', body: { metadata: { labels: { x: 'y' } } } },
      patchContentType('merge'),
    );
    assert.equal(pod.metadata?.name, 'p');
    const [req] = server.requests;
    assert.equal(req?.headers['user-agent'], `mesh-injector/${version}`);
    assert.equal(req.headers['content-type'], 'application/merge-patch+json');
    assert.equal(req.headers.authorization, 'Bearer secret-token');
  });

  it('waits for the token bucket before sending', async () => {
    const clock = new ManualClock(0);
    const limited = KubeClient.load(
      { kubeconfig: writeKubeconfig(server.url), env: { HOME: '/nonexistent' } },
      { qps: 1, burst: 1, clock },
    );
    server.respond = (_req, res) => {
      json(res, 200, {});
    };
    server.requests.length = 0;
    await limited.request({ path: '/api/v1/a' });
    let second = false;
    const pending = limited.request({ path: '/api/v1/b' }).then(() => (second = true));
    await settle(5);
    assert.equal(second, false);
    assert.equal(server.requests.length, 1, 'the second request waits for a token');
    await clock.advance(1000);
    await pending;
    assert.equal(server.requests.length, 2);
    limited.close();
  });
});
