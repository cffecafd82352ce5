// Kubernetes views, exercised through the template engine the way Istio's templates address pods.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goStruct, parse, TemplateError } from '../../../../src/template/index.ts';
import type { JsonObject } from '../../../../src/inject/types.ts';
import { jsonOf } from '../../../../src/inject/view/go.ts';
import { kubeGoJSON, kubeType, kubeTypeNames, kubeView } from '../../../../src/inject/view/kube.ts';

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

const spec: JsonObject = {
  serviceAccountName: 'reviews',
  serviceAccount: 'old-name',
  dnsPolicy: 'ClusterFirst',
  hostNetwork: false,
  terminationGracePeriodSeconds: 30,
  nodeSelector: { zone: 'a' },
  imagePullSecrets: [{ name: 'pull' }],
  securityContext: { fsGroup: 2000, runAsUser: 1000, seLinuxOptions: { level: 's0' } },
  containers: [
    {
      name: 'app',
      image: 'nginx:1.27',
      args: ['--port', '8080'],
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { containerPort: 9090, protocol: 'UDP', hostIP: '10.0.0.1', hostPort: 19090 },
      ],
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }],
      resources: { limits: { cpu: '1000m', memory: '1Gi' }, requests: { cpu: '100m' } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 'http' } },
      startupProbe: { grpc: { port: 9000 } },
      securityContext: { privileged: false, runAsUser: 1337, capabilities: { drop: ['ALL'] } },
      tty: true,
    },
    { name: 'sidecar', image: 'busybox' },
  ],
  volumes: [
    { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
    { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'a', path: 'a.txt' }] } },
    { name: 'nfs', nfs: { server: 'nfs.local', path: '/export' } },
    { name: 'ceph', cephfs: { monitors: ['m1'] } },
    { name: 'rbd', rbd: { monitors: ['m'], image: 'img', pool: 'p', user: 'u' } },
  ],
};

const meta: JsonObject = {
  name: 'reviews-v1-abc',
  namespace: 'bookinfo',
  uid: '1234',
  labels: { app: 'reviews', version: 'v1' },
  annotations: { 'sidecar.istio.io/inject': 'true' },
  ownerReferences: [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'reviews-v1', uid: 'rs', controller: true },
  ],
};

// A struct, as the real template data is, so values keep their Go static types in error messages.
const data = goStruct('test.Data', {
  Spec: kubeView('PodSpec', spec),
  ObjectMeta: kubeView('ObjectMeta', meta),
});

describe('Kubernetes views: Go field names', () => {
  it('presents JSON fields under their capitalised Go names', () => {
    assert.equal(
      render('{{ .Spec.ServiceAccountName }} {{ .ObjectMeta.Name }}', data),
      'reviews reviews-v1-abc',
    );
  });

  it('uses the initialisms of types.go', () => {
    assert.equal(
      render(
        '{{ .ObjectMeta.UID }} {{ (index .ObjectMeta.OwnerReferences 0).APIVersion }} {{ .Spec.DNSPolicy }} ' +
          '{{ .Spec.SecurityContext.FSGroup }} {{ .Spec.SecurityContext.SELinuxOptions.Level }}',
        data,
      ),
      '1234 apps/v1 ClusterFirst 2000 s0',
    );
  });

  it('names probe handlers HTTPGet, TCPSocket and GRPC', () => {
    const text =
      '{{ $c := index .Spec.Containers 0 }}{{ $c.ReadinessProbe.HTTPGet.Path }} {{ $c.LivenessProbe.TCPSocket.Port }} ' +
      '{{ $c.StartupProbe.GRPC.Port }} {{ $c.TTY }}';
    assert.equal(render(text, data), '/ready http 9000 true');
  });

  it('uses the Go names that differ from the JSON names (serviceAccount, RBD, Glusterfs)', () => {
    const text =
      '{{ .Spec.DeprecatedServiceAccount }} {{ (index .Spec.Volumes 4).RBD.RBDImage }} ' +
      '{{ (index .Spec.Volumes 4).RBD.CephMonitors }} {{ (index .Spec.Volumes 4).RBD.RadosUser }}';
    assert.equal(render(text, data), 'old-name img [m] u');
    const gluster = kubeView('Volume', { name: 'g', glusterfs: { endpoints: 'ep', path: '/p' } });
    assert.equal(render('{{ .Glusterfs.EndpointsName }}', gluster), 'ep');
  });

  it('names volume sources NFS and CephFS', () => {
    const text = '{{ (index .Spec.Volumes 2).NFS.Server }} {{ (index .Spec.Volumes 3).CephFS.Monitors }}';
    assert.equal(render(text, data), 'nfs.local [m1]');
  });

  it('fails on a field the Go type does not have, with Go’s message', () => {
    assert.equal(
      renderError('{{ .Spec.serviceAccountName }}', data),
      'template: t:1:8: executing "t" at <.Spec.serviceAccountName>: can\'t evaluate field serviceAccountName in type v1.PodSpec',
    );
    assert.match(
      renderError('{{ .ObjectMeta.Labelz }}', data),
      /can't evaluate field Labelz in type v1\.ObjectMeta$/,
    );
  });

  it('reports the pointer type for an unknown field of a pointer struct', () => {
    assert.match(
      renderError('{{ (index .Spec.Containers 0).SecurityContext.Foo }}', data),
      /can't evaluate field Foo in type \*v1\.SecurityContext$/,
    );
  });

  it('knows every Go type it names and compiles each against client-node', () => {
    for (const name of kubeTypeNames()) {
      const type = kubeType(name);
      assert.equal(type.goName, `v1.${name}`);
      for (const field of type.fields) {
        if (field.struct !== '')
          assert.ok(kubeTypeNames().includes(field.struct), `${name}.${field.go} -> ${field.struct}`);
      }
    }
  });
});

describe('Kubernetes views: zero values and nil pointers', () => {
  const empty = goStruct('test.Data', {
    Spec: kubeView('PodSpec', {}),
    ObjectMeta: kubeView('ObjectMeta', {}),
  });

  it('gives "" for absent strings, 0 for ints and false for bools', () => {
    assert.equal(
      render('[{{ .Spec.ServiceAccountName }}] {{ .ObjectMeta.Generation }} {{ .Spec.HostNetwork }}', empty),
      '[] 0 false',
    );
  });

  it('gives an empty slice for an absent list: prints [] and ranges zero times', () => {
    assert.equal(
      render('{{ .Spec.Containers }}{{ range .Spec.Volumes }}x{{ else }} none{{ end }}', empty),
      '[] none',
    );
    assert.equal(render('{{ len .Spec.InitContainers }}', empty), '0');
  });

  it('gives an empty map[string]string for absent labels: index and missing keys give ""', () => {
    assert.equal(render('{{ .ObjectMeta.Labels }}[{{ index .ObjectMeta.Labels "app" }}]', empty), 'map[][]');
    assert.equal(render('[{{ index .ObjectMeta.Labels "missing" }}]', data), '[]');
    assert.equal(render('{{ if .ObjectMeta.Annotations }}set{{ else }}unset{{ end }}', empty), 'unset');
  });

  it('gives a nil pointer for an absent pointer field: falsy and printed <nil>', () => {
    const text =
      '{{ $c := index .Spec.Containers 1 }}{{ $c.SecurityContext }} {{ if $c.ReadinessProbe }}y{{ else }}n{{ end }}';
    assert.equal(render(text, data), '<nil> n');
  });

  it('fails field access through a nil pointer as Go does', () => {
    assert.equal(
      renderError('{{ $c := index .Spec.Containers 1 }}{{ $c.SecurityContext.RunAsUser }}', data),
      'template: t:1:41: executing "t" at <$c.SecurityContext.RunAsUser>: nil pointer evaluating *v1.SecurityContext.RunAsUser',
    );
  });

  it('gives nil pointers for absent *bool and *int64 fields and the value when set', () => {
    assert.equal(
      render('{{ .Spec.AutomountServiceAccountToken }} {{ .Spec.ShareProcessNamespace }}', data),
      '<nil> <nil>',
    );
    assert.equal(render('{{ .Spec.TerminationGracePeriodSeconds }}', data), '30');
    assert.equal(render('{{ (index .Spec.Containers 0).SecurityContext.Privileged }}', data), 'false');
  });

  it('keeps value structs non-nil: resources and metadata are always there', () => {
    const text =
      '{{ $c := index .Spec.Containers 1 }}{{ if $c.Resources }}struct{{ end }} {{ $c.Resources.Limits }}';
    assert.equal(render(text, data), 'struct map[]');
  });

  it('treats a JSON null like an absent field', () => {
    const view = kubeView('PodSpec', { serviceAccountName: null, containers: null, securityContext: null });
    assert.equal(
      render('[{{ .ServiceAccountName }}] {{ .Containers }} {{ .SecurityContext }}', view),
      '[] [] <nil>',
    );
  });
});

describe('Kubernetes views: values', () => {
  it('presents int32 and int64 fields as Go ints', () => {
    assert.equal(
      render(
        '{{ printf "%T %T" .Spec.SecurityContext.FSGroup (index (index .Spec.Containers 0).Ports 0).ContainerPort }}',
        data,
      ),
      'int int',
    );
    assert.equal(render('{{ (index (index .Spec.Containers 0).Ports 0).ContainerPort }}', data), '8080');
  });

  it('ranges over containers and their ports', () => {
    const text =
      '{{ range $i, $c := .Spec.Containers }}{{ $i }}:{{ $c.Name }}{{ range $c.Ports }}[{{ .Name }} {{ .ContainerPort }}/{{ .Protocol }}]{{ end }} {{ end }}';
    assert.equal(render(text, data), '0:app[http 8080/TCP][ 9090/UDP] 1:sidecar ');
  });

  it('compares int fields with template integer constants', () => {
    assert.equal(
      render('{{ if eq (index (index .Spec.Containers 0).Ports 0).ContainerPort 8080 }}yes{{ end }}', data),
      'yes',
    );
  });

  it('promotes fields of embedded structs and keeps the embedded struct addressable', () => {
    const text =
      '{{ $p := (index .Spec.Containers 0).ReadinessProbe }}{{ $p.HTTPGet.Path }} {{ $p.ProbeHandler.HTTPGet.Path }} {{ $p.PeriodSeconds }}';
    assert.equal(render(text, data), '/ready /ready 5');
    const volume =
      '{{ $v := index .Spec.Volumes 1 }}{{ $v.ConfigMap.Name }} {{ $v.ConfigMap.LocalObjectReference.Name }} {{ $v.VolumeSource.ConfigMap.Name }}';
    assert.equal(render(volume, data), 'app-config app-config app-config');
  });

  it('promotes ObjectMeta and TypeMeta fields on a Pod', () => {
    const pod = kubeView('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} });
    assert.equal(
      render('{{ .Kind }} {{ .APIVersion }} {{ .Name }} {{ .ObjectMeta.Name }} {{ .TypeMeta.Kind }}', pod),
      'Pod v1 p p Pod',
    );
  });

  it('prints an IntOrString port as its number or name', () => {
    const text =
      '{{ $c := index .Spec.Containers 0 }}{{ $c.ReadinessProbe.HTTPGet.Port }} {{ $c.LivenessProbe.TCPSocket.Port }} {{ $c.ReadinessProbe.HTTPGet.Port.IntVal }}';
    assert.equal(render(text, data), '8080 http 8080');
  });

  it('presents resource quantities as their text', () => {
    const text =
      '{{ $r := (index .Spec.Containers 0).Resources }}{{ $r.Limits.cpu }} {{ index $r.Requests "cpu" }} [{{ index $r.Requests "memory" }}] {{ (index .Spec.Volumes 0).EmptyDir.SizeLimit }}';
    assert.equal(render(text, data), '1000m 100m [] 1Gi');
  });

  it('presents nested env sources and label selectors', () => {
    const text =
      '{{ $e := index (index .Spec.Containers 0).Env 0 }}{{ $e.ValueFrom.ConfigMapKeyRef.Name }}/{{ $e.ValueFrom.ConfigMapKeyRef.Key }}';
    assert.equal(render(text, data), 'cm/k');
  });

  it('returns the same nested view on every access', () => {
    const view = kubeView('PodSpec', spec) as Record<string, unknown>;
    assert.equal(view.Containers, view.Containers);
    const containers = view.Containers as Record<string, unknown>[];
    assert.equal(containers[0]!.SecurityContext, containers[0]!.SecurityContext);
  });

  it('never writes to the JSON it presents', () => {
    const json = structuredClone(spec);
    const frozen = deepFreeze(json);
    const view = kubeView('PodSpec', frozen);
    const text =
      '{{ range .Containers }}{{ .Name }}{{ .Resources.Limits }}{{ .Ports }}{{ .SecurityContext }}{{ end }}{{ .NodeSelector }}{{ .Volumes }}';
    assert.ok(render(text, view).length > 0);
    assert.deepEqual(frozen, spec);
    assert.equal(jsonOf(view), frozen);
  });

  it('rejects an unknown type name', () => {
    assert.throws(() => kubeView('NoSuchType', {}), /no Kubernetes type NoSuchType/);
  });
});

describe('Kubernetes views: toJSON (encoding/json)', () => {
  it('writes a ContainerPort in Go field order with omitempty', () => {
    const port = kubeView('ContainerPort', { protocol: 'TCP', containerPort: 8080, name: 'http' });
    assert.equal(JSON.stringify(port), '{"name":"http","containerPort":8080,"protocol":"TCP"}');
    const full = kubeView('ContainerPort', {
      hostIP: '1.2.3.4',
      protocol: 'UDP',
      hostPort: 53,
      containerPort: 53,
      name: 'dns',
    });
    assert.equal(
      JSON.stringify(full),
      '{"name":"dns","hostPort":53,"containerPort":53,"protocol":"UDP","hostIP":"1.2.3.4"}',
    );
  });

  it('writes containerPort even when zero (no omitempty)', () => {
    assert.equal(JSON.stringify(kubeView('ContainerPort', {})), '{"containerPort":0}');
  });

  it('serialises views reached from a template the same way', () => {
    const ports = ((data.Spec as Record<string, unknown>).Containers as Record<string, unknown>[])[0]!
      .Ports as unknown[];
    assert.equal(
      JSON.stringify(ports[1]),
      '{"hostPort":19090,"containerPort":9090,"protocol":"UDP","hostIP":"10.0.0.1"}',
    );
  });

  it('writes a container in Go order, always with resources, and canonical quantities', () => {
    const json = kubeGoJSON('Container', {
      securityContext: { runAsUser: 0 },
      name: 'c',
      resources: { limits: { memory: '1024Mi', cpu: '2000m' } },
      image: 'img',
    });
    assert.deepEqual(Object.keys(json), ['name', 'image', 'resources', 'securityContext']);
    assert.deepEqual(json.resources, { limits: { cpu: '2', memory: '1Gi' } });
    assert.deepEqual(json.securityContext, { runAsUser: 0 }, 'a set pointer to zero is kept');
    assert.equal(JSON.stringify(kubeGoJSON('Container', { name: 'c' })), '{"name":"c","resources":{}}');
  });

  it('inlines embedded structs and writes nil fields without omitempty as null', () => {
    assert.equal(
      JSON.stringify(kubeView('Probe', { periodSeconds: 3, httpGet: { port: 'http' } })),
      '{"httpGet":{"port":"http"},"periodSeconds":3}',
    );
    assert.equal(JSON.stringify(kubeView('GRPCAction', { port: 1 })), '{"port":1,"service":null}');
    assert.equal(JSON.stringify(kubeView('PodSpec', {})), '{"containers":null}');
    assert.equal(
      JSON.stringify(kubeView('ObjectMeta', { name: 'x' })),
      '{"name":"x","creationTimestamp":null}',
    );
  });

  it('sorts map keys as encoding/json does and drops fields the Go type does not have', () => {
    const json = kubeGoJSON('ObjectMeta', { labels: { b: '2', a: '1' }, unknownField: 1, name: 'n' });
    assert.equal(JSON.stringify(json), '{"name":"n","creationTimestamp":null,"labels":{"a":"1","b":"2"}}');
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
