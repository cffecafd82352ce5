// Shared pieces of the function-map suite: the case format, the runner and the template data.
//
// Expected outputs and error messages are Go's: each case was executed by Go 1.26 text/template with
// sprig v3.3.0's TxtFuncMap and Istio's injection helpers on top, against Go values of the same types as
// the fixture below (JSON-decoded `.Values`, metav1.ObjectMeta, []corev1.Container, map[string]string,
// ints, a protobuf-style enum, a tagged struct). Cases where mesh-injector knowingly differs say so in
// `deviation`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { injectionFuncMap } from '../../../../src/inject/funcs/index.ts';
import { goJsonDecode } from '../../../../src/inject/funcs/gojson.ts';
import {
  TemplateError,
  goNamed,
  goNilPointer,
  goStringMap,
  goStruct,
  parse,
} from '../../../../src/template/index.ts';

export interface Case {
  readonly name: string;
  readonly tpl: string;
  /** Expected output. */
  readonly want?: string;
  /** Expected error message. */
  readonly err?: string;
  /** Why mesh-injector's result differs from Go's, when it does on purpose... */
  readonly deviation?: string;
  /** ...and what Go gives there. */
  readonly goWant?: string;
  readonly goErr?: string;
}

/** The `.Values` document (numbers decode to float64, as Istio reads the values JSON). */
export const VALUES_JSON = `{
  "global": {"hub": "docker.io/istio", "tag": "1.22.0", "proxy": {"statusPort": 15020, "excludeInboundPorts": "", "resources": {"limits": {"cpu": null, "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}, "lifecycle": {}, "holdApplicationUntilProxyStarts": false, "logLevel": "warning", "componentLogLevel": "misc:error"}},
  "num": 4, "million": 1000000, "half": 0.5, "tiny": 0.000001, "zero": 0, "neg": -3, "big": 1e21,
  "str": "hello", "emptyStr": "", "t": true, "f": false, "nil": null,
  "list": ["a", "b", "a", 1, null, ""], "emptyList": [], "nums": [3, 1, 2],
  "map": {"b": 2, "a": "x", "c": {"d": null}}, "emptyMap": {},
  "html": "<a href=\\"x\\">&</a>", "ml": "line1\\nline2\\n", "unicode": "héllo wörld",
  "yamlish": {"on": "yes", "n": "123", "f": "1.5", "t": "true", "nl": "null", "tilde": "~", "sp": " lead", "colon": "a: b", "hash": "a #b", "dash": "- x", "star": "*x", "empty": "", "y": "y", "date": "2001-12-14", "hex": "0x1F", "oct": "0o17", "sexa": "1:20", "long": "this is a fairly long string that should go beyond the eighty column limit of the yaml emitter for sure"}
}`;

interface PortFields {
  Name?: string;
  ContainerPort: bigint;
  Protocol?: string;
}

/** corev1.ContainerPort as the injector's view presents it: Go field names, Go's JSON via toJSON. */
function containerPort(fields: PortFields): object {
  return goStruct('v1.ContainerPort', {
    Name: fields.Name ?? '',
    HostPort: 0n,
    ContainerPort: fields.ContainerPort,
    Protocol: goNamed('v1.Protocol', fields.Protocol ?? ''),
    HostIP: '',
    toJSON(this: { Name: string; ContainerPort: bigint; Protocol: { value: unknown } }) {
      const out: Record<string, unknown> = {};
      if (this.Name !== '') out.name = this.Name;
      out.containerPort = this.ContainerPort;
      if (this.Protocol.value !== '') out.protocol = this.Protocol.value;
      return out;
    },
  });
}

function container(name: string, image: string, ports: PortFields[]): object {
  return goStruct('v1.Container', { Name: name, Image: image, Ports: ports.map(containerPort) });
}

const MODES = ['REDIRECT', 'TPROXY', 'NONE'];

/** The template data every case runs against; mirrors the Go side value for value. */
export function fixture(): Record<string, unknown> {
  return {
    Values: goJsonDecode(VALUES_JSON).value,
    ObjectMeta: goStruct('v1.ObjectMeta', {
      Name: 'web-1',
      Namespace: 'prod',
      Labels: goStringMap({ app: 'web', version: 'v2' }),
      Annotations: goStringMap({
        empty: '',
        'sidecar.istio.io/proxyCPU': '200m',
        'k8s.v1.cni.cncf.io/networks': '[{"name": "macvlan"}]',
        commaNets: 'a, b',
        json: '{"a":1,"b":[true,null]}',
        'status.sidecar.istio.io/port': '15021',
        'traffic.sidecar.istio.io/ports': '80, 443',
      }),
    }),
    Spec: goStruct('v1.PodSpec', {
      Containers: [
        container('app', 'nginx:1.21', [
          { Name: 'http', ContainerPort: 8080n, Protocol: 'TCP' },
          { Name: 'dns', ContainerPort: 53n, Protocol: 'UDP' },
          { ContainerPort: 9090n },
        ]),
        container('istio-proxy', 'proxyv2', [
          { Name: 'http-envoy-prom', ContainerPort: 15090n, Protocol: 'TCP' },
        ]),
        container('sctp', 'x', [{ ContainerPort: 7000n, Protocol: 'SCTP' }]),
      ],
    }),
    labels: goStringMap({ app: 'web', tier: 'front' }),
    strs: ['b', 'a', 'c'],
    ints: [3n, 1n, 2n],
    i: 42n,
    i64: -7n,
    f: 1.5,
    mode: goNamed('main.Mode', 1n, { String: () => MODES[1] }),
    pair: goStruct('main.Pair', { Key: 'k', Val: 1.5 }),
    tagged: goStruct('main.Tagged', {
      Name: 'n',
      Port: 0n,
      Labels: goStringMap({ z: '1', a: '<&>' }),
      Skipped: 's',
      Note: '',
      toJSON(this: { Name: string; Labels: object; Note: string }) {
        return { name: this.Name, labels: this.Labels, note: this.Note };
      },
    }),
    dur: goStruct('durationpb.Duration', { Seconds: 90n, Nanos: 0n }, { pointer: true }),
    durFrac: goStruct('durationpb.Duration', { Seconds: 1n, Nanos: 500_000_000n }, { pointer: true }),
    nilDur: goNilPointer('durationpb.Duration'),
    // Typed nil maps: the value model has none, and "no value" is what reaches a function as a nil map.
    nilMap: undefined,
    nilSMap: undefined,
    ptrPair: goStruct('main.Pair', { Key: 'p', Val: null }, { pointer: true }),
    nilPair: goNilPointer('main.Pair'),
    anyInt: 5n,
    floatStr: '3.75',
  };
}

/** The environment the `env` helper reads in these cases. */
export const ENV = { CLUSTER: 'east', EMPTY: '' };

/** Runs one case through the template engine with the injection function map. */
export function runCase(c: Case): { out?: string; err?: string; error?: unknown } {
  try {
    const t = parse('t', c.tpl, { funcs: injectionFuncMap({ env: ENV }) });
    return { out: t.execute(fixture()) };
  } catch (error) {
    return { err: error instanceof Error ? error.message : String(error), error };
  }
}

/** Registers one test per case. */
export function runCases(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, () => {
        const result = runCase(c);
        if (c.err !== undefined) {
          assert.equal(result.err, c.err, `expected an error for ${JSON.stringify(c.tpl)}`);
          assert.ok(result.error instanceof TemplateError, 'errors are TemplateErrors');
        } else {
          assert.equal(result.err, undefined, `unexpected error for ${JSON.stringify(c.tpl)}`);
          assert.equal(result.out, c.want);
        }
      });
    }
  });
}
