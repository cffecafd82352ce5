// The data Istio's injection templates execute against: the `SidecarTemplateData` struct of
// pkg/kube/inject, with the pod and configs presented under Go names (see kube.ts and proto.ts).
//
// Everything here is lazy: the struct holds views, and a view converts a JSON field only when a template
// reads it, so building the data for a pod costs a handful of allocations whatever the pod's size.
import { goStruct } from '../../template/index.ts';
import { isJsonObject, type JsonObject } from '../types.ts';
import { EMPTY_OBJECT } from './go.ts';
import { kubeView } from './kube.ts';
import { meshConfigView, proxyConfigView } from './proto.ts';

/** What `templateData` needs; every field is what Istio computes before rendering. */
export interface TemplateDataInput {
  /** The pod as the templates see it: already stripped of a previous injection (`metadata` and `spec` used). */
  readonly pod: JsonObject;
  /** `.TypeMeta`: kind and apiVersion of the workload (kube-inject) or of the pod's derived owner (webhook). */
  readonly typeMeta: { readonly kind: string; readonly apiVersion: string };
  /** `.DeploymentMeta`: the workload's name and namespace (the namespace may be "" in kube-inject). */
  readonly deploymentMeta: { readonly name: string; readonly namespace: string };
  /** `.Values`: the injector values JSON, addressed by JSON keys; shared, never written to. */
  readonly values: JsonObject;
  /** `.MeshConfig`: the mesh config JSON (proto JSON names), Istio defaults already applied. */
  readonly mesh: JsonObject;
  /** `.ProxyConfig`: the effective ProxyConfig JSON (mesh defaultConfig with the pod's annotation applied). */
  readonly proxyConfig: JsonObject;
  /** `.Revision`: "" for the default revision in kube-inject, e.g. `default` or `canary` from the webhook. */
  readonly revision: string;
  readonly proxyImage: string;
  readonly proxyInitImage: string;
  /** `.ProxyUID` / `.ProxyGID`; 1337 when absent. */
  readonly proxyUID?: bigint;
  readonly proxyGID?: bigint;
  readonly nativeSidecars: boolean;
  /** `.InboundTrafficPolicyMode`: `localhost` or `passthrough` (see images.ts). */
  readonly inboundTrafficPolicyMode: string;
  /** `.CompliancePolicy`: istiod's COMPLIANCE_POLICY, "" when unset. */
  readonly compliancePolicy?: string;
}

const DEFAULT_PROXY_ID = 1337n;

/** metav1.TypeMeta. */
class TypeMeta {
  readonly Kind: string;
  readonly APIVersion: string;

  constructor(kind: string, apiVersion: string) {
    this.Kind = kind;
    this.APIVersion = apiVersion;
  }
}
goStruct('v1.TypeMeta', TypeMeta.prototype);

/** types.NamespacedName: prints as `namespace/name`. */
class NamespacedName {
  readonly Namespace: string;
  readonly Name: string;

  constructor(namespace: string, name: string) {
    this.Namespace = namespace;
    this.Name = name;
  }

  String(): string {
    return `${this.Namespace}/${this.Name}`;
  }
}
goStruct('types.NamespacedName', NamespacedName.prototype);

/** inject.SidecarTemplateData; fields in Go's declaration order so `{{ . }}` prints them in that order. */
class SidecarTemplateData {
  readonly TypeMeta: TypeMeta;
  readonly DeploymentMeta: NamespacedName;
  readonly ObjectMeta: object;
  readonly Spec: object;
  readonly ProxyConfig: object;
  readonly MeshConfig: object;
  readonly Values: JsonObject;
  readonly Revision: string;
  readonly NativeSidecars: boolean;
  readonly ProxyImage: string;
  readonly ProxyInitImage: string;
  readonly InboundTrafficPolicyMode: string;
  readonly CompliancePolicy: string;
  readonly ProxyUID: bigint;
  readonly ProxyGID: bigint;

  constructor(input: TemplateDataInput) {
    const metadata = input.pod.metadata;
    const spec = input.pod.spec;
    this.TypeMeta = new TypeMeta(input.typeMeta.kind, input.typeMeta.apiVersion);
    this.DeploymentMeta = new NamespacedName(input.deploymentMeta.namespace, input.deploymentMeta.name);
    this.ObjectMeta = kubeView('ObjectMeta', isJsonObject(metadata) ? metadata : EMPTY_OBJECT);
    this.Spec = kubeView('PodSpec', isJsonObject(spec) ? spec : EMPTY_OBJECT);
    this.ProxyConfig = proxyConfigView(input.proxyConfig);
    this.MeshConfig = meshConfigView(input.mesh);
    this.Values = input.values;
    this.Revision = input.revision;
    this.NativeSidecars = input.nativeSidecars;
    this.ProxyImage = input.proxyImage;
    this.ProxyInitImage = input.proxyInitImage;
    this.InboundTrafficPolicyMode = input.inboundTrafficPolicyMode;
    this.CompliancePolicy = input.compliancePolicy ?? '';
    this.ProxyUID = input.proxyUID ?? DEFAULT_PROXY_ID;
    this.ProxyGID = input.proxyGID ?? DEFAULT_PROXY_ID;
  }
}
goStruct('inject.SidecarTemplateData', SidecarTemplateData.prototype);

/** The value to execute an injection template with (`template.execute(templateData(input))`). */
export function templateData(input: TemplateDataInput): object {
  return new SidecarTemplateData(input);
}
