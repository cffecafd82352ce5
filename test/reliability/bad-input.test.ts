// Bad input of every kind the operator meets, each answered with a precise error and nothing changed: invalid
// MeshInjection specs (refused by the CRD's schema, naming the field), an invalid injector ConfigMap (the last
// good config keeps injecting, a Warning Event says why), invalid capture annotations (admission refused with
// Istio's message), oversized and malformed AdmissionReviews sent straight to the webhook, and the awkward but
// valid: a pod with 100 containers, names at their length limits, non-ASCII values, and keys named after
// Object.prototype members. The same operator process serves all of it and must still be up at the end.
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import { apiStatus, isNotFound, KubeClient } from '../../src/kube/client.ts';
import { mergePatch } from '../../src/kube/patch.ts';
import {
  annotationsOf,
  containerNames,
  create,
  createMeshInjection,
  createNamespace,
  errorText,
  eventually,
  field,
  installCrd,
  isInjected,
  labelsOf,
  miRef,
  objects,
  OperatorProcess,
  operatorNamespace,
  text,
} from './support.ts';

const apps = 'apps';
const configMarker = 'reliability.mesh-injector.dev/config';
const root = join(import.meta.dirname, '..', '..');

function pod(
  namespace: string,
  name: string,
  extra: { metadata?: JsonObject; spec?: JsonObject } = {},
): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...extra.metadata },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: 'example.com/app:1' }],
      ...extra.spec,
    },
  };
}

/** The API server's message for a refused request (the Status it answered with). */
async function refusal(attempt: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await attempt;
  } catch (err) {
    const status = apiStatus(err);
    if (status === undefined) throw err;
    return { code: status.code, message: status.message };
  }
  assert.fail('the request was accepted');
}

async function exists(client: KubeClient, path: string): Promise<boolean> {
  try {
    await client.request({ path });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/**
 * POSTs to the webhook over TLS, trusting `ca`. The body is written in chunks and the writing stops as soon as the
 * server has answered (a server refusing a huge body answers before reading it, then closes the connection).
 */
function postToWebhook(
  url: string,
  ca: string,
  body: { readonly chunk: Buffer; readonly times: number; readonly declareLength: boolean },
  contentType = 'application/json',
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const length = body.chunk.length * body.times;
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        ca,
        headers: {
          'content-type': contentType,
          ...(body.declareLength ? { 'content-length': String(length) } : { 'transfer-encoding': 'chunked' }),
        },
        agent: false,
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err) => {
      // Writing into a connection the server closed after answering is expected; the answer is what counts.
      if (!answered) reject(err);
    });
    let sent = 0;
    const writeMore = (): void => {
      while (sent < body.times && !answered) {
        sent++;
        if (!req.write(body.chunk)) {
          req.once('drain', writeMore);
          return;
        }
      }
      if (!answered) req.end();
    };
    writeMore();
  });
}

function reviewOf(object: JsonValue, uid = 'review-1', namespace = apps): JsonObject {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace,
      operation: 'CREATE',
      object,
    },
  };
}

/** Applies the JSON patch of an admission response to `original`, with only add/replace/remove (all the webhook
 * sends), and without ever treating a key as anything but an own property. */
function applyPatch(original: JsonObject, patch: JsonValue): JsonObject {
  const doc = JSON.parse(JSON.stringify(original)) as JsonObject;
  for (const op of objects(patch)) {
    const path = text(op.path)
      .split('/')
      .slice(1)
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = path.pop();
    let at: JsonValue | undefined = doc;
    for (const key of path) {
      at = Array.isArray(at)
        ? at[Number(key)]
        : isJsonObject(at) && Object.hasOwn(at, key)
          ? at[key]
          : undefined;
    }
    if (last === undefined || (!Array.isArray(at) && !isJsonObject(at))) {
      throw new Error(`patch path ${text(op.path)} does not exist`);
    }
    const value = op.value ?? null;
    if (Array.isArray(at)) {
      const index = last === '-' ? at.length : Number(last);
      if (op.op === 'add') at.splice(index, 0, value);
      else if (op.op === 'replace') at[index] = value;
      else if (op.op === 'remove') at.splice(index, 1);
    } else if (op.op === 'remove') {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a JSON patch removes by key
      delete at[last];
    } else {
      Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return doc;
}

describe(
  'bad input: precise errors, nothing changed, the operator still serving',
  { timeout: 8 * 60_000 },
  () => {
    let cp: ControlPlane;
    let client: KubeClient;
    let operator: OperatorProcess;
    let webhookUrl: string;
    let webhookCa: string;

    before(async () => {
      cp = await startControlPlane({ nodes: 1 });
      client = new KubeClient(cp.kubeConfig, { qps: 200, burst: 400 });
      await installCrd(client);
      await createNamespace(client, operatorNamespace);
      operator = await OperatorProcess.launch(cp, { name: 'operator', leaderElect: false });
      webhookUrl = operator.servingUrl;
      const secret = await client.request({
        path: `/api/v1/namespaces/${operatorNamespace}/secrets/mesh-injector-webhook-tls`,
      });
      webhookCa = Buffer.from(text(field(secret, 'data', 'ca.crt')), 'base64').toString();
      await createNamespace(client, apps, { 'istio-injection': 'enabled' });
    });

    after(async () => {
      await operator.stop();
      client.close();
      await cp.stop();
    });

    describe('invalid MeshInjection specs are refused by the API server, naming the field', () => {
      const namespace = 'tuning';
      const good = { restartPolicy: 'Manual', maxConcurrentRestarts: 2, restartInterval: '30s' };
      let generation = 0;

      before(async () => {
        await createNamespace(client, namespace);
        const mi = await createMeshInjection(client, namespace, good);
        generation = Number(field(mi, 'metadata', 'generation'));
      });

      const cases: readonly { what: string; spec: JsonObject; message: RegExp }[] = [
        {
          what: 'an unknown restartPolicy',
          spec: { restartPolicy: 'Sometimes' },
          message:
            /spec\.restartPolicy: Unsupported value: "Sometimes": supported values: "Rolling", "Manual", "Never"/,
        },
        {
          what: 'maxConcurrentRestarts 0',
          spec: { maxConcurrentRestarts: 0 },
          message: /spec\.maxConcurrentRestarts: Invalid value: 0: .*greater than or equal to 1/,
        },
        {
          what: 'a restartInterval that is not a duration',
          spec: { restartInterval: 'soon' },
          message: /spec\.restartInterval: Invalid value: "soon": .*should match/,
        },
        {
          what: 'an excludeWorkloads entry of an unknown kind',
          spec: { excludeWorkloads: [{ kind: 'Secret', name: 'db' }] },
          message: /spec\.excludeWorkloads\[0\]\.kind: Unsupported value: "Secret"/,
        },
      ];
      for (const c of cases) {
        it(`${c.what}: 422 naming the field, the stored spec unchanged`, async () => {
          const refused = await refusal(mergePatch(client, { ...miRef(namespace) }, { spec: c.spec }));
          assert.equal(refused.code, 422);
          assert.match(refused.message, c.message);
          const mi = await client.request({
            path: `/apis/injection.mesh-injector.dev/v1alpha1/namespaces/${namespace}/meshinjections/default`,
          });
          assert.deepEqual(field(mi, 'spec'), { ...good, allowBarePodDeletion: false });
          assert.equal(field(mi, 'metadata', 'generation'), generation);
        });
      }

      it('a new MeshInjection with an invalid spec is not created', async () => {
        await createNamespace(client, 'tuning-new');
        const refused = await refusal(
          client.request({
            method: 'POST',
            path: '/apis/injection.mesh-injector.dev/v1alpha1/namespaces/tuning-new/meshinjections',
            body: {
              apiVersion: 'injection.mesh-injector.dev/v1alpha1',
              kind: 'MeshInjection',
              metadata: { name: 'default', namespace: 'tuning-new' },
              spec: { maxConcurrentRestarts: -3, restartPolicy: 'Always' },
            },
          }),
        );
        assert.equal(refused.code, 422);
        assert.match(refused.message, /spec\.maxConcurrentRestarts: Invalid value: -3/);
        assert.match(refused.message, /spec\.restartPolicy: Unsupported value: "Always"/);
        assert.equal(
          await exists(
            client,
            '/apis/injection.mesh-injector.dev/v1alpha1/namespaces/tuning-new/meshinjections/default',
          ),
          false,
        );
      });
    });

    it('an invalid injector ConfigMap: the last good config keeps serving, an Event says why, a fix applies live', async (t) => {
      const base = readFileSync(join(root, 'config', 'injector', 'config.yaml'), 'utf8');
      assert.match(base, /^injectedAnnotations: \{\}$/m);
      const configWith = (marker: string): string =>
        base.replace(/^injectedAnnotations: \{\}$/m, `injectedAnnotations:\n  ${configMarker}: ${marker}`);
      const cmPath = `/api/v1/namespaces/${operatorNamespace}/configmaps/istio-sidecar-injector`;
      const setConfig = (config: string): Promise<unknown> =>
        mergePatch(
          client,
          {
            apiVersion: 'v1',
            resource: 'configmaps',
            namespace: operatorNamespace,
            name: 'istio-sidecar-injector',
          },
          { data: { config } },
        );
      let probes = 0;
      /** The marker a pod created now gets (the pod is deleted again). */
      const markerNow = async (): Promise<string> => {
        const name = `probe-${++probes}`;
        const created = await create(client, pod(apps, name));
        await client.request({
          method: 'DELETE',
          path: `/api/v1/namespaces/${apps}/pods/${name}`,
          query: { gracePeriodSeconds: 0 },
        });
        assert.ok(isInjected(created), `${name} was injected`);
        return text(annotationsOf(created)[configMarker]);
      };
      const warnings = async (): Promise<JsonObject[]> => {
        const events = await client.request({
          path: `/api/v1/namespaces/${operatorNamespace}/events`,
          query: {
            fieldSelector: 'involvedObject.kind=ConfigMap,involvedObject.name=istio-sidecar-injector',
          },
        });
        return objects(events.items).filter(
          (e) => e.reason === 'InvalidInjectorConfig' && e.type === 'Warning',
        );
      };

      await create(client, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'istio-sidecar-injector', namespace: operatorNamespace },
        data: { config: configWith('good-1') },
      });
      await eventually('pods to get the first good config', async () => (await markerNow()) === 'good-1', {
        timeoutMs: 30_000,
        intervalMs: 500,
      });

      const broken: readonly { what: string; config: string; message: RegExp }[] = [
        {
          what: 'YAML that does not parse',
          config: 'policy: [unclosed\n',
          message: /istio-sidecar-injector data\.config: .*line 2/,
        },
        {
          what: 'a template that does not parse',
          config: base.replace(/^( {4}\{\{- \/\* Settings .*)$/m, '    {{ if }}\n$1'),
          message: /templates\.sidecar: template: sidecar:1: missing value for if/,
        },
        {
          what: 'an unknown field',
          config: `${configWith('good-1')}\npolcy: disabled\n`,
          message: /polcy: unknown field/,
        },
      ];
      for (const b of broken) {
        await setConfig(b.config);
        const event = await eventually(
          `a Warning Event for ${b.what}`,
          async () => (await warnings()).find((e) => b.message.test(text(e.message))),
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        assert.match(text(event.message), /the last good config keeps serving/);
        t.diagnostic(`${b.what}: Event "${text(event.message).slice(0, 200)}"`);
        assert.equal(await markerNow(), 'good-1', `after ${b.what}, new pods still get the last good config`);
      }

      await setConfig(configWith('good-2'));
      await eventually(
        'pods to get the fixed config, without a restart',
        async () => (await markerNow()) === 'good-2',
        {
          timeoutMs: 30_000,
          intervalMs: 500,
        },
      );
      assert.equal(operator.runs, 1);
      assert.equal(await exists(client, cmPath), true);
      // Later cases inject with the project's defaults again.
      await client.request({ method: 'DELETE', path: cmPath });
      await eventually('the default config to serve again', async () => (await markerNow()) === '', {
        timeoutMs: 30_000,
        intervalMs: 500,
      });
    });

    it("invalid capture annotations: admission refused with Istio's message, no pod created", async () => {
      const annotations = {
        'traffic.sidecar.istio.io/includeInboundPorts': '80,abc',
        'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.0.0.0/33',
        'sidecar.istio.io/interceptionMode': 'BOGUS',
      };
      const refused = await refusal(create(client, pod(apps, 'bad-capture', { metadata: { annotations } })));
      assert.match(refused.message, /^admission webhook "[^"]+" denied the request: /);
      assert.match(
        refused.message,
        /invalid value '80,abc' for annotation 'traffic\.sidecar\.istio\.io\/includeInboundPorts': includeInboundPorts invalid: failed parsing port 'abc'/,
      );
      assert.match(
        refused.message,
        /invalid value '10\.0\.0\.0\/33' for annotation 'traffic\.sidecar\.istio\.io\/excludeOutboundIPRanges': /,
      );
      assert.match(
        refused.message,
        /invalid value 'BOGUS' for annotation 'sidecar\.istio\.io\/interceptionMode': interceptionMode invalid, use REDIRECT,TPROXY,NONE/,
      );
      assert.equal(await exists(client, `/api/v1/namespaces/${apps}/pods/bad-capture`), false);
    });

    describe('oversized and malformed AdmissionReviews sent straight to the webhook', () => {
      const json = (value: JsonValue): { chunk: Buffer; times: number; declareLength: boolean } => ({
        chunk: Buffer.from(JSON.stringify(value)),
        times: 1,
        declareLength: true,
      });
      const response = (reply: HttpReply): JsonObject => {
        const parsed = JSON.parse(reply.body) as JsonValue;
        const r = field(parsed, 'response');
        assert.ok(isJsonObject(r), `an AdmissionReview response: ${reply.body.slice(0, 300)}`);
        return r;
      };

      it('a body over 6 MiB is a 400, announced by Content-Length or not', async () => {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        for (const declareLength of [true, false]) {
          const reply = await postToWebhook(webhookUrl, webhookCa, { chunk, times: 7 * 16, declareLength });
          assert.equal(reply.status, 400, `declared length ${declareLength}`);
          assert.match(reply.body, /request body too large: limit is 6291456 bytes/);
        }
      });

      it('malformed reviews: 400 for no body, 415 for another type, allowed:false with the reason otherwise', async () => {
        const empty = await postToWebhook(webhookUrl, webhookCa, {
          chunk: Buffer.alloc(0),
          times: 1,
          declareLength: true,
        });
        assert.equal(empty.status, 400);
        assert.match(empty.body, /no body found/);
        const yaml = await postToWebhook(webhookUrl, webhookCa, json(reviewOf({})), 'application/yaml');
        assert.equal(yaml.status, 415);

        const malformed: readonly { what: string; body: Buffer; reason: RegExp }[] = [
          {
            what: 'not JSON',
            body: Buffer.from('{"apiVersion": "admission.k8s.io/v1", "kind": '),
            reason: /JSON/i,
          },
          { what: 'a JSON array', body: Buffer.from('[]'), reason: /must be a JSON object/ },
          {
            what: 'no request',
            body: Buffer.from('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}'),
            reason: /request is missing/,
          },
          {
            what: 'the wrong kind',
            body: Buffer.from(JSON.stringify({ ...reviewOf({}), kind: 'Pod' })),
            reason: /kind: want "AdmissionReview"/,
          },
          {
            what: 'a request without uid',
            body: Buffer.from(
              JSON.stringify({
                apiVersion: 'admission.k8s.io/v1',
                kind: 'AdmissionReview',
                request: { operation: 'CREATE' },
              }),
            ),
            reason: /request\.uid/,
          },
          {
            what: 'an object that is not an object',
            body: Buffer.from(JSON.stringify(reviewOf('a pod'))),
            reason: /object/,
          },
        ];
        for (const m of malformed) {
          const reply = await postToWebhook(webhookUrl, webhookCa, {
            chunk: m.body,
            times: 1,
            declareLength: true,
          });
          assert.equal(reply.status, 200, m.what);
          const r = response(reply);
          assert.equal(r.allowed, false, m.what);
          assert.match(text(field(r, 'status', 'message')), m.reason, m.what);
        }
      });

      it('the webhook keeps answering good reviews afterwards', async () => {
        const reply = await postToWebhook(
          webhookUrl,
          webhookCa,
          json(reviewOf(pod(apps, 'after-garbage'), 'good-after-garbage')),
        );
        assert.equal(reply.status, 200);
        const r = response(reply);
        assert.equal(r.uid, 'good-after-garbage');
        assert.equal(r.allowed, true);
        assert.equal(r.patchType, 'JSONPatch');
        assert.equal(await operator.healthz(), 200);
        assert.equal(operator.runs, 1);
      });
    });

    it('a pod with 100 containers is injected with every container kept', async () => {
      const containers = Array.from({ length: 100 }, (_, i) => ({
        name: `c-${String(i).padStart(3, '0')}`,
        image: 'example.com/app:1',
        ports: [{ containerPort: 8000 + i }],
      }));
      const created = await create(client, pod(apps, 'hundred', { spec: { containers } }));
      assert.ok(isInjected(created));
      const names = containerNames(created);
      for (const c of containers) assert.ok(names.includes(c.name), `${c.name} kept`);
      assert.equal(names.filter((n) => n === 'istio-proxy').length, 1);
      assert.equal(
        objects(field(created, 'spec', 'containers')).filter((c) => /^c-\d{3}$/.test(text(c.name))).length,
        100,
      );
    });

    it('names at their length limits and non-ASCII annotation values are injected and kept verbatim', async () => {
      const namespace = `n${'x'.repeat(61)}9`;
      assert.equal(namespace.length, 63);
      await createNamespace(client, namespace, { 'istio-injection': 'enabled' });
      const name = `p${'o'.repeat(251)}d`;
      assert.equal(name.length, 253);
      const prefix = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(9)}`;
      assert.equal(prefix.length, 253);
      const labelKey = `${prefix}/${'k'.repeat(63)}`;
      const labels = { [labelKey]: 'v'.repeat(63), app: 'a'.repeat(63) };
      const annotations = {
        [`${prefix}/note`]: 'Grüße aus Köln — 日本語のテキスト — עברית — 🚀✓',
        description: '\u00e9\u0301 combining, \u200b zero-width, \u202e right-to-left override',
      };
      const created = await create(client, pod(namespace, name, { metadata: { labels, annotations } }));
      assert.ok(isInjected(created));
      assert.equal(field(created, 'metadata', 'name'), name);
      for (const [k, v] of Object.entries(labels))
        assert.equal(labelsOf(created)[k], v, `label ${k.slice(-20)}`);
      for (const [k, v] of Object.entries(annotations)) {
        assert.equal(annotationsOf(created)[k], v, `annotation ${k.slice(-20)}`);
      }
      assert.equal(labelsOf(created)['service.istio.io/canonical-name'], 'a'.repeat(63));
    });

    it('keys named __proto__, constructor and the like: injected and kept as plain keys, nothing polluted', async () => {
      const labels = { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v', app: 'proto' };
      const annotations = { constructor: 'ca', isPrototypeOf: 'ip', 'example.com/x__proto__x': 'p' };
      const env = [
        { name: '__proto__', value: 'env-proto' },
        { name: 'constructor', value: 'env-constructor' },
      ];
      const created = await create(
        client,
        pod(apps, 'proto-keys', {
          metadata: { labels, annotations },
          spec: {
            nodeSelector: { constructor: 'n' },
            containers: [{ name: 'app', image: 'example.com/app:1', env }],
          },
        }),
      ).catch((err: unknown) => {
        throw new Error(`pod with prototype-named keys refused: ${errorText(err)}`);
      });
      assert.ok(isInjected(created));
      for (const [k, v] of Object.entries(labels)) assert.equal(labelsOf(created)[k], v, `label ${k}`);
      for (const [k, v] of Object.entries(annotations))
        assert.equal(annotationsOf(created)[k], v, `annotation ${k}`);
      const app = objects(field(created, 'spec', 'containers')).find((c) => c.name === 'app');
      assert.deepEqual(field(app, 'env'), env);

      // `__proto__` is not a valid label key: the API server's validation refuses it, after the webhook has
      // handled the pod without failing.
      const refused = await refusal(
        create(client, pod(apps, 'proto-label', { metadata: { labels: { ['__proto__']: 'x' } } })),
      );
      assert.equal(refused.code, 422);
      assert.match(refused.message, /metadata\.labels: Invalid value: "__proto__"/);
      assert.doesNotMatch(refused.message, /admission webhook/);
    });

    it('__proto__ keys in review JSON: read as plain data, never through the prototype', async () => {
      const send = async (body: string): Promise<JsonObject> => {
        const reply = await postToWebhook(webhookUrl, webhookCa, {
          chunk: Buffer.from(body),
          times: 1,
          declareLength: true,
        });
        assert.equal(reply.status, 200);
        const r = field(JSON.parse(reply.body) as JsonValue, 'response');
        assert.ok(isJsonObject(r));
        return r;
      };
      // A review whose request hides only in __proto__ is a review without a request.
      const hidden = await send(
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","__proto__":{"request":{"uid":"u","operation":"CREATE"}}}',
      );
      assert.equal(hidden.allowed, false);
      assert.match(text(field(hidden, 'status', 'message')), /request is missing/);
      const noUid = await send(
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"__proto__":{"uid":"u"},"operation":"CREATE"}}',
      );
      assert.equal(noUid.allowed, false);
      assert.match(text(field(noUid, 'status', 'message')), /request\.uid/);

      // A pod whose labels and annotations carry a __proto__ key (JSON allows it; only the API server's validation
      // would refuse it later): injected, the key kept as a plain entry, and no later pod sees anything of it.
      const podJson =
        '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"proto-json","namespace":"apps",' +
        '"labels":{"__proto__":"x","app":"proto-json"},"annotations":{"__proto__":"{\\"polluted\\":\\"yes\\"}","constructor":"c"}},' +
        '"spec":{"containers":[{"name":"app","image":"example.com/app:1"}]}}';
      const review =
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"proto-json",' +
        '"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},' +
        `"namespace":"apps","operation":"CREATE","object":${podJson}}}`;
      const injected = await send(review);
      assert.equal(injected.allowed, true, text(field(injected, 'status', 'message')));
      const patch = JSON.parse(Buffer.from(text(injected.patch), 'base64').toString()) as JsonValue;
      const patched = applyPatch(JSON.parse(podJson) as JsonObject, patch);
      assert.ok(isInjected(patched), 'the patch injects the pod');
      const patchedLabels = labelsOf(patched);
      assert.ok(Object.hasOwn(patchedLabels, '__proto__'), 'the __proto__ label is still a plain entry');
      assert.equal(Object.getOwnPropertyDescriptor(patchedLabels, '__proto__')?.value, 'x');
      assert.equal(annotationsOf(patched).constructor, 'c');

      // Decisions hidden behind __proto__ keys are not decisions: JSON.parse makes them plain entries, and the
      // injector must never let them reach a lookup through a prototype chain (an opt-out, hostNetwork).
      const containers = '[{"name":"app","image":"example.com/app:1"}]';
      const disguised: readonly { what: string; metadata: string; spec: string }[] = [
        {
          what: 'an opt-out hidden in annotations.__proto__',
          metadata:
            '{"name":"h1","namespace":"apps","annotations":{"__proto__":{"sidecar.istio.io/inject":"false"}}}',
          spec: `{"containers":${containers}}`,
        },
        {
          what: 'an opt-out hidden in metadata.__proto__',
          metadata:
            '{"name":"h2","namespace":"apps","__proto__":{"labels":{"sidecar.istio.io/inject":"false"}}}',
          spec: `{"containers":${containers}}`,
        },
        {
          what: 'hostNetwork hidden in spec.__proto__',
          metadata: '{"name":"h3","namespace":"apps"}',
          spec: `{"containers":${containers},"__proto__":{"hostNetwork":true}}`,
        },
        {
          what: 'an object in labels.__proto__',
          metadata: '{"name":"h4","namespace":"apps","labels":{"__proto__":{"polluted":"yes"}}}',
          spec: `{"containers":${containers}}`,
        },
      ];
      for (const h of disguised) {
        const object = `{"apiVersion":"v1","kind":"Pod","metadata":${h.metadata},"spec":${h.spec}}`;
        const r = await send(
          '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"hidden",' +
            '"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},' +
            `"namespace":"apps","operation":"CREATE","object":${object}}}`,
        );
        assert.equal(r.allowed, true, `${h.what}: ${text(field(r, 'status', 'message'))}`);
        const patchText = Buffer.from(text(r.patch), 'base64').toString();
        assert.ok(
          isInjected(applyPatch(JSON.parse(object) as JsonObject, JSON.parse(patchText) as JsonValue)),
          `${h.what}: injected as if the key were not there`,
        );
        assert.doesNotMatch(patchText, /polluted/, h.what);
      }

      const plain = await send(JSON.stringify(reviewOf(pod(apps, 'plain-after'), 'plain-after')));
      assert.equal(plain.allowed, true);
      const plainPatch = Buffer.from(text(plain.patch), 'base64').toString();
      assert.doesNotMatch(
        plainPatch,
        /polluted|__proto__/,
        'nothing of the previous review leaks into the next',
      );
      const plainPod = applyPatch(pod(apps, 'plain-after'), JSON.parse(plainPatch) as JsonValue);
      assert.deepEqual(
        Object.keys(labelsOf(plainPod)).filter((k) => !k.includes('istio') && k !== 'app'),
        [],
      );
      assert.equal(await operator.healthz(), 200);
      assert.equal(operator.runs, 1, 'the operator never exited');
    });
  },
);
