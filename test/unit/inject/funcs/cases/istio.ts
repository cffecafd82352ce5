// Istio's injection helpers. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'annotation present',
    tpl: '{{ annotation .ObjectMeta "sidecar.istio.io/proxyCPU" "100m" }}',
    want: '200m',
  },
  { name: 'annotation present but empty', tpl: '{{ annotation .ObjectMeta "empty" "x" }}|', want: '|' },
  {
    name: 'annotation default prints with %v',
    tpl: '{{ annotation .ObjectMeta "nope" .Values.global.proxy.statusPort }} {{ annotation .ObjectMeta "nope" .Values.million }} {{ annotation .ObjectMeta "nope" .mode }} {{ annotation .ObjectMeta "nope" true }} {{ annotation .ObjectMeta "nope" 7 }}',
    want: '15020 1e+06 TPROXY true 7',
  },
  {
    name: 'annotation default nil',
    tpl: '{{ annotation .ObjectMeta "nope" .Values.nil }} {{ annotation .ObjectMeta "nope" .Values.missing }}',
    want: '<nil> <nil>',
  },
  {
    name: 'isset',
    tpl: '{{ isset .ObjectMeta.Annotations "empty" }} {{ isset .ObjectMeta.Annotations "nope" }} {{ isset .nilSMap "a" }} {{ isset .labels "app" }}',
    want: 'true false false true',
  },
  {
    name: 'valueOrDefault',
    tpl: '{{ valueOrDefault "" "d" }} {{ valueOrDefault .Values.nil "d" }} {{ valueOrDefault 0 "d" }} {{ valueOrDefault .Values.missing "d" }} {{ valueOrDefault "v" "d" }} {{ valueOrDefault .Values.emptyList "d" }} {{ valueOrDefault .Values.f "d" }}',
    want: 'd d 0 d v [] false',
  },
  {
    name: 'toJSON of map[string]string',
    tpl: '{{ toJSON .labels }} {{ toJSON .nilSMap }} {{ toJSON .ObjectMeta.Annotations }}',
    want: '{"app":"web","tier":"front"} {} {"commaNets":"a, b","empty":"","json":"{\\"a\\":1,\\"b\\":[true,null]}","k8s.v1.cni.cncf.io/networks":"[{\\"name\\": \\"macvlan\\"}]","sidecar.istio.io/proxyCPU":"200m","status.sidecar.istio.io/port":"15021","traffic.sidecar.istio.io/ports":"80, 443"}',
  },
  { name: 'toJson is sprig', tpl: '{{ toJson .Values.map }}', want: '{"a":"x","b":2,"c":{"d":null}}' },
  {
    name: 'fromJSON',
    tpl: '{{ fromJSON "{\\"a\\":1}" }} {{ fromJSON "bad" }} {{ (fromJSON (index .ObjectMeta.Annotations "json")).b }}',
    want: 'map[a:1] {} [true <nil>]',
  },
  {
    name: 'range over fromJSON',
    tpl: '{{ range $k, $v := fromJSON "{\\"b\\":1,\\"a\\":2}" }}{{ $k }}={{ $v }};{{ end }}',
    want: 'a=2;b=1;',
  },
  {
    name: 'structToJSON',
    tpl: '{{ structToJSON .pair }} {{ structToJSON .tagged }} {{ structToJSON .Values.nil }} {{ structToJSON .nilPair }} {{ structToJSON .Values.map }}',
    want: '{"Key":"k","Val":1.5} {"name":"n","labels":{"a":"\\u003c\\u0026\\u003e","z":"1"},"note":""} {} null {"a":"x","b":2,"c":{"d":null}}',
  },
  {
    name: 'structToJSON of container ports',
    tpl: '{{ range (index .Spec.Containers 0).Ports }}{{ structToJSON . }}{{ end }} {{ structToJSON (index .Spec.Containers 0).Ports }}',
    want: '{"name":"http","containerPort":8080,"protocol":"TCP"}{"name":"dns","containerPort":53,"protocol":"UDP"}{"containerPort":9090} [{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"dns","containerPort":53,"protocol":"UDP"},{"containerPort":9090}]',
  },
  { name: 'structToJSON of NaN', tpl: '{{ structToJSON (float64 "nan") }}', want: '{}' },
  {
    name: 'indent leaves the first line alone',
    tpl: '{{ indent 4 "a\\nb\\n" }}|{{ indent 0 "a\\nb" }}|{{ indent -2 "a\\nb" }}|{{ indent 2 "" }}|',
    want: 'a\n    b\n    |a\nb|a\n  b||',
  },
  {
    name: 'directory',
    tpl: '{{ directory "/etc/certs/ca.pem" }}|{{ directory "ca.pem" }}|{{ directory "/a/" }}',
    want: '/etc/certs/||/a/',
  },
  {
    name: 'contains takes the needle first',
    tpl: '{{ contains "/" "a/b" }} {{ contains "a/b" "/" }}',
    want: 'true false',
  },
  {
    name: 'toLower and identities',
    tpl: '{{ toLower "ABC" }} {{ kubevirtInterfaces "net1" }} {{ excludeInterfaces "x" }}',
    want: 'abc net1 x',
  },
  {
    name: 'appendMultusNetwork to nothing',
    tpl: '{{ appendMultusNetwork "" "default/istio-cni" }}',
    want: 'default/istio-cni',
  },
  {
    name: 'appendMultusNetwork to a JSON list',
    tpl: '{{ appendMultusNetwork (index .ObjectMeta.Annotations "k8s.v1.cni.cncf.io/networks") "default/istio-cni" }}',
    want: '[{"name": "macvlan"}, {"name": "istio-cni", "namespace": "default"}]',
  },
  {
    name: 'appendMultusNetwork already present',
    tpl: '{{ appendMultusNetwork "[{\\"name\\": \\"istio-cni\\", \\"namespace\\": \\"default\\"}]" "default/istio-cni" }} {{ appendMultusNetwork "[{\\"name\\": \\"istio-cni\\"}]" "istio-cni" }}',
    want: '[{"name": "istio-cni", "namespace": "default"}] [{"name": "istio-cni"}]',
  },
  {
    name: 'appendMultusNetwork other namespace',
    tpl: '{{ appendMultusNetwork "[{\\"name\\":\\"x\\",\\"namespace\\":\\"y\\"}]" "x" }}',
    want: '[{"name":"x","namespace":"y"}, {"name": "x"}]',
  },
  {
    name: 'appendMultusNetwork invalid JSON is left alone',
    tpl: '{{ appendMultusNetwork "[bad]" "x" }} {{ appendMultusNetwork "[\\"a\\"]" "x" }}',
    want: '[bad] ["a"]',
  },
  {
    name: 'appendMultusNetwork comma lists',
    tpl: '{{ appendMultusNetwork "a, b" "b" }}|{{ appendMultusNetwork "a, b" "c" }}',
    want: 'a, b|a, b, c',
  },
  {
    name: 'env reads the configured map',
    tpl: '{{ env "CLUSTER" "def" }} {{ env "EMPTY" "def" }} {{ env "NOPE" "def" }}',
    want: 'east def def',
  },
  {
    name: 'env takes a default',
    tpl: '{{ env "CLUSTER" }}',
    err: 'template: t:1:3: executing "t" at <env>: wrong number of args for env: want 2 got 1',
  },
  {
    name: 'omit of map[string]string',
    tpl: '{{ omit .labels "tier" }} {{ omit .labels }} {{ omit .nilSMap "a" }}',
    want: 'map[app:web] map[app:web tier:front] map[]',
  },
  { name: 'strdict', tpl: '{{ strdict "a" "1" "b" }} {{ strdict }}', want: 'map[a:1 b:] map[]' },
  {
    name: 'strdict takes strings',
    tpl: '{{ strdict "a" 1 }}',
    err: 'template: t:1:15: executing "t" at <1>: expected string; found 1',
  },
  {
    name: 'toJsonMap',
    tpl: '{{ toJsonMap .labels (strdict "app" "x" "z" "<") }} {{ toJsonMap }}',
    want: '{"app":"x","tier":"front","z":"\\u003c"} null',
  },
  {
    name: 'mergeMaps',
    tpl: '{{ mergeMaps .labels (strdict "a" "b" "app" "y") }}',
    want: 'map[a:b app:y tier:front]',
  },
  {
    name: 'omitNil',
    tpl: '{{ omitNil .Values.global.proxy.resources }} {{ omitNil .Values.map }} {{ omitNil .Values.list }} {{ omitNil .Values.nil }} {{ omitNil .Values.emptyMap }} {{ omitNil (dict "a" .Values.nil) }} {{ omitNil .labels }}',
    want: 'map[limits:map[memory:1Gi] requests:map[cpu:100m memory:128Mi]] map[a:x b:2] [a b a 1 ] <no value> map[] <no value> map[app:web tier:front]',
  },
  {
    name: 'formatDuration',
    tpl: '{{ formatDuration .dur }} {{ formatDuration .durFrac }} {{ formatDuration .nilDur }}',
    want: '1m30s 1.5s 0s',
  },
  {
    name: 'excludeInboundPort',
    tpl: '{{ excludeInboundPort 15021 "" }} {{ excludeInboundPort "15021" "80, 443" }} {{ excludeInboundPort 80 "80,443" }} {{ excludeInboundPort 0 "1" }} {{ excludeInboundPort .Values.global.proxy.statusPort "1,,2" }} {{ excludeInboundPort .Values.million "" }} {{ excludeInboundPort "" "x" }} {{ excludeInboundPort " 80 " "443" }}',
    want: '15021 80,443,15021 80,443 1 1,2,15020 1e+06 x 443,80',
  },
  {
    name: 'excludeInboundPort as the sidecar template calls it',
    tpl: '{{ excludeInboundPort (annotation .ObjectMeta "status.sidecar.istio.io/port" .Values.global.proxy.statusPort) (annotation .ObjectMeta "traffic.sidecar.istio.io/excludeInboundPorts" .Values.global.proxy.excludeInboundPorts) }}',
    want: '15021',
  },
  {
    name: 'includeInboundPorts and applicationPorts',
    tpl: '{{ includeInboundPorts .Spec.Containers }} {{ applicationPorts .Spec.Containers }} {{ includeInboundPorts .Values.missing }}|',
    want: '8080,9090,15090 8080,9090 |',
  },
  {
    name: 'includeInboundPorts rejects a nil interface',
    tpl: '{{ includeInboundPorts .Values.nil }}',
    err: 'template: t:1:3: executing "t" at <includeInboundPorts .Values.nil>: error calling includeInboundPorts: wrong type for value; expected []v1.Container; got interface {}',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:30: executing "t" at <.Values.nil>: wrong type for value; expected []v1.Container; got interface {}',
  },
  {
    name: 'includeInboundPorts rejects a string',
    tpl: '{{ includeInboundPorts .Values.str }}',
    err: 'template: t:1:3: executing "t" at <includeInboundPorts .Values.str>: error calling includeInboundPorts: wrong type for value; expected []v1.Container; got string',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:30: executing "t" at <.Values.str>: wrong type for value; expected []v1.Container; got string',
  },
  {
    name: 'isset rejects a map[string]interface{}',
    tpl: '{{ isset .Values.map "a" }}',
    err: 'template: t:1:3: executing "t" at <isset .Values.map "a">: error calling isset: wrong type for value; expected map[string]string; got map[string]interface {}',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:16: executing "t" at <.Values.map>: wrong type for value; expected map[string]string; got map[string]interface {}',
  },
  {
    name: 'toJSON rejects a map[string]interface{} with non-string values',
    tpl: '{{ toJSON .Values.map }}',
    err: 'template: t:1:3: executing "t" at <toJSON .Values.map>: error calling toJSON: wrong type for value; expected map[string]string; got map[string]interface {}',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:17: executing "t" at <.Values.map>: wrong type for value; expected map[string]string; got map[string]interface {}',
  },
  {
    name: 'annotation needs ObjectMeta',
    tpl: '{{ annotation .labels "a" "b" }}',
    err: 'template: t:1:3: executing "t" at <annotation .labels "a" "b">: error calling annotation: wrong type for value; expected v1.ObjectMeta; got map[string]string',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:14: executing "t" at <.labels>: wrong type for value; expected v1.ObjectMeta; got map[string]string',
  },
];
