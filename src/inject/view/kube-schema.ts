// The Go shape of every Kubernetes type a Pod reaches (k8s.io/api/core/v1 and the metav1 types it uses),
// derived from types.go: what the client-node model metadata cannot tell.
//
// client-node's models give JSON names and types, but list fields alphabetically, flatten embedded structs
// and say nothing about Go. This table adds, per Go type, the fields in Go declaration order (encoding/json
// writes them in that order) and one token per field:
//
//   jsonName        a value field with `omitempty`
//   *jsonName       a pointer field (*T, *string, *bool, *int64...): absent means nil
//   jsonName!       no `omitempty`: encoding/json writes the zero value (or null for nil)
//   jsonName=Go     the Go name, when the rule (capitalise, plus GO_INITIALISMS) does not give it
//   %jsonName       a resource.Quantity (or a map of them), presented as its text
//   ^jsonName=Type  an embedded struct stored under jsonName (its fields are promoted)
//   +Type           an embedded struct inlined into this JSON object (its fields are promoted)
//
// `model` names the client-node class whose attribute map holds the JSON types of the fields (for an
// inlined struct, the class it is flattened into). Newer fields whose place in types.go was not checked
// against source (marked in comments) are appended where the upstream diff put them, best known.

export interface KubeTypeSpec {
  readonly model: string;
  readonly fields: string;
}

/** JSON names whose Go name is not the capitalised JSON name, wherever they occur. */
export const GO_INITIALISMS: Readonly<Record<string, string>> = {
  apiGroup: 'APIGroup',
  apiVersion: 'APIVersion',
  awsElasticBlockStore: 'AWSElasticBlockStore',
  cephfs: 'CephFS',
  chapAuthDiscovery: 'DiscoveryCHAPAuth',
  chapAuthSession: 'SessionCHAPAuth',
  containerID: 'ContainerID',
  csi: 'CSI',
  datasetUUID: 'DatasetUUID',
  diskURI: 'DataDiskURI',
  dnsConfig: 'DNSConfig',
  dnsPolicy: 'DNSPolicy',
  downwardAPI: 'DownwardAPI',
  fc: 'FC',
  fieldsV1: 'FieldsV1',
  fsGroup: 'FSGroup',
  fsGroupChangePolicy: 'FSGroupChangePolicy',
  fsType: 'FSType',
  gcePersistentDisk: 'GCEPersistentDisk',
  gid: 'GID',
  gmsaCredentialSpec: 'GMSACredentialSpec',
  gmsaCredentialSpecName: 'GMSACredentialSpecName',
  grpc: 'GRPC',
  hostIP: 'HostIP',
  hostIPC: 'HostIPC',
  hostIPs: 'HostIPs',
  hostPID: 'HostPID',
  httpGet: 'HTTPGet',
  httpHeaders: 'HTTPHeaders',
  imageID: 'ImageID',
  ip: 'IP',
  iqn: 'IQN',
  iscsi: 'ISCSI',
  iscsiInterface: 'ISCSIInterface',
  lastState: 'LastTerminationState',
  nfs: 'NFS',
  os: 'OS',
  pdID: 'PdID',
  pdName: 'PDName',
  podIP: 'PodIP',
  podIPs: 'PodIPs',
  qosClass: 'QOSClass',
  rbd: 'RBD',
  resourceID: 'ResourceID',
  scaleIO: 'ScaleIO',
  seLinuxChangePolicy: 'SELinuxChangePolicy',
  seLinuxOptions: 'SELinuxOptions',
  serviceAccount: 'DeprecatedServiceAccount',
  setHostnameAsFQDN: 'SetHostnameAsFQDN',
  sslEnabled: 'SSLEnabled',
  storagePolicyID: 'StoragePolicyID',
  storageos: 'StorageOS',
  targetWWNs: 'TargetWWNs',
  tcpSocket: 'TCPSocket',
  tty: 'TTY',
  uid: 'UID',
  volumeID: 'VolumeID',
  wwids: 'WWIDs',
};

const CONTAINER_FIELDS =
  'name! image command args workingDir ports envFrom env resources resizePolicy *restartPolicy ' +
  // restartPolicyRules: 1.34, after restartPolicy.
  'restartPolicyRules volumeMounts volumeDevices *livenessProbe *readinessProbe *startupProbe *lifecycle ' +
  'terminationMessagePath terminationMessagePolicy imagePullPolicy *securityContext stdin stdinOnce tty';

export const KUBE_TYPES: Readonly<Record<string, KubeTypeSpec>> = {
  // --- metav1 ---
  TypeMeta: { model: 'V1Pod', fields: 'kind apiVersion' },
  ObjectMeta: {
    model: 'V1ObjectMeta',
    fields:
      'name generateName namespace selfLink uid resourceVersion generation creationTimestamp ' +
      '*deletionTimestamp *deletionGracePeriodSeconds labels annotations ownerReferences finalizers managedFields',
  },
  OwnerReference: {
    model: 'V1OwnerReference',
    fields: 'apiVersion! kind! name! uid! *controller *blockOwnerDeletion',
  },
  ManagedFieldsEntry: {
    model: 'V1ManagedFieldsEntry',
    fields: 'manager operation apiVersion *time fieldsType *fieldsV1 subresource',
  },
  LabelSelector: { model: 'V1LabelSelector', fields: 'matchLabels matchExpressions' },
  LabelSelectorRequirement: { model: 'V1LabelSelectorRequirement', fields: 'key! operator! values' },

  // --- the pod ---
  Pod: { model: 'V1Pod', fields: '+TypeMeta ^metadata=ObjectMeta spec status' },
  PodSpec: {
    model: 'V1PodSpec',
    fields:
      'volumes initContainers containers! ephemeralContainers restartPolicy *terminationGracePeriodSeconds ' +
      '*activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount ' +
      '*automountServiceAccountToken nodeName hostNetwork hostPID hostIPC *shareProcessNamespace ' +
      '*securityContext imagePullSecrets hostname subdomain *affinity schedulerName tolerations hostAliases ' +
      'priorityClassName *priority *dnsConfig readinessGates *runtimeClassName *enableServiceLinks ' +
      '*preemptionPolicy %overhead topologySpreadConstraints *setHostnameAsFQDN *os *hostUsers schedulingGates ' +
      // resources (1.32), hostnameOverride (1.34) and schedulingGroup (1.36) close the struct.
      'resourceClaims *resources *hostnameOverride *schedulingGroup',
  },
  Affinity: { model: 'V1Affinity', fields: '*nodeAffinity *podAffinity *podAntiAffinity' },
  NodeAffinity: {
    model: 'V1NodeAffinity',
    fields: '*requiredDuringSchedulingIgnoredDuringExecution preferredDuringSchedulingIgnoredDuringExecution',
  },
  NodeSelector: { model: 'V1NodeSelector', fields: 'nodeSelectorTerms!' },
  NodeSelectorTerm: { model: 'V1NodeSelectorTerm', fields: 'matchExpressions matchFields' },
  NodeSelectorRequirement: { model: 'V1NodeSelectorRequirement', fields: 'key! operator! values' },
  PreferredSchedulingTerm: { model: 'V1PreferredSchedulingTerm', fields: 'weight! preference!' },
  PodAffinity: {
    model: 'V1PodAffinity',
    fields: 'requiredDuringSchedulingIgnoredDuringExecution preferredDuringSchedulingIgnoredDuringExecution',
  },
  PodAntiAffinity: {
    model: 'V1PodAntiAffinity',
    fields: 'requiredDuringSchedulingIgnoredDuringExecution preferredDuringSchedulingIgnoredDuringExecution',
  },
  PodAffinityTerm: {
    model: 'V1PodAffinityTerm',
    fields: '*labelSelector namespaces topologyKey! *namespaceSelector matchLabelKeys mismatchLabelKeys',
  },
  WeightedPodAffinityTerm: { model: 'V1WeightedPodAffinityTerm', fields: 'weight! podAffinityTerm!' },
  Toleration: { model: 'V1Toleration', fields: 'key operator value effect *tolerationSeconds' },
  TopologySpreadConstraint: {
    model: 'V1TopologySpreadConstraint',
    fields:
      'maxSkew! topologyKey! whenUnsatisfiable! *labelSelector *minDomains *nodeAffinityPolicy ' +
      '*nodeTaintsPolicy matchLabelKeys',
  },
  HostAlias: { model: 'V1HostAlias', fields: 'ip hostnames' },
  LocalObjectReference: { model: 'V1LocalObjectReference', fields: 'name' },
  PodDNSConfig: { model: 'V1PodDNSConfig', fields: 'nameservers searches options' },
  PodDNSConfigOption: { model: 'V1PodDNSConfigOption', fields: 'name *value' },
  PodOS: { model: 'V1PodOS', fields: 'name!' },
  PodReadinessGate: { model: 'V1PodReadinessGate', fields: 'conditionType!' },
  PodResourceClaim: {
    model: 'V1PodResourceClaim',
    fields: 'name! *resourceClaimName *resourceClaimTemplateName',
  },
  PodSchedulingGate: { model: 'V1PodSchedulingGate', fields: 'name!' },
  PodSchedulingGroup: { model: 'V1PodSchedulingGroup', fields: '*podGroupName' },
  PodSecurityContext: {
    model: 'V1PodSecurityContext',
    fields:
      '*seLinuxOptions *windowsOptions *runAsUser *runAsGroup *runAsNonRoot supplementalGroups ' +
      '*supplementalGroupsPolicy *fsGroup sysctls *fsGroupChangePolicy *seccompProfile *appArmorProfile ' +
      '*seLinuxChangePolicy',
  },
  Sysctl: { model: 'V1Sysctl', fields: 'name! value!' },

  // --- containers ---
  Container: { model: 'V1Container', fields: CONTAINER_FIELDS },
  EphemeralContainer: {
    model: 'V1EphemeralContainer',
    fields: '+EphemeralContainerCommon targetContainerName',
  },
  EphemeralContainerCommon: { model: 'V1EphemeralContainer', fields: CONTAINER_FIELDS },
  ContainerPort: { model: 'V1ContainerPort', fields: 'name hostPort containerPort! protocol hostIP' },
  EnvVar: { model: 'V1EnvVar', fields: 'name! value *valueFrom' },
  EnvVarSource: {
    model: 'V1EnvVarSource',
    fields: '*fieldRef *resourceFieldRef *configMapKeyRef *secretKeyRef *fileKeyRef',
  },
  ObjectFieldSelector: { model: 'V1ObjectFieldSelector', fields: 'apiVersion fieldPath!' },
  ResourceFieldSelector: { model: 'V1ResourceFieldSelector', fields: 'containerName resource! %divisor' },
  ConfigMapKeySelector: { model: 'V1ConfigMapKeySelector', fields: '+LocalObjectReference key! *optional' },
  SecretKeySelector: { model: 'V1SecretKeySelector', fields: '+LocalObjectReference key! *optional' },
  FileKeySelector: { model: 'V1FileKeySelector', fields: 'volumeName! path! key! *optional' },
  EnvFromSource: { model: 'V1EnvFromSource', fields: 'prefix *configMapRef *secretRef' },
  ConfigMapEnvSource: { model: 'V1ConfigMapEnvSource', fields: '+LocalObjectReference *optional' },
  SecretEnvSource: { model: 'V1SecretEnvSource', fields: '+LocalObjectReference *optional' },
  ResourceRequirements: { model: 'V1ResourceRequirements', fields: '%limits %requests claims' },
  ResourceClaim: { model: 'CoreV1ResourceClaim', fields: 'name! request' },
  ContainerResizePolicy: { model: 'V1ContainerResizePolicy', fields: 'resourceName! restartPolicy!' },
  ContainerRestartRule: { model: 'V1ContainerRestartRule', fields: 'action! *exitCodes' },
  ContainerRestartRuleOnExitCodes: { model: 'V1ContainerRestartRuleOnExitCodes', fields: 'operator! values' },
  VolumeMount: {
    model: 'V1VolumeMount',
    fields: 'name! readOnly *recursiveReadOnly mountPath! subPath *mountPropagation subPathExpr',
  },
  VolumeDevice: { model: 'V1VolumeDevice', fields: 'name! devicePath!' },
  Probe: {
    model: 'V1Probe',
    fields:
      '+ProbeHandler initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold ' +
      '*terminationGracePeriodSeconds',
  },
  ProbeHandler: { model: 'V1Probe', fields: '*exec *httpGet *tcpSocket *grpc' },
  Lifecycle: { model: 'V1Lifecycle', fields: '*postStart *preStop *stopSignal' },
  LifecycleHandler: { model: 'V1LifecycleHandler', fields: '*exec *httpGet *tcpSocket *sleep' },
  ExecAction: { model: 'V1ExecAction', fields: 'command' },
  HTTPGetAction: { model: 'V1HTTPGetAction', fields: 'path port! host scheme httpHeaders' },
  HTTPHeader: { model: 'V1HTTPHeader', fields: 'name! value!' },
  TCPSocketAction: { model: 'V1TCPSocketAction', fields: 'port! host' },
  GRPCAction: { model: 'V1GRPCAction', fields: 'port! *service!' },
  SleepAction: { model: 'V1SleepAction', fields: 'seconds!' },
  SecurityContext: {
    model: 'V1SecurityContext',
    fields:
      '*capabilities *privileged *seLinuxOptions *windowsOptions *runAsUser *runAsGroup *runAsNonRoot ' +
      '*readOnlyRootFilesystem *allowPrivilegeEscalation *procMount *seccompProfile *appArmorProfile',
  },
  Capabilities: { model: 'V1Capabilities', fields: 'add drop' },
  SELinuxOptions: { model: 'V1SELinuxOptions', fields: 'user role type level' },
  SeccompProfile: { model: 'V1SeccompProfile', fields: 'type! *localhostProfile' },
  AppArmorProfile: { model: 'V1AppArmorProfile', fields: 'type! *localhostProfile' },
  WindowsSecurityContextOptions: {
    model: 'V1WindowsSecurityContextOptions',
    fields: '*gmsaCredentialSpecName *gmsaCredentialSpec *runAsUserName *hostProcess',
  },

  // --- volumes ---
  Volume: { model: 'V1Volume', fields: 'name! +VolumeSource' },
  VolumeSource: {
    model: 'V1Volume',
    fields:
      '*hostPath *emptyDir *gcePersistentDisk *awsElasticBlockStore *gitRepo *secret *nfs *iscsi *glusterfs ' +
      '*persistentVolumeClaim *rbd *flexVolume *cinder *cephfs *flocker *downwardAPI *fc *azureFile *configMap ' +
      '*vsphereVolume *quobyte *azureDisk *photonPersistentDisk *projected *portworxVolume *scaleIO *storageos ' +
      '*csi *ephemeral *image',
  },
  AWSElasticBlockStoreVolumeSource: {
    model: 'V1AWSElasticBlockStoreVolumeSource',
    fields: 'volumeID! fsType partition readOnly',
  },
  AzureDiskVolumeSource: {
    model: 'V1AzureDiskVolumeSource',
    fields: 'diskName! diskURI! *cachingMode *fsType *readOnly *kind',
  },
  AzureFileVolumeSource: { model: 'V1AzureFileVolumeSource', fields: 'secretName! shareName! readOnly' },
  CephFSVolumeSource: {
    model: 'V1CephFSVolumeSource',
    fields: 'monitors! path user secretFile *secretRef readOnly',
  },
  CinderVolumeSource: { model: 'V1CinderVolumeSource', fields: 'volumeID! fsType readOnly *secretRef' },
  ConfigMapVolumeSource: {
    model: 'V1ConfigMapVolumeSource',
    fields: '+LocalObjectReference items *defaultMode *optional',
  },
  CSIVolumeSource: {
    model: 'V1CSIVolumeSource',
    fields: 'driver! *readOnly *fsType volumeAttributes *nodePublishSecretRef',
  },
  KeyToPath: { model: 'V1KeyToPath', fields: 'key! path! *mode' },
  DownwardAPIVolumeSource: { model: 'V1DownwardAPIVolumeSource', fields: 'items *defaultMode' },
  DownwardAPIVolumeFile: {
    model: 'V1DownwardAPIVolumeFile',
    fields: 'path! *fieldRef *resourceFieldRef *mode',
  },
  EmptyDirVolumeSource: { model: 'V1EmptyDirVolumeSource', fields: 'medium *%sizeLimit' },
  EphemeralVolumeSource: { model: 'V1EphemeralVolumeSource', fields: '*volumeClaimTemplate' },
  PersistentVolumeClaimTemplate: {
    model: 'V1PersistentVolumeClaimTemplate',
    fields: '^metadata=ObjectMeta spec!',
  },
  PersistentVolumeClaimSpec: {
    model: 'V1PersistentVolumeClaimSpec',
    fields:
      'accessModes *selector resources volumeName *storageClassName *volumeMode *dataSource *dataSourceRef ' +
      '*volumeAttributesClassName',
  },
  TypedLocalObjectReference: { model: 'V1TypedLocalObjectReference', fields: '*apiGroup! kind! name!' },
  TypedObjectReference: { model: 'V1TypedObjectReference', fields: '*apiGroup! kind! name! *namespace' },
  VolumeResourceRequirements: { model: 'V1VolumeResourceRequirements', fields: '%limits %requests' },
  FCVolumeSource: { model: 'V1FCVolumeSource', fields: 'targetWWNs *lun fsType readOnly wwids' },
  FlexVolumeSource: { model: 'V1FlexVolumeSource', fields: 'driver! fsType *secretRef readOnly options' },
  FlockerVolumeSource: { model: 'V1FlockerVolumeSource', fields: 'datasetName datasetUUID' },
  GCEPersistentDiskVolumeSource: {
    model: 'V1GCEPersistentDiskVolumeSource',
    fields: 'pdName! fsType partition readOnly',
  },
  GitRepoVolumeSource: { model: 'V1GitRepoVolumeSource', fields: 'repository! revision directory' },
  GlusterfsVolumeSource: {
    model: 'V1GlusterfsVolumeSource',
    fields: 'endpoints!=EndpointsName path! readOnly',
  },
  HostPathVolumeSource: { model: 'V1HostPathVolumeSource', fields: 'path! *type' },
  ImageVolumeSource: { model: 'V1ImageVolumeSource', fields: 'reference pullPolicy' },
  ISCSIVolumeSource: {
    model: 'V1ISCSIVolumeSource',
    fields:
      'targetPortal! iqn! lun! iscsiInterface fsType readOnly portals chapAuthDiscovery chapAuthSession ' +
      '*secretRef *initiatorName',
  },
  NFSVolumeSource: { model: 'V1NFSVolumeSource', fields: 'server! path! readOnly' },
  PersistentVolumeClaimVolumeSource: {
    model: 'V1PersistentVolumeClaimVolumeSource',
    fields: 'claimName! readOnly',
  },
  PhotonPersistentDiskVolumeSource: { model: 'V1PhotonPersistentDiskVolumeSource', fields: 'pdID! fsType' },
  PortworxVolumeSource: { model: 'V1PortworxVolumeSource', fields: 'volumeID! fsType readOnly' },
  ProjectedVolumeSource: { model: 'V1ProjectedVolumeSource', fields: 'sources! *defaultMode' },
  VolumeProjection: {
    model: 'V1VolumeProjection',
    fields: '*secret *downwardAPI *configMap *serviceAccountToken *clusterTrustBundle *podCertificate',
  },
  ClusterTrustBundleProjection: {
    model: 'V1ClusterTrustBundleProjection',
    fields: '*name *signerName *labelSelector *optional path!',
  },
  ConfigMapProjection: { model: 'V1ConfigMapProjection', fields: '+LocalObjectReference items *optional' },
  DownwardAPIProjection: { model: 'V1DownwardAPIProjection', fields: 'items' },
  // PodCertificateProjection: 1.34; field order from the upstream diff, not checked against types.go.
  PodCertificateProjection: {
    model: 'V1PodCertificateProjection',
    fields:
      'signerName keyType *maxExpirationSeconds credentialBundlePath keyPath certificateChainPath userAnnotations',
  },
  SecretProjection: { model: 'V1SecretProjection', fields: '+LocalObjectReference items *optional' },
  ServiceAccountTokenProjection: {
    model: 'V1ServiceAccountTokenProjection',
    fields: 'audience *expirationSeconds path!',
  },
  QuobyteVolumeSource: {
    model: 'V1QuobyteVolumeSource',
    fields: 'registry! volume! readOnly user group tenant',
  },
  RBDVolumeSource: {
    model: 'V1RBDVolumeSource',
    fields:
      'monitors!=CephMonitors image!=RBDImage fsType pool=RBDPool user=RadosUser keyring *secretRef readOnly',
  },
  ScaleIOVolumeSource: {
    model: 'V1ScaleIOVolumeSource',
    fields:
      'gateway! system! *secretRef! sslEnabled protectionDomain storagePool storageMode volumeName fsType readOnly',
  },
  SecretVolumeSource: { model: 'V1SecretVolumeSource', fields: 'secretName items *defaultMode *optional' },
  StorageOSVolumeSource: {
    model: 'V1StorageOSVolumeSource',
    fields: 'volumeName volumeNamespace fsType readOnly *secretRef',
  },
  VsphereVirtualDiskVolumeSource: {
    model: 'V1VsphereVirtualDiskVolumeSource',
    fields: 'volumePath! fsType storagePolicyName storagePolicyID',
  },

  // --- status (the template sees the stripped pod, whose status is normally empty). Fields added since
  // 1.31 (observedGeneration, the resource-claim and user statuses) follow the upstream diffs, unchecked.
  PodStatus: {
    model: 'V1PodStatus',
    fields:
      'observedGeneration phase conditions message reason nominatedNodeName hostIP hostIPs podIP podIPs ' +
      '*startTime initContainerStatuses containerStatuses qosClass ephemeralContainerStatuses resize ' +
      'resourceClaimStatuses *extendedResourceClaimStatus %allocatedResources *resources ' +
      'nodeAllocatableResourceClaimStatuses',
  },
  PodCondition: {
    model: 'V1PodCondition',
    fields: 'type! observedGeneration status! lastProbeTime lastTransitionTime reason message',
  },
  HostIP: { model: 'V1HostIP', fields: 'ip' },
  PodIP: { model: 'V1PodIP', fields: 'ip' },
  ContainerStatus: {
    model: 'V1ContainerStatus',
    fields:
      'name! state lastState ready! restartCount! image! imageID! containerID *started %allocatedResources ' +
      '*resources volumeMounts *user allocatedResourcesStatus *stopSignal',
  },
  ContainerState: { model: 'V1ContainerState', fields: '*waiting *running *terminated' },
  ContainerStateWaiting: { model: 'V1ContainerStateWaiting', fields: 'reason message' },
  ContainerStateRunning: { model: 'V1ContainerStateRunning', fields: 'startedAt' },
  ContainerStateTerminated: {
    model: 'V1ContainerStateTerminated',
    fields: 'exitCode! signal reason message startedAt finishedAt containerID',
  },
  ContainerUser: { model: 'V1ContainerUser', fields: '*linux' },
  LinuxContainerUser: { model: 'V1LinuxContainerUser', fields: 'uid! gid! supplementalGroups' },
  VolumeMountStatus: {
    model: 'V1VolumeMountStatus',
    fields: 'name! mountPath! readOnly *recursiveReadOnly *volumeStatus',
  },
  VolumeStatus: { model: 'V1VolumeStatus', fields: '*image' },
  ImageVolumeStatus: { model: 'V1ImageVolumeStatus', fields: 'imageRef!' },
  ResourceStatus: { model: 'V1ResourceStatus', fields: 'name! resources' },
  ResourceHealth: { model: 'V1ResourceHealth', fields: 'resourceID! health message' },
  PodResourceClaimStatus: { model: 'V1PodResourceClaimStatus', fields: 'name! *resourceClaimName' },
  PodExtendedResourceClaimStatus: {
    model: 'V1PodExtendedResourceClaimStatus',
    fields: 'requestMappings! resourceClaimName!',
  },
  ContainerExtendedResourceRequest: {
    model: 'V1ContainerExtendedResourceRequest',
    fields: 'containerName! resourceName! requestName!',
  },
  NodeAllocatableResourceClaimStatus: {
    model: 'V1NodeAllocatableResourceClaimStatus',
    fields: 'resourceClaimName! containers %resources',
  },
};
