// Istio's injection helpers: the Go-checked table (through the template engine), then the helpers whose
// inputs are protobuf messages or Kubernetes objects in their plain JSON form, and the function map itself.
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';

import {
  ISTIO_HELPER_NAMES,
  UNSUPPORTED_SPRIG_FUNCTIONS,
  injectionFuncMap,
  unsupportedFunctionReason,
} from '../../../../src/inject/funcs/index.ts';
import {
  TemplateError,
  goNamed,
  goNilPointer,
  goStringMap,
  goStruct,
  parse,
} from '../../../../src/template/index.ts';
import { CASES as ISTIO } from './cases/istio.ts';
import { CASES as YAML } from './cases/yaml.ts';
import { runCases } from './support.ts';

runCases("Istio's injection helpers", ISTIO);
runCases("Istio's toYaml (sigs.k8s.io/yaml)", YAML);

function render(tpl: string, data: unknown, env?: Record<string, string>): string {
  return parse('t', tpl, { funcs: injectionFuncMap(env === undefined ? {} : { env }) }).execute(data);
}

function renderError(tpl: string, data: unknown): string {
  try {
    render(tpl, data);
  } catch (err) {
    assert.ok(err instanceof TemplateError);
    return err.message;
  }
  return assert.fail(`no error for ${tpl}`);
}

// --- otelResourceAttributes -------------------------------------------------------------------------------

const ENRICHMENT = ['ISTIO_CANONICAL', 'OTEL_SEMANTIC_CONVENTIONS'];

/** *meshconfig.MeshConfig with one OpenTelemetry provider, as the mesh view presents it. */
function meshWithOtel(enrichment: number): object {
  const provider = goStruct(
    'v1alpha1.MeshConfig_ExtensionProvider',
    {
      Name: 'otel',
      Opentelemetry: goStruct(
        'v1alpha1.MeshConfig_ExtensionProvider_OpenTelemetryTracingProvider',
        {
          Service: 'otel-collector',
          Port: 4317n,
          ServiceAttributeEnrichment: goNamed(
            'v1alpha1.MeshConfig_ExtensionProvider_OpenTelemetryTracingProvider_ServiceAttributeEnrichment',
            BigInt(enrichment),
            { String: () => ENRICHMENT[enrichment] },
          ),
        },
        { pointer: true },
      ),
    },
    { pointer: true },
  );
  return goStruct('v1alpha1.MeshConfig', { ExtensionProviders: [provider] }, { pointer: true });
}

interface OtelCase {
  readonly name: string;
  readonly mesh?: object;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly namespace: string;
  readonly containers?: [name: string, image: string][];
  readonly want: string;
}

const OTEL_TPL =
  '{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}';

const OTEL_CASES: readonly OtelCase[] = [
  {
    name: 'no provider with semantic conventions gives nothing',
    mesh: goStruct('v1alpha1.MeshConfig', {}, { pointer: true }),
    namespace: 'default',
    want: '',
  },
  { name: 'a missing mesh config gives nothing', namespace: 'default', want: '' },
  { name: 'Istio-canonical enrichment gives nothing', mesh: meshWithOtel(0), namespace: 'default', want: '' },
  {
    name: 'namespace only, without containers',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    want: 'service.namespace=shop',
  },
  {
    name: 'namespace and instance id from the first container',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    containers: [['cart', 'cart']],
    want: 'service.namespace=shop,service.instance.id=shop.$(POD_NAME).cart',
  },
  {
    name: 'annotations override every default',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    annotations: {
      'resource.opentelemetry.io/service.namespace': 'team-a',
      'resource.opentelemetry.io/service.version': 'v9',
      'resource.opentelemetry.io/service.instance.id': 'cart-1',
    },
    labels: { 'app.kubernetes.io/version': 'ignored' },
    containers: [['cart', 'cart:1.0']],
    want: 'service.namespace=team-a,service.version=v9,service.instance.id=cart-1',
  },
  {
    name: 'version from the app.kubernetes.io/version label before the image',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    labels: { 'app.kubernetes.io/version': 'v1.2.3' },
    containers: [['cart', 'cart:1.0']],
    want: 'service.namespace=shop,service.version=v1.2.3,service.instance.id=shop.$(POD_NAME).cart',
  },
  {
    name: 'an empty annotation does not count',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    annotations: { 'resource.opentelemetry.io/service.namespace': '' },
    want: 'service.namespace=shop',
  },
  { name: 'no namespace and no containers', mesh: meshWithOtel(1), namespace: '', want: '' },
  {
    name: 'version from the tag of a single image',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    containers: [['web', 'nginx:1.21']],
    want: 'service.namespace=shop,service.version=1.21,service.instance.id=shop.$(POD_NAME).web',
  },
  {
    name: 'version from the digest',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    containers: [['web', 'nginx@sha256:abc']],
    want: 'service.namespace=shop,service.version=sha256:abc,service.instance.id=shop.$(POD_NAME).web',
  },
  {
    name: 'version from tag and digest',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    containers: [['web', 'nginx:1.21@sha256:abc']],
    want: 'service.namespace=shop,service.version=1.21@sha256:abc,service.instance.id=shop.$(POD_NAME).web',
  },
  {
    name: 'a registry port is not a tag',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    containers: [['web', 'registry:5000/nginx']],
    want: 'service.namespace=shop,service.instance.id=shop.$(POD_NAME).web',
  },
  {
    name: 'no version from images when there are several containers',
    mesh: meshWithOtel(1),
    namespace: 'shop',
    containers: [
      ['web', 'nginx:1.21'],
      ['log', 'fluent:2.0'],
    ],
    want: 'service.namespace=shop,service.instance.id=shop.$(POD_NAME).web',
  },
];

describe('otelResourceAttributes', () => {
  for (const c of OTEL_CASES) {
    it(c.name, () => {
      const data = {
        MeshConfig: c.mesh,
        ObjectMeta: goStruct('v1.ObjectMeta', {
          Annotations: goStringMap({ ...c.annotations }),
          Labels: goStringMap({ ...c.labels }),
        }),
        DeploymentMeta: goStruct('types.NamespacedName', { Name: 'cart', Namespace: c.namespace }),
        Spec: goStruct('v1.PodSpec', {
          Containers: (c.containers ?? []).map(([name, image]) =>
            goStruct('v1.Container', { Name: name, Image: image }),
          ),
        }),
      };
      assert.equal(render(OTEL_TPL, data), c.want);
    });
  }

  it('reads a mesh config in its JSON form, enums by name', () => {
    const data = {
      MeshConfig: {
        extensionProviders: [
          { name: 'zipkin', zipkin: { service: 'z' } },
          { name: 'otel', opentelemetry: { serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS' } },
        ],
      },
      Meta: { annotations: { 'resource.opentelemetry.io/service.version': 'v2' }, labels: {} },
      Containers: [{ name: 'app', image: 'app:1' }],
    };
    assert.equal(
      render(
        '{{ otelResourceAttributes .MeshConfig .Meta.annotations .Meta.labels "ns" .Containers }}',
        data,
      ),
      'service.namespace=ns,service.version=v2,service.instance.id=ns.$(POD_NAME).app',
    );
  });

  it('rejects a nil interface for the mesh config', () => {
    assert.match(
      renderError('{{ otelResourceAttributes .m .a .a "ns" .c }}', { m: null }),
      /wrong type for value; expected \*v1alpha1\.MeshConfig; got interface \{\}/,
    );
  });
});

// --- protoToJSON ------------------------------------------------------------------------------------------

describe('protoToJSON', () => {
  const proxyConfig = goStruct(
    'v1alpha1.ProxyConfig',
    {
      InterceptionMode: goNamed('v1alpha1.ProxyConfig_InboundInterceptionMode', 0n, {
        String: () => 'REDIRECT',
      }),
      toProtoJSON: () => '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}',
    },
    { pointer: true },
  );

  it('uses the text a view gives from toProtoJSON (where cleanProxyConfig applies)', () => {
    assert.equal(
      render('{{ protoToJSON .pc }}', { pc: proxyConfig }),
      '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}',
    );
  });

  it('writes other messages like jsonpb: keys in field order, strings escaped as encoding/json does', () => {
    const message = { discoveryAddress: 'istiod:15012', drainDuration: '45s', a: '<x>', concurrency: 2 };
    assert.equal(
      render('{{ protoToJSON .m }}', { m: message }),
      '{"discoveryAddress":"istiod:15012","drainDuration":"45s","a":"\\u003cx\\u003e","concurrency":2}',
    );
  });

  it('gives {} for a nil message or no value', () => {
    assert.equal(
      render('{{ protoToJSON .nil }}|{{ protoToJSON .missing }}', {
        nil: goNilPointer('v1alpha1.ProxyConfig'),
      }),
      '{}|{}',
    );
  });

  it('rejects values that are not messages', () => {
    assert.match(renderError('{{ protoToJSON "x" }}', {}), /expected protoreflect\.ProtoMessage; got string/);
    assert.match(renderError('{{ protoToJSON .l }}', { l: goStringMap({}) }), /got map\[string\]string/);
  });
});

// --- helpers over plain JSON objects ----------------------------------------------------------------------

describe('helpers over Kubernetes objects in their JSON form', () => {
  const pod = {
    metadata: { annotations: { 'sidecar.istio.io/proxyCPU': '300m' }, labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
        },
        { name: 'istio-proxy', image: 'proxyv2', ports: [{ containerPort: 15090, protocol: 'TCP' }] },
      ],
    },
  };

  it('annotation reads metadata.annotations', () => {
    assert.equal(
      render(
        '{{ annotation .metadata "sidecar.istio.io/proxyCPU" "100m" }} {{ annotation .metadata "x" 1 }}',
        pod,
      ),
      '300m 1',
    );
  });

  it('includeInboundPorts and applicationPorts read containers[].ports', () => {
    assert.equal(
      render('{{ includeInboundPorts .spec.containers }} {{ applicationPorts .spec.containers }}', pod),
      '80,15090 80',
    );
  });

  it('isset, toJSON, omit and mergeMaps take JSON maps of strings', () => {
    assert.equal(
      render(
        '{{ isset .metadata.labels "app" }} {{ toJSON .metadata.labels }} {{ omit .metadata.labels "app" }} {{ mergeMaps .metadata.labels (strdict "b" "c") }}',
        pod,
      ),
      'true {"app":"web"} map[] map[app:web b:c]',
    );
  });

  it('formatDuration takes durations in protojson form', () => {
    const data = { d: '1.5s', m: '-90s', o: { seconds: 3600, nanos: 1000 } };
    assert.equal(
      render('{{ formatDuration .d }} {{ formatDuration .m }} {{ formatDuration .o }}', data),
      '1.5s -1m30s 1h0m0.000001s',
    );
    assert.match(
      renderError('{{ formatDuration "soon" }}', {}),
      /expected \*durationpb\.Duration; got string/,
    );
  });
});

// --- the function map ---------------------------------------------------------------------------------------

describe('injectionFuncMap', () => {
  it('gives the same object for the same options, so parsed templates are shared', () => {
    assert.equal(injectionFuncMap(), injectionFuncMap({}));
    assert.equal(
      injectionFuncMap({ env: { A: '1', B: '2' } }),
      injectionFuncMap({ env: { B: '2', A: '1' } }),
    );
    assert.notEqual(injectionFuncMap({ env: { A: '1' } }), injectionFuncMap({ env: { A: '2' } }));
  });

  it('has all 26 Istio helpers', () => {
    assert.equal(ISTIO_HELPER_NAMES.length, 26);
    const funcs = injectionFuncMap();
    for (const name of ISTIO_HELPER_NAMES) assert.equal(typeof funcs[name], 'function', name);
  });

  it("puts Istio's indent, contains, env and omit over sprig's", () => {
    const data = { l: goStringMap({ a: '1', b: '2' }) };
    assert.equal(
      render('{{ indent 2 "x\\ny" }}|{{ contains "b" "abc" }}|{{ env "A" "dflt" }}|{{ omit .l "a" }}', data, {
        A: '',
      }),
      'x\n  y|true|dflt|map[b:2]',
    );
  });

  it('reads env from the configured map only, never the process environment', () => {
    process.env.MESH_INJECTOR_FUNCS_TEST = 'from-process';
    try {
      assert.equal(render('{{ env "MESH_INJECTOR_FUNCS_TEST" "none" }}', {}), 'none');
      assert.equal(render('{{ expandenv "[$MESH_INJECTOR_FUNCS_TEST]" }}', {}), '[]');
      assert.equal(render('{{ env "X" "none" }} {{ expandenv "$X" }}', {}, { X: 'set' }), 'set set');
    } finally {
      delete process.env.MESH_INJECTOR_FUNCS_TEST;
    }
  });
});

// Every name in sprig v3.3.0's TxtFuncMap (functions.go, genericMap).
const SPRIG_TXT_FUNC_MAP =
  `hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate
  htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim upper lower
  title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace initials randAlphaNum randAlpha randAscii
  randNumeric swapcase shuffle snakecase camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat
  indent nindent replace plural sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal split
  splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf mulf biggest max min
  maxf minf ceil floor round join sortAlpha default empty coalesce all any compact mustCompact fromJson toJson
  toPrettyJson toRawJson mustFromJson mustToJson mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf
  typeIs typeIsLike kindOf kindIs deepEqual env expandenv getHostByName base dir clean ext isAbs osBase osClean osDir
  osExt osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit merge
  mergeOverwrite mustMerge mustMergeOverwrite values append push mustAppend mustPush prepend mustPrepend first mustFirst
  rest mustRest last mustLast initial mustInitial reverse mustReverse uniq mustUniq without mustWithout has mustHas slice
  mustSlice concat dig chunk mustChunk bcrypt htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey
  genSelfSignedCert genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes uuidv4
  semver semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll regexFind mustRegexFind
  regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral mustRegexReplaceAllLiteral regexSplit mustRegexSplit
  regexQuoteMeta urlParse urlJoin`
    .split(/\s+/)
    .filter((name) => name !== '');

describe("sprig's TxtFuncMap coverage", () => {
  it('every sprig function is either provided or listed as unsupported with a reason', () => {
    const funcs = injectionFuncMap();
    const missing = SPRIG_TXT_FUNC_MAP.filter(
      (name) => funcs[name] === undefined && unsupportedFunctionReason(name) === undefined,
    );
    assert.deepEqual(missing, []);
  });

  it('no unsupported function is provided, and every one has a reason', () => {
    const funcs = injectionFuncMap();
    for (const [name, reason] of Object.entries(UNSUPPORTED_SPRIG_FUNCTIONS)) {
      assert.equal(funcs[name], undefined, name);
      assert.ok(SPRIG_TXT_FUNC_MAP.includes(name), `${name} is a sprig function`);
      assert.ok(reason.length > 10, name);
    }
  });

  test('a template calling an unsupported function fails to parse, and the reason explains why', () => {
    assert.throws(() => parse('t', '{{ now }}', { funcs: injectionFuncMap() }), /function "now" not defined/);
    assert.match(unsupportedFunctionReason('uuidv4') ?? '', /random/);
    assert.equal(unsupportedFunctionReason('toString'), undefined);
    assert.equal(unsupportedFunctionReason('__proto__'), undefined);
  });
});
