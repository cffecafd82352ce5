// The protobuf messages behind `.MeshConfig` and `.ProxyConfig` (istio.io/api mesh/v1alpha1 and the
// networking messages they embed), derived from mesh/v1alpha1/{config,proxy}.proto and
// istio.mesh.v1alpha1.gen.json: field names, types and declaration order (protojson writes fields in
// that order), oneof groups and enum values. Go names are derived from the proto names the way
// protoc-gen-go derives them, so only proto names are written here.
//
// A field is `<proto_name> <type>`, optionally followed by `@<oneof>`. Types:
//   string bool int32 uint32 int64 uint64 double float    scalars
//   Duration                                             google.protobuf.Duration
//   BoolValue Int32Value UInt32Value Int64Value UInt64Value DoubleValue FloatValue StringValue
//   enum:<Enum>                                          an enum of ENUMS
//   <Message>                                            a message of MESSAGES
//   k8s:<Type>                                           a Kubernetes type (see kube-schema.ts)
//   []<type>                                             repeated
//   map:<type>                                           map<string, type>
// A message listed with `opaque: true` is not modelled field by field: its JSON is shown as written (see
// proto.ts). Fields added upstream after the schema snapshot are not lost either: unknown JSON keys are
// presented and serialised as written.

export interface ProtoMessageSpec {
  readonly fields?: readonly string[];
  readonly opaque?: boolean;
}

/** Enum values in declaration order as [name, number]. */
export const ENUMS: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  AuthenticationPolicy: [
    ['NONE', 0],
    ['MUTUAL_TLS', 1],
    ['INHERIT', 1000],
  ],
  'ProxyConfig.TracingServiceName': [
    ['APP_LABEL_AND_NAMESPACE', 0],
    ['CANONICAL_NAME_ONLY', 1],
    ['CANONICAL_NAME_AND_NAMESPACE', 2],
  ],
  'ProxyConfig.InboundInterceptionMode': [
    ['REDIRECT', 0],
    ['TPROXY', 1],
    ['NONE', 2],
  ],
  'Tracing.OpenCensusAgent.TraceContext': [
    ['UNSPECIFIED', 0],
    ['W3C_TRACE_CONTEXT', 1],
    ['GRPC_BIN', 2],
    ['CLOUD_TRACE_CONTEXT', 3],
    ['B3', 4],
  ],
  'Topology.ForwardClientCertDetails': [
    ['UNDEFINED', 0],
    ['SANITIZE', 1],
    ['FORWARD_ONLY', 2],
    ['APPEND_FORWARD', 3],
    ['SANITIZE_SET', 4],
    ['ALWAYS_FORWARD_ONLY', 5],
  ],
  'MeshConfig.IngressControllerMode': [
    ['UNSPECIFIED', 0],
    ['OFF', 1],
    ['DEFAULT', 2],
    ['STRICT', 3],
  ],
  'MeshConfig.AccessLogEncoding': [
    ['TEXT', 0],
    ['JSON', 1],
  ],
  'MeshConfig.H2UpgradePolicy': [
    ['DO_NOT_UPGRADE', 0],
    ['UPGRADE', 1],
  ],
  'MeshConfig.OutboundTrafficPolicy.Mode': [
    ['REGISTRY_ONLY', 0],
    ['ALLOW_ANY', 1],
  ],
  'MeshConfig.InboundTrafficPolicy.Mode': [
    ['PASSTHROUGH', 0],
    ['LOCALHOST', 1],
  ],
  'MeshConfig.ProxyPathNormalization.NormalizationType': [
    ['DEFAULT', 0],
    ['NONE', 1],
    ['BASE', 2],
    ['MERGE_SLASHES', 3],
    ['DECODE_AND_MERGE_SLASHES', 4],
  ],
  'MeshConfig.TLSConfig.TLSProtocol': [
    ['TLS_AUTO', 0],
    ['TLSV1_2', 1],
    ['TLSV1_3', 2],
  ],
  // Added with OTEL semantic-convention enrichment (istio/api#3653); the enum's own name is assumed.
  'MeshConfig.ExtensionProvider.ServiceAttributeEnrichment': [
    ['ISTIO_CANONICAL', 0],
    ['OTEL_SEMANTIC_CONVENTIONS', 1],
  ],
  Resource: [['SERVICE_REGISTRY', 0]],
  'networking.v1alpha3.ClientTLSSettings.TLSmode': [
    ['DISABLE', 0],
    ['SIMPLE', 1],
    ['MUTUAL', 2],
    ['ISTIO_MUTUAL', 3],
  ],
};

const TLS = 'networking.v1alpha3.ClientTLSSettings';
const KEEPALIVE = 'networking.v1alpha3.ConnectionPoolSettings.TCPSettings.TcpKeepalive';
const PROVIDER = 'MeshConfig.ExtensionProvider';

export const MESSAGES: Readonly<Record<string, ProtoMessageSpec>> = {
  MeshConfig: {
    fields: [
      'proxy_listen_port int32',
      'proxy_inbound_listen_port int32',
      'proxy_http_port int32',
      'connect_timeout Duration',
      'protocol_detection_timeout Duration',
      `tcp_keepalive ${KEEPALIVE}`,
      'ingress_class string',
      'ingress_service string',
      'ingress_controller_mode enum:MeshConfig.IngressControllerMode',
      'ingress_selector string',
      'enable_tracing bool',
      'access_log_file string',
      'access_log_format string',
      'access_log_encoding enum:MeshConfig.AccessLogEncoding',
      'enable_envoy_access_log_service bool',
      'disable_envoy_listener_log bool',
      'default_config ProxyConfig',
      'outbound_traffic_policy MeshConfig.OutboundTrafficPolicy',
      'inbound_traffic_policy MeshConfig.InboundTrafficPolicy',
      'config_sources []ConfigSource',
      'enable_auto_mtls BoolValue',
      'trust_domain string',
      'trust_domain_aliases []string',
      'ca_certificates []MeshConfig.CertificateData',
      'default_service_export_to []string',
      'default_virtual_service_export_to []string',
      'default_destination_rule_export_to []string',
      'root_namespace string',
      'locality_lb_setting networking.v1alpha3.LocalityLoadBalancerSetting',
      'dns_refresh_rate Duration',
      'h2_upgrade_policy enum:MeshConfig.H2UpgradePolicy',
      'inbound_cluster_stat_name string',
      'outbound_cluster_stat_name string',
      'certificates []Certificate',
      'thrift_config MeshConfig.ThriftConfig',
      'service_settings []MeshConfig.ServiceSettings',
      'enable_prometheus_merge BoolValue',
      'verify_certificate_at_client BoolValue',
      'ca MeshConfig.CA',
      `extension_providers []${PROVIDER}`,
      'default_providers MeshConfig.DefaultProviders',
      'discovery_selectors []k8s:LabelSelector',
      'path_normalization MeshConfig.ProxyPathNormalization',
      'default_http_retry_policy networking.v1alpha3.HTTPRetry',
      'mesh_mTLS MeshConfig.TLSConfig',
      'tls_defaults MeshConfig.TLSConfig',
      'service_scope_configs []MeshConfig.ServiceScopeConfigs',
    ],
  },
  'MeshConfig.OutboundTrafficPolicy': { fields: ['mode enum:MeshConfig.OutboundTrafficPolicy.Mode'] },
  'MeshConfig.InboundTrafficPolicy': { fields: ['mode enum:MeshConfig.InboundTrafficPolicy.Mode'] },
  'MeshConfig.CertificateData': {
    fields: [
      'pem string @certificate_data',
      'spiffe_bundle_url string @certificate_data',
      'cert_signers []string',
      'trust_domains []string',
    ],
  },
  'MeshConfig.ThriftConfig': { fields: ['rate_limit_url string', 'rate_limit_timeout Duration'] },
  'MeshConfig.ServiceSettings': {
    fields: ['settings MeshConfig.ServiceSettings.Settings', 'hosts []string'],
  },
  'MeshConfig.ServiceSettings.Settings': { fields: ['cluster_local bool'] },
  'MeshConfig.CA': {
    fields: ['address string', `tls_settings ${TLS}`, 'request_timeout Duration', 'istiod_side bool'],
  },
  'MeshConfig.DefaultProviders': {
    fields: ['tracing []string', 'metrics []string', 'access_logging []string'],
  },
  'MeshConfig.ProxyPathNormalization': {
    fields: ['normalization enum:MeshConfig.ProxyPathNormalization.NormalizationType'],
  },
  'MeshConfig.TLSConfig': {
    fields: [
      'min_protocol_version enum:MeshConfig.TLSConfig.TLSProtocol',
      'ecdh_curves []string',
      'cipher_suites []string',
    ],
  },
  'MeshConfig.ServiceScopeConfigs': { opaque: true },
  [PROVIDER]: {
    fields: [
      'name string',
      `envoy_ext_authz_http ${PROVIDER}.EnvoyExternalAuthorizationHttpProvider @provider`,
      `envoy_ext_authz_grpc ${PROVIDER}.EnvoyExternalAuthorizationGrpcProvider @provider`,
      `zipkin ${PROVIDER}.ZipkinTracingProvider @provider`,
      `lightstep ${PROVIDER}.LightstepTracingProvider @provider`,
      `datadog ${PROVIDER}.DatadogTracingProvider @provider`,
      `stackdriver ${PROVIDER}.StackdriverProvider @provider`,
      `opencensus ${PROVIDER}.OpenCensusAgentTracingProvider @provider`,
      `skywalking ${PROVIDER}.SkyWalkingTracingProvider @provider`,
      `opentelemetry ${PROVIDER}.OpenTelemetryTracingProvider @provider`,
      `prometheus ${PROVIDER}.PrometheusMetricsProvider @provider`,
      `envoy_file_access_log ${PROVIDER}.EnvoyFileAccessLogProvider @provider`,
      `envoy_http_als ${PROVIDER}.EnvoyHttpGrpcV3LogProvider @provider`,
      `envoy_tcp_als ${PROVIDER}.EnvoyTcpGrpcV3LogProvider @provider`,
      `envoy_otel_als ${PROVIDER}.EnvoyOpenTelemetryLogProvider @provider`,
    ],
  },
  [`${PROVIDER}.OpenTelemetryTracingProvider`]: {
    fields: [
      'service string',
      'port uint32',
      'max_tag_length uint32',
      `http ${PROVIDER}.HttpService`,
      `grpc ${PROVIDER}.GrpcService`,
      `resource_detectors ${PROVIDER}.ResourceDetectors`,
      `dynatrace_sampler ${PROVIDER}.OpenTelemetryTracingProvider.DynatraceSampler @sampler`,
      `service_attribute_enrichment enum:${PROVIDER}.ServiceAttributeEnrichment`,
    ],
  },
  [`${PROVIDER}.OpenTelemetryTracingProvider.DynatraceSampler`]: { opaque: true },
  [`${PROVIDER}.HttpService`]: { opaque: true },
  [`${PROVIDER}.GrpcService`]: { opaque: true },
  [`${PROVIDER}.ResourceDetectors`]: { opaque: true },
  [`${PROVIDER}.EnvoyExternalAuthorizationHttpProvider`]: { opaque: true },
  [`${PROVIDER}.EnvoyExternalAuthorizationGrpcProvider`]: { opaque: true },
  [`${PROVIDER}.ZipkinTracingProvider`]: { opaque: true },
  [`${PROVIDER}.LightstepTracingProvider`]: { opaque: true },
  [`${PROVIDER}.DatadogTracingProvider`]: { opaque: true },
  [`${PROVIDER}.StackdriverProvider`]: { opaque: true },
  [`${PROVIDER}.OpenCensusAgentTracingProvider`]: { opaque: true },
  [`${PROVIDER}.SkyWalkingTracingProvider`]: { opaque: true },
  [`${PROVIDER}.PrometheusMetricsProvider`]: { opaque: true },
  [`${PROVIDER}.EnvoyFileAccessLogProvider`]: { opaque: true },
  [`${PROVIDER}.EnvoyHttpGrpcV3LogProvider`]: { opaque: true },
  [`${PROVIDER}.EnvoyTcpGrpcV3LogProvider`]: { opaque: true },
  [`${PROVIDER}.EnvoyOpenTelemetryLogProvider`]: { opaque: true },
  ConfigSource: {
    fields: ['address string', `tls_settings ${TLS}`, 'subscribed_resources []enum:Resource'],
  },
  Certificate: { fields: ['secret_name string', 'dns_names []string'] },

  ProxyConfig: {
    fields: [
      'config_path string',
      'binary_path string',
      'service_cluster string @cluster_name',
      'tracing_service_name enum:ProxyConfig.TracingServiceName @cluster_name',
      'drain_duration Duration',
      'parent_shutdown_duration Duration',
      'discovery_address string',
      'discovery_refresh_delay Duration',
      'zipkin_address string',
      'statsd_udp_address string',
      'envoy_metrics_service_address string',
      'proxy_admin_port int32',
      'availability_zone string',
      'control_plane_auth_policy enum:AuthenticationPolicy',
      'custom_config_file string',
      'stat_name_length int32',
      'concurrency Int32Value',
      'proxy_bootstrap_template_path string',
      'interception_mode enum:ProxyConfig.InboundInterceptionMode',
      'tracing Tracing',
      'sds SDS',
      'envoy_access_log_service RemoteService',
      'envoy_metrics_service RemoteService',
      'proxy_metadata map:string',
      'runtime_values map:string',
      'status_port int32',
      'extra_stat_tags []string',
      'gateway_topology Topology',
      'termination_drain_duration Duration',
      'mesh_id string',
      'readiness_probe networking.v1alpha3.ReadinessProbe',
      'proxy_stats_matcher ProxyConfig.ProxyStatsMatcher',
      'hold_application_until_proxy_starts BoolValue',
      'ca_certificates_pem []string',
      'image networking.v1beta1.ProxyImage',
      'private_key_provider PrivateKeyProvider',
      'proxy_headers ProxyConfig.ProxyHeaders',
      'file_flush_interval Duration',
      'file_flush_min_size_kb uint32',
    ],
  },
  'ProxyConfig.ProxyStatsMatcher': {
    fields: ['inclusion_prefixes []string', 'inclusion_suffixes []string', 'inclusion_regexps []string'],
  },
  'ProxyConfig.ProxyHeaders': { opaque: true },
  Tracing: {
    fields: [
      'zipkin Tracing.Zipkin @tracer',
      'lightstep Tracing.Lightstep @tracer',
      'datadog Tracing.Datadog @tracer',
      'stackdriver Tracing.Stackdriver @tracer',
      'open_census_agent Tracing.OpenCensusAgent @tracer',
      'custom_tags map:Tracing.CustomTag',
      'max_path_tag_length uint32',
      'sampling double',
      `tls_settings ${TLS}`,
      'enable_istio_tags BoolValue',
    ],
  },
  'Tracing.Zipkin': { fields: ['address string'] },
  'Tracing.Lightstep': { fields: ['address string', 'access_token string'] },
  'Tracing.Datadog': { fields: ['address string'] },
  'Tracing.Stackdriver': {
    fields: [
      'debug bool',
      'max_number_of_attributes Int64Value',
      'max_number_of_annotations Int64Value',
      'max_number_of_message_events Int64Value',
    ],
  },
  'Tracing.OpenCensusAgent': {
    fields: ['address string', 'context []enum:Tracing.OpenCensusAgent.TraceContext'],
  },
  'Tracing.CustomTag': {
    fields: [
      'literal Tracing.Literal @type',
      'environment Tracing.Environment @type',
      'header Tracing.RequestHeader @type',
    ],
  },
  'Tracing.Literal': { fields: ['value string'] },
  'Tracing.Environment': { fields: ['name string', 'default_value string'] },
  'Tracing.RequestHeader': { fields: ['name string', 'default_value string'] },
  SDS: { fields: ['enabled bool', 'k8s_sa_jwt_path string'] },
  Topology: {
    fields: [
      'num_trusted_proxies uint32',
      'forward_client_cert_details enum:Topology.ForwardClientCertDetails',
    ],
  },
  RemoteService: { fields: ['address string', `tls_settings ${TLS}`, `tcp_keepalive ${KEEPALIVE}`] },
  PrivateKeyProvider: {
    fields: ['cryptomb PrivateKeyProvider.CryptoMb @provider', 'qat PrivateKeyProvider.QAT @provider'],
  },
  'PrivateKeyProvider.CryptoMb': { fields: ['poll_delay Duration', 'fallback BoolValue'] },
  'PrivateKeyProvider.QAT': { fields: ['poll_delay Duration', 'fallback BoolValue'] },

  // --- networking ---
  [TLS]: {
    fields: [
      `mode enum:${TLS}.TLSmode`,
      'client_certificate string',
      'private_key string',
      'ca_certificates string',
      'credential_name string',
      'subject_alt_names []string',
      'sni string',
      'insecure_skip_verify BoolValue',
      'ca_crl string',
    ],
  },
  [KEEPALIVE]: { fields: ['probes uint32', 'time Duration', 'interval Duration'] },
  'networking.v1alpha3.LocalityLoadBalancerSetting': { opaque: true },
  'networking.v1alpha3.HTTPRetry': { opaque: true },
  'networking.v1alpha3.ReadinessProbe': {
    fields: [
      'initial_delay_seconds int32',
      'timeout_seconds int32',
      'period_seconds int32',
      'success_threshold int32',
      'failure_threshold int32',
      'http_get networking.v1alpha3.HTTPHealthCheckConfig @health_check_method',
      'tcp_socket networking.v1alpha3.TCPHealthCheckConfig @health_check_method',
      'exec networking.v1alpha3.ExecHealthCheckConfig @health_check_method',
      'grpc networking.v1alpha3.GrpcHealthCheckConfig @health_check_method',
    ],
  },
  'networking.v1alpha3.HTTPHealthCheckConfig': {
    fields: [
      'path string',
      'port uint32',
      'host string',
      'scheme string',
      'http_headers []networking.v1alpha3.HTTPHeader',
    ],
  },
  'networking.v1alpha3.HTTPHeader': { fields: ['name string', 'value string'] },
  'networking.v1alpha3.TCPHealthCheckConfig': { fields: ['host string', 'port uint32'] },
  'networking.v1alpha3.ExecHealthCheckConfig': { fields: ['command []string'] },
  'networking.v1alpha3.GrpcHealthCheckConfig': { fields: ['port uint32', 'service StringValue'] },
  'networking.v1beta1.ProxyImage': { fields: ['image_type string'] },
};
