// Mesh config and ProxyConfig views, exercised through the template engine the way Istio's templates use
// them, and their protojson output (Istio's protoToJSON).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goStruct, parse, TemplateError } from '../../../../src/template/index.ts';
import { defaultMeshConfig, effectiveProxyConfig, mergeProto } from '../../../../src/inject/mesh.ts';
import type { JsonObject } from '../../../../src/inject/types.ts';
import {
  cleanProxyConfigJSON,
  formatDurationValue,
  goCamelCase,
  meshConfigView,
  protoJSON,
  protoToJSONText,
  protoView,
  proxyConfigView,
} from '../../../../src/inject/view/proto.ts';

function render(text: string, data: unknown): string {
  return parse('t', text).execute(data);
}

function renderError(text: string, data: unknown): string {
  try {
    render(text, data);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`expected ${text} to fail`);
}

/** Template data holding a mesh config and the effective ProxyConfig from a pod annotation. */
function dataFor(annotation = '', meshOverlay: JsonObject = {}): object {
  const mesh = mergeProto(defaultMeshConfig(), meshOverlay);
  return goStruct('inject.SidecarTemplateData', {
    ProxyConfig: proxyConfigView(effectiveProxyConfig(mesh, annotation)),
    MeshConfig: meshConfigView(mesh),
  });
}

const defaults = dataFor();

describe('proto views: Go names', () => {
  it('derives protoc-gen-go names from proto names, without initialism rewriting', () => {
    assert.equal(goCamelCase('mesh_id'), 'MeshId');
    assert.equal(goCamelCase('ca_certificates_pem'), 'CaCertificatesPem');
    assert.equal(goCamelCase('mesh_mTLS'), 'MeshMTLS');
    assert.equal(goCamelCase('k8s_sa_jwt_path'), 'K8SSaJwtPath');
    assert.equal(goCamelCase('file_flush_min_size_kb'), 'FileFlushMinSizeKb');
  });

  it('reads mesh ports and the default ProxyConfig under Go names', () => {
    const text =
      '{{ .MeshConfig.ProxyListenPort }} {{ .MeshConfig.ProxyInboundListenPort }} {{ .MeshConfig.TrustDomain }} ' +
      '{{ .MeshConfig.DefaultConfig.StatusPort }} {{ .ProxyConfig.ProxyAdminPort }} {{ .ProxyConfig.DiscoveryAddress }}';
    assert.equal(
      render(text, defaults),
      '15001 15006 cluster.local 15020 15000 istiod.istio-system.svc:15012',
    );
  });

  it('uses MeshId, not MeshID, as protoc-gen-go does', () => {
    assert.equal(render('{{ .ProxyConfig.MeshId }}', dataFor('meshId: m1')), 'm1');
    assert.match(
      renderError('{{ .ProxyConfig.MeshID }}', defaults),
      /can't evaluate field MeshID in type \*v1alpha1\.ProxyConfig$/,
    );
  });

  it('presents a repeated string field as a list', () => {
    const data = dataFor('caCertificatesPem: [a, b]');
    assert.equal(
      render('{{ .ProxyConfig.CaCertificatesPem }} {{ len .ProxyConfig.CaCertificatesPem }}', data),
      '[a b] 2',
    );
    assert.equal(render('{{ .ProxyConfig.ExtraStatTags }}', defaults), '[]');
  });

  it('accepts proto (snake_case) field names in the JSON, as protojson does', () => {
    const view = proxyConfigView({ hold_application_until_proxy_starts: true, status_port: 15021 });
    assert.equal(
      render('{{ .HoldApplicationUntilProxyStarts.GetValue }} {{ .StatusPort }}', view),
      'true 15021',
    );
  });
});

describe('proto views: enums', () => {
  it('prints an enum by name, also through .String and %v, and as a number with %d', () => {
    const data = dataFor('interceptionMode: TPROXY');
    const text =
      '{{ .ProxyConfig.InterceptionMode }} {{ .ProxyConfig.InterceptionMode.String }} ' +
      '{{ printf "%v %d" .ProxyConfig.InterceptionMode .ProxyConfig.InterceptionMode }} {{ print .ProxyConfig.InterceptionMode }}';
    assert.equal(render(text, data), 'TPROXY TPROXY TPROXY 1 TPROXY');
  });

  it('gives the zero enum (REDIRECT) when the field is absent', () => {
    assert.equal(render('{{ .InterceptionMode }}', proxyConfigView({})), 'REDIRECT');
  });

  it('compares an enum with an integer constant by its number', () => {
    assert.equal(
      render(
        '{{ if eq .ProxyConfig.InterceptionMode 1 }}tproxy{{ end }}',
        dataFor('interceptionMode: TPROXY'),
      ),
      'tproxy',
    );
  });

  it('reads the inbound traffic policy mode and nested provider enums', () => {
    const data = dataFor('', {
      inboundTrafficPolicy: { mode: 'LOCALHOST' },
      extensionProviders: [
        { name: 'zipkin', zipkin: { service: 'zipkin.istio-system', port: 9411 } },
        {
          name: 'otel',
          opentelemetry: {
            service: 'otel',
            port: 4317,
            serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS',
          },
        },
      ],
    });
    assert.equal(render('{{ .MeshConfig.InboundTrafficPolicy.Mode }}', data), 'LOCALHOST');
    const text =
      '{{ range .MeshConfig.ExtensionProviders }}{{ .Name }}={{ .GetOpentelemetry.GetServiceAttributeEnrichment }};{{ end }}';
    assert.equal(render(text, data), 'zipkin=ISTIO_CANONICAL;otel=OTEL_SEMANTIC_CONVENTIONS;');
  });

  it('prints a repeated enum field as names', () => {
    const view = protoView('Tracing', { openCensusAgent: { context: ['W3C_TRACE_CONTEXT', 'B3'] } });
    assert.equal(render('{{ .GetOpenCensusAgent.Context }}', view), '[W3C_TRACE_CONTEXT B3]');
  });
});

describe('proto views: wrappers, messages and nil pointers', () => {
  it('.GetValue gives false for an absent BoolValue, and its value when set', () => {
    const text = '{{ .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue }}';
    assert.equal(render(text, defaults), 'false');
    assert.equal(render(text, dataFor('holdApplicationUntilProxyStarts: false')), 'false');
    assert.equal(render(text, dataFor('holdApplicationUntilProxyStarts: true')), 'true');
  });

  it('makes an absent wrapper a nil pointer and a present one a non-nil struct', () => {
    const text = '{{ if .ProxyConfig.HoldApplicationUntilProxyStarts }}set{{ else }}unset{{ end }}';
    assert.equal(render(text, defaults), 'unset');
    assert.equal(render(text, dataFor('holdApplicationUntilProxyStarts: false')), 'set');
    assert.equal(render('{{ .ProxyConfig.Concurrency.Value }}', dataFor('concurrency: 2')), '2');
    assert.equal(
      renderError('{{ .ProxyConfig.Concurrency.Value }}', defaults),
      'template: t:1:15: executing "t" at <.ProxyConfig.Concurrency.Value>: nil pointer evaluating *wrapperspb.Int32Value.Value',
    );
  });

  it('chains getters through nil messages without error', () => {
    const text = '[{{ .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates }}]';
    assert.equal(render(text, defaults), '[]');
    assert.equal(
      render(text, dataFor('tracing: {tlsSettings: {caCertificates: /etc/ca.pem}}')),
      '[/etc/ca.pem]',
    );
    assert.equal(render('[{{ .ProxyConfig.GetReadinessProbe.GetHttpGet.GetPath }}]', defaults), '[]');
  });

  it('fails a field access through a nil message pointer, like Go', () => {
    assert.match(
      renderError('{{ .ProxyConfig.Image.ImageType }}', defaults),
      /nil pointer evaluating \*v1beta1\.ProxyImage\.ImageType$/,
    );
    assert.equal(
      render('{{ .ProxyConfig.Image.ImageType }}', dataFor('image: {imageType: distroless}')),
      'distroless',
    );
  });

  it('reads networking messages inside the ProxyConfig', () => {
    const data = dataFor('readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 3}');
    assert.equal(
      render(
        '{{ .ProxyConfig.ReadinessProbe.PeriodSeconds }} {{ .ProxyConfig.ReadinessProbe.GetHttpGet.Port }}',
        data,
      ),
      '3 8080',
    );
  });
});

describe('proto views: oneofs, maps and durations', () => {
  it('presents a oneof as one Go field holding a wrapper struct, with getters for its members', () => {
    const text =
      '{{ .ProxyConfig.ClusterName }} {{ .ProxyConfig.ClusterName.ServiceCluster }} {{ .ProxyConfig.GetServiceCluster }} {{ .ProxyConfig.GetTracingServiceName }}';
    assert.equal(render(text, defaults), '{istio-proxy} istio-proxy istio-proxy APP_LABEL_AND_NAMESPACE');
    assert.match(
      renderError('{{ .ProxyConfig.ServiceCluster }}', defaults),
      /can't evaluate field ServiceCluster in type \*v1alpha1\.ProxyConfig$/,
    );
  });

  it('makes an unset oneof a nil interface', () => {
    const view = proxyConfigView({});
    assert.equal(
      render('{{ if .ClusterName }}set{{ else }}unset{{ end }} [{{ .GetServiceCluster }}]', view),
      'unset []',
    );
    assert.match(
      renderError('{{ .ClusterName.ServiceCluster }}', view),
      /nil pointer evaluating interface \{\}\.ServiceCluster$/,
    );
  });

  it('names oneof wrapper types as protoc-gen-go does', () => {
    assert.equal(
      render('{{ printf "%T" .ProxyConfig.ClusterName }}', defaults),
      '*v1alpha1.ProxyConfig_ServiceCluster',
    );
    assert.equal(
      render('{{ printf "%T" .ProxyConfig.Tracing.Tracer }}', defaults),
      '*v1alpha1.Tracing_Zipkin_',
    );
    assert.equal(
      render('{{ .ProxyConfig.Tracing.Tracer.Zipkin.Address }}', defaults),
      'zipkin.istio-system:9411',
    );
  });

  it('presents ProxyMetadata as a map[string]string', () => {
    const data = dataFor('proxyMetadata: {ISTIO_META_ENABLE_HBONE: "true", B: "2"}');
    const text =
      '{{ .ProxyConfig.ProxyMetadata.ISTIO_META_ENABLE_HBONE }} [{{ index .ProxyConfig.ProxyMetadata "MISSING" }}] {{ range $k, $v := .ProxyConfig.ProxyMetadata }}{{ $k }}={{ $v }} {{ end }}';
    assert.equal(render(text, data), 'true [] B=2 ISTIO_META_ENABLE_HBONE=true ');
    assert.equal(
      render('{{ .ProxyConfig.ProxyMetadata }} [{{ index .ProxyConfig.ProxyMetadata "X" }}]', defaults),
      'map[] []',
    );
  });

  it('presents a map of messages', () => {
    const view = protoView('Tracing', { customTags: { env: { literal: { value: 'prod' } } } });
    assert.equal(render('{{ (index .CustomTags "env").GetLiteral.Value }}', view), 'prod');
  });

  it('presents durations with Seconds, Nanos and AsDuration', () => {
    const data = dataFor('drainDuration: 1.5s');
    const text =
      '{{ .ProxyConfig.DrainDuration.Seconds }} {{ .ProxyConfig.DrainDuration.Nanos }} {{ .ProxyConfig.DrainDuration.AsDuration }} {{ .ProxyConfig.TerminationDrainDuration.AsDuration }}';
    assert.equal(render(text, data), '1 500000000 1.5s 5s');
    assert.equal(render('{{ .ProxyConfig.DrainDuration }}', defaults), 'seconds:45');
    assert.equal(
      render(
        '{{ .ProxyConfig.FileFlushInterval.GetSeconds }} {{ .ProxyConfig.FileFlushInterval }}',
        defaults,
      ),
      '0 <nil>',
    );
  });

  it('formats durations as formatDuration needs them', () => {
    const view = proxyConfigView({ drainDuration: '45s', parentShutdownDuration: '90s' }) as Record<
      string,
      unknown
    >;
    assert.equal(formatDurationValue(view.DrainDuration), '45s');
    assert.equal(formatDurationValue(view.ParentShutdownDuration), '1m30s');
    assert.equal(formatDurationValue(view.FileFlushInterval), '0s');
    assert.equal(formatDurationValue('45s'), undefined);
  });

  it('presents keys the schema does not know under their Go-cased names', () => {
    const view = proxyConfigView({ someNewField: 'x', newCount: 3, newBlock: { inner: true } });
    assert.equal(render('{{ .SomeNewField }} {{ .NewCount }} {{ .NewBlock.Inner }}', view), 'x 3 true');
  });

  it('never writes to the JSON it presents', () => {
    const json = effectiveProxyConfig(defaultMeshConfig(), 'proxyMetadata: {A: "1"}\ntracing: {sampling: 1}');
    const before = JSON.stringify(json);
    const view = proxyConfigView(Object.freeze(json));
    render(
      '{{ .ProxyMetadata }}{{ .GetTracing.GetSampling }}{{ .ClusterName }}{{ .DrainDuration.AsDuration }}',
      view,
    );
    (view as { toProtoJSON(): string }).toProtoJSON();
    assert.equal(JSON.stringify(json), before);
  });
});

describe('protoToJSON (cleanProxyConfig + protojson)', () => {
  const text = (annotation: string): string =>
    (
      proxyConfigView(effectiveProxyConfig(defaultMeshConfig(), annotation)) as { toProtoJSON(): string }
    ).toProtoJSON();

  it('gives {} for an all-default ProxyConfig', () => {
    assert.equal(text(''), '{}');
  });

  it('keeps only the fields that differ from Istio defaults, in declaration order', () => {
    assert.equal(
      text(
        'holdApplicationUntilProxyStarts: true\nproxyMetadata: {B: "2", A: "1"}\ninterceptionMode: TPROXY\nstatusPort: 15030\nconcurrency: 2',
      ),
      '{"concurrency":2,"interceptionMode":"TPROXY","proxyMetadata":{"A":"1","B":"2"},"statusPort":15030,"holdApplicationUntilProxyStarts":true}',
    );
  });

  it('keeps a non-default discovery address, drain duration and service cluster', () => {
    assert.equal(
      text(
        'discoveryAddress: istiod-canary.istio-system.svc:15012\ndrainDuration: 1.5s\nserviceCluster: reviews',
      ),
      '{"serviceCluster":"reviews","drainDuration":"1.500s","discoveryAddress":"istiod-canary.istio-system.svc:15012"}',
    );
  });

  it('keeps a changed tracing block whole', () => {
    assert.equal(
      text('tracing: {sampling: 10}'),
      '{"tracing":{"zipkin":{"address":"zipkin.istio-system:9411"},"sampling":10}}',
    );
  });

  it('escapes HTML characters as encoding/json does', () => {
    assert.equal(text('proxyMetadata: {Q: "a&b<c>"}'), '{"proxyMetadata":{"Q":"a\\u0026b\\u003cc\\u003e"}}');
  });

  it('writes 64-bit integers as strings and leaves unknown fields as written', () => {
    const json = protoJSON('Tracing', { stackdriver: { maxNumberOfAttributes: 200 }, futureField: [1] });
    assert.deepEqual(json, { stackdriver: { maxNumberOfAttributes: '200' }, futureField: [1] });
  });

  it('cleans a ProxyConfig given with proto field names', () => {
    assert.deepEqual(cleanProxyConfigJSON({ status_port: 15020, proxy_admin_port: 15001 }), {
      proxyAdminPort: 15001,
    });
  });

  it('gives plain protojson (no cleaning) for other messages and through toJSON', () => {
    const mesh = meshConfigView(defaultMeshConfig());
    const json = JSON.parse(JSON.stringify(mesh)) as JsonObject;
    assert.equal(json.proxyListenPort, 15001);
    assert.equal((json.defaultConfig as JsonObject).statusPort, 15020, 'toJSON does not clean');
    assert.equal(json.ingressControllerMode, 'STRICT');
    assert.equal(
      protoToJSONText(mesh)?.startsWith('{"proxyListenPort":15001,"proxyInboundListenPort":15006,'),
      true,
    );
    assert.equal(protoToJSONText({}), undefined);
  });
});
