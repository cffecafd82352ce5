// The settings istio-iptables works from, typed, with istio-iptables' own defaults.
//
// Values keep the text istio-iptables puts into rules (ports as decimal strings, CIDRs in Go's canonical form),
// so rendering never has to re-format them.
import type { Cidr } from './net.ts';

export type InterceptionMode = 'REDIRECT' | 'TPROXY';

/** `*` (everything) or an explicit list; an empty list captures nothing. */
export type PortSelection = '*' | readonly string[];
export type CidrSelection = '*' | readonly Cidr[];

export interface CaptureConfig {
  /** `-p`: where outbound TCP is redirected (Envoy's outbound listener). */
  readonly proxyPort: number;
  /** `-z`: where inbound TCP is redirected (Envoy's inbound listener). */
  readonly inboundCapturePort: number;
  /** `-e`: the HBONE tunnel port, never redirected inbound. */
  readonly inboundTunnelPort: number;
  /** `-u`: users whose traffic is the proxy's own (never redirected). */
  readonly proxyUids: readonly string[];
  /** `-g`: groups whose traffic is the proxy's own; defaults to the `-u` list. */
  readonly proxyGids: readonly string[];
  /** `-m`: anything but `TPROXY` is REDIRECT. */
  readonly interceptionMode: InterceptionMode;
  /** `-b`: inbound ports redirected to the proxy. The CLI default is none; Istio's template passes `*`. */
  readonly inboundPorts: PortSelection;
  /** `-d`: inbound ports left alone; only used when `-b` is `*`. */
  readonly inboundPortsExclude: readonly string[];
  /** `-q`: outbound ports always redirected, whatever the destination. */
  readonly outboundPorts: readonly string[];
  /** `-o`: outbound ports (TCP and UDP) never redirected. */
  readonly outboundPortsExclude: readonly string[];
  /** `-i`: outbound destinations redirected. The CLI default is none; Istio's template passes `*`. */
  readonly outboundIPRanges: CidrSelection;
  /** `-x`: outbound destinations never redirected. */
  readonly outboundIPRangesExclude: readonly Cidr[];
  /** `-c`: interfaces whose traffic is never captured, either way. */
  readonly excludeInterfaces: readonly string[];
  /** `-k`: virtual-machine interfaces whose inbound traffic is treated as outbound. */
  readonly rerouteVirtualInterfaces: readonly string[];
  /** `-t`: the packet mark TPROXY mode uses. */
  readonly tproxyMark: number;
  /** `-r`: the policy-routing table TPROXY mode uses. */
  readonly tproxyRouteTable: number;
  /** `--redirect-dns` (or env `ISTIO_META_DNS_CAPTURE`): send DNS to the agent on 15053. */
  readonly redirectDNS: boolean;
  /** `--capture-all-dns`: capture port 53 to any address, not only the resolv.conf servers. */
  readonly captureAllDNS: boolean;
  /** `--drop-invalid` (or env `INVALID_DROP`): drop conntrack-INVALID packets instead of resetting. */
  readonly dropInvalid: boolean;
  /** `--dual-stack` (or env `ISTIO_DUAL_STACK`). */
  readonly dualStack: boolean;
  /**
   * Whether ip6tables rules are written. istio-iptables decides this at run time from the pod's addresses; here
   * it defaults to `dualStack`.
   */
  readonly ipv6: boolean;
  /** The nameservers of the pod's resolv.conf, which DNS capture targets (read at run time, not a flag). */
  readonly dnsServersV4: readonly string[];
  readonly dnsServersV6: readonly string[];
  /** Env `ISTIO_OUTBOUND_OWNER_GROUPS`: groups whose outbound traffic is captured (`*` = all). */
  readonly ownerGroupsInclude: '*' | readonly string[];
  /** Env `ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE`: groups left alone when the include list is `*`. */
  readonly ownerGroupsExclude: readonly string[];
  /** Env `ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR`: what counts as "the app talking to localhost". */
  readonly hostIPv4LoopbackCidr: string;
  /** `--run-validation`: probe that the rules work (the CNI flavour of the init container). */
  readonly runValidation: boolean;
  /** `--skip-rule-apply`: install nothing (the CNI plugin installs the rules). */
  readonly skipRuleApply: boolean;
  readonly forceApply: boolean;
  /** `--native-nftables`: the same capture, programmed as nftables. */
  readonly nativeNftables: boolean;
  readonly dryRun: boolean;
  readonly cniMode: boolean;
  readonly reconcile: boolean;
  readonly cleanupOnly: boolean;
  readonly iptablesProbePort: number;
  readonly probeTimeout: string;
  readonly networkNamespace: string;
  readonly forceIptablesBinary: string;
  /** `--log_output_level`, `--log_as_json` and the other logging flags, by flag name. */
  readonly logOptions: Readonly<Record<string, string>>;
}

export const DEFAULT_PROXY_UID = '1337';
/** The mark on packets Envoy sends back to the app in TPROXY mode, so they are not captured again. */
export const OUTBOUND_MARK = '1338';
export const AGENT_DNS_PORT = '15053';
/** The source address Envoy uses for inbound passthrough connections. */
export const INBOUND_PASSTHROUGH_V4 = '127.0.0.6/32';
export const INBOUND_PASSTHROUGH_V6 = '::6/128';
export const LOOPBACK_V6 = '::1/128';

/** istio-iptables run with no flags and no environment. */
export function defaultCaptureConfig(): CaptureConfig {
  return {
    proxyPort: 15001,
    inboundCapturePort: 15006,
    inboundTunnelPort: 15008,
    proxyUids: [DEFAULT_PROXY_UID],
    proxyGids: [DEFAULT_PROXY_UID],
    interceptionMode: 'REDIRECT',
    inboundPorts: [],
    inboundPortsExclude: [],
    outboundPorts: [],
    outboundPortsExclude: [],
    outboundIPRanges: [],
    outboundIPRangesExclude: [],
    excludeInterfaces: [],
    rerouteVirtualInterfaces: [],
    tproxyMark: 1337,
    tproxyRouteTable: 133,
    redirectDNS: false,
    captureAllDNS: false,
    dropInvalid: false,
    dualStack: false,
    ipv6: false,
    dnsServersV4: [],
    dnsServersV6: [],
    ownerGroupsInclude: '*',
    ownerGroupsExclude: [],
    hostIPv4LoopbackCidr: '127.0.0.1/32',
    runValidation: false,
    skipRuleApply: false,
    forceApply: false,
    nativeNftables: false,
    dryRun: false,
    cniMode: false,
    reconcile: false,
    cleanupOnly: false,
    iptablesProbePort: 15002,
    probeTimeout: '5s',
    networkNamespace: '',
    forceIptablesBinary: '',
    logOptions: {},
  };
}

/** DNS capture only happens when there is something to capture (istio-iptables turns it off otherwise). */
export function dnsCaptureActive(config: CaptureConfig): boolean {
  return (
    config.redirectDNS &&
    (config.captureAllDNS || config.dnsServersV4.length > 0 || config.dnsServersV6.length > 0)
  );
}
