// The SidecarTemplateData struct as a whole, rendered with snippets of the kind Istio's sidecar template uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, TemplateError, type FuncMap } from '../../../../src/template/index.ts';
import { defaultMeshConfig, effectiveProxyConfig } from '../../../../src/inject/mesh.ts';
import type { JsonObject } from '../../../../src/inject/types.ts';
import { defaultValues } from '../../../../src/inject/values.ts';
import { templateData, type TemplateDataInput } from '../../../../src/inject/view/data.ts';
import { protoToJSONText } from '../../../../src/inject/view/proto.ts';

const pod: JsonObject = {
  metadata: {
    generateName: 'productpage-v1-6b746f74dc-',
    namespace: 'bookinfo',
    labels: { app: 'productpage', version: 'v1' },
    annotations: { 'prometheus.io/scrape': 'true' },
  },
  spec: {
    serviceAccountName: 'bookinfo-productpage',
    containers: [
      {
        name: 'productpage',
        image: 'docker.io/istio/examples-bookinfo-productpage-v1:1.20.2',
        ports: [
          { containerPort: 9080, protocol: 'TCP', name: 'http' },
          { containerPort: 9090, protocol: 'UDP' },
        ],
      },
      { name: 'logger', image: 'busybox', ports: [{ containerPort: 5000 }] },
    ],
  },
};

function input(overrides: Partial<TemplateDataInput> = {}): TemplateDataInput {
  const mesh = defaultMeshConfig();
  const values = defaultValues();
  (values.global as JsonObject).proxy = {
    ...((values.global as JsonObject).proxy as JsonObject),
    memoryLimitBytes: 1000000,
  };
  return {
    pod,
    typeMeta: { kind: 'Deployment', apiVersion: 'apps/v1' },
    deploymentMeta: { name: 'productpage-v1', namespace: 'bookinfo' },
    values,
    mesh,
    proxyConfig: effectiveProxyConfig(mesh, undefined),
    revision: 'canary',
    proxyImage: 'docker.io/istio/proxyv2:1.28.1',
    proxyInitImage: 'docker.io/istio/proxyv2:1.28.1-distroless',
    nativeSidecars: true,
    inboundTrafficPolicyMode: 'passthrough',
    ...overrides,
  };
}

// The two helpers other parts of the injector implement, reduced to what this file needs.
const funcs: FuncMap = {
  structToJSON: (v: unknown) => (v === null || v === undefined ? '{}' : JSON.stringify(v)),
  protoToJSON: (v: unknown) => protoToJSONText(v) ?? '{}',
};

function render(text: string, data: unknown): string {
  return parse('sidecar', text, { funcs }).execute(data);
}

describe('templateData', () => {
  const data = templateData(input());

  it('presents the workload as .TypeMeta and .DeploymentMeta', () => {
    assert.equal(
      render(
        '{{ .TypeMeta.Kind }} {{ .TypeMeta.APIVersion }} {{ .DeploymentMeta.Name }} {{ .DeploymentMeta.Namespace }}',
        data,
      ),
      'Deployment apps/v1 productpage-v1 bookinfo',
    );
    assert.equal(
      render('{{ .DeploymentMeta }} {{ .TypeMeta }}', data),
      'bookinfo/productpage-v1 {Deployment apps/v1}',
    );
  });

  it('presents the pod as .ObjectMeta and .Spec under Go names', () => {
    assert.equal(
      render(
        '{{ .ObjectMeta.GenerateName }} {{ .ObjectMeta.Labels.app }} {{ .Spec.ServiceAccountName }} {{ len .Spec.Containers }}',
        data,
      ),
      'productpage-v1-6b746f74dc- productpage bookinfo-productpage 2',
    );
  });

  it('gives the computed fields and their defaults', () => {
    assert.equal(
      render(
        '{{ .Revision }} {{ .ProxyImage }} {{ .ProxyInitImage }} {{ .ProxyUID }} {{ .ProxyGID }} {{ .NativeSidecars }} {{ .InboundTrafficPolicyMode }} [{{ .CompliancePolicy }}]',
        data,
      ),
      'canary docker.io/istio/proxyv2:1.28.1 docker.io/istio/proxyv2:1.28.1-distroless 1337 1337 true passthrough []',
    );
    const custom = templateData(
      input({ proxyUID: 1000620000n, proxyGID: 1000620001n, compliancePolicy: 'fips-140-3' }),
    );
    assert.equal(
      render('{{ .ProxyUID }} {{ .ProxyGID }} {{ .CompliancePolicy }}', custom),
      '1000620000 1000620001 fips-140-3',
    );
  });

  it('keeps .Values as plain maps by JSON key, with numbers as float64', () => {
    const text =
      '{{ .Values.global.proxy.memoryLimitBytes }} {{ .Values.global.proxy.statusPort }} {{ .Values.global.hub }} ' +
      '{{ .Values.global.proxy.nothing }} {{ .Values.sidecarInjectorWebhook.rewriteAppHTTPProbe }}';
    assert.equal(render(text, data), '1e+06 15020 docker.io/istio <no value> true');
  });

  it('fails on a field SidecarTemplateData does not have', () => {
    try {
      render('{{ .Pod }}', data);
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof TemplateError);
      assert.match(err.message, /can't evaluate field Pod in type inject\.SidecarTemplateData$/);
    }
  });

  it('renders ISTIO_META_POD_PORTS the way Istio’s template builds it', () => {
    const text =
      '[{{- range $index1, $c := .Spec.Containers }}{{- range $index2, $p := $c.Ports }}{{- if (structToJSON $p) }}' +
      '{{ if or (ne $index1 0) (ne $index2 0) }},{{ end }}{{ structToJSON $p }}{{- end }}{{- end }}{{- end }}]';
    assert.equal(
      render(text, data),
      '[{"name":"http","containerPort":9080,"protocol":"TCP"},{"containerPort":9090,"protocol":"UDP"},{"containerPort":5000}]',
    );
  });

  it('renders PROXY_CONFIG and the capture ports the way Istio’s template does', () => {
    assert.equal(render('{{ protoToJSON .ProxyConfig }}', data), '{}');
    const tproxy = templateData(
      input({ proxyConfig: effectiveProxyConfig(defaultMeshConfig(), 'interceptionMode: TPROXY') }),
    );
    assert.equal(render('{{ protoToJSON .ProxyConfig }}', tproxy), '{"interceptionMode":"TPROXY"}');
    const args =
      '-p {{ .MeshConfig.ProxyListenPort }} -z {{ .MeshConfig.ProxyInboundListenPort }} -u {{ .ProxyUID }} ' +
      '-m {{ .ProxyConfig.InterceptionMode }} -d {{ .MeshConfig.DefaultConfig.StatusPort }}';
    assert.equal(render(args, tproxy), '-p 15001 -z 15006 -u 1337 -m TPROXY -d 15020');
  });

  it('collects the application container names as the template does', () => {
    const text =
      '{{- $names := "" }}{{- range .Spec.Containers }}{{ if ne .Name "istio-proxy" }}{{ $names = printf "%s%s," $names .Name }}{{ end }}{{ end }}{{ $names }}';
    assert.equal(render(text, data), 'productpage,logger,');
  });

  it('reads nothing of the pod until a template asks', () => {
    const reads: string[] = [];
    const spy = new Proxy(structuredClone(pod.spec as JsonObject), {
      get(target, key, receiver) {
        if (typeof key === 'string') reads.push(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const lazy = templateData(input({ pod: { metadata: {}, spec: spy } }));
    assert.deepEqual(reads, []);
    assert.equal(render('{{ .Spec.ServiceAccountName }}', lazy), 'bookinfo-productpage');
    assert.deepEqual(reads, ['serviceAccountName']);
  });

  it('accepts a pod without metadata or spec', () => {
    const bare = templateData(input({ pod: {} }));
    assert.equal(
      render('[{{ .ObjectMeta.Name }}] {{ .Spec.Containers }} {{ .ObjectMeta.Labels }}', bare),
      '[] [] map[]',
    );
  });
});
