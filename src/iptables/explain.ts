// CaptureConfig -> a few sentences on what reaches the proxy and what goes around it, for people reading the
// rules. Each line follows from the rule generation in rules.ts; it describes, it does not decide.
import { AGENT_DNS_PORT, dnsCaptureActive, type CaptureConfig } from './config.ts';

const list = (items: readonly string[]): string => items.join(', ');

/** One line per aspect of the capture, in the order a reader needs them. */
export function explainCapture(config: CaptureConfig): string[] {
  const lines: string[] = [];
  const tproxy = config.interceptionMode === 'TPROXY';
  lines.push(
    tproxy
      ? 'Interception: TPROXY (inbound in the mangle table, keeping the original source address; outbound in nat)'
      : 'Interception: REDIRECT (nat table)',
  );

  const inboundTo = `the proxy on ${config.inboundCapturePort}`;
  if (config.inboundPorts === '*') {
    const bypass = [`${config.inboundTunnelPort} (tunnel)`, ...config.inboundPortsExclude];
    lines.push(`Inbound: every TCP port goes to ${inboundTo}, except ${list(bypass)}`);
  } else if (config.inboundPorts.length > 0) {
    lines.push(
      `Inbound: only TCP ports ${list(config.inboundPorts)} go to ${inboundTo}; other ports reach the app directly`,
    );
  } else {
    lines.push('Inbound: not captured; every port reaches the app directly');
  }

  const outboundTo = `the proxy on ${config.proxyPort}`;
  const excluded = [
    `${config.hostIPv4LoopbackCidr} (localhost)`,
    ...config.outboundIPRangesExclude.map((c) => c.text),
  ];
  if (config.outboundIPRanges === '*') {
    lines.push(`Outbound: all TCP traffic goes to ${outboundTo}, except to ${list(excluded)}`);
  } else if (config.outboundIPRanges.length > 0) {
    const cidrs = config.outboundIPRanges.map((c) => c.text);
    lines.push(`Outbound: TCP traffic to ${list(cidrs)} goes to ${outboundTo}; other destinations bypass it`);
    if (config.outboundIPRangesExclude.length > 0) {
      lines.push(`Outbound: destinations excluded first: ${list(excluded)}`);
    }
  } else {
    lines.push('Outbound: not captured by destination (no -i ranges)');
  }
  if (config.outboundPorts.length > 0) {
    lines.push(
      `Outbound: TCP ports ${list(config.outboundPorts)} go to ${outboundTo} whatever the destination (unless excluded above)`,
    );
  }
  if (config.outboundPortsExclude.length > 0) {
    lines.push(`Outbound: ports ${list(config.outboundPortsExclude)} (TCP and UDP) bypass the proxy`);
  }

  const owners = [
    ...config.proxyUids.map((uid) => `uid ${uid}`),
    ...config.proxyGids.map((gid) => `gid ${gid}`),
  ];
  lines.push(`Never captured: traffic sent by ${list(owners)} (the proxy itself)`);
  const loopbackIncluded =
    config.outboundIPRanges !== '*' && config.outboundIPRanges.some((c) => c.isLoopback);
  lines.push(
    loopbackIncluded
      ? 'Loopback: a loopback range is listed in -i, so app calls over lo also go through the proxy'
      : 'Loopback: app-to-app traffic over localhost bypasses the proxy',
  );
  if (config.ownerGroupsInclude !== '*') {
    lines.push(`Outbound is captured only for processes in groups ${list(config.ownerGroupsInclude)}`);
  } else if (config.ownerGroupsExclude.length > 0) {
    lines.push(`Outbound from groups ${list(config.ownerGroupsExclude)} bypasses the proxy`);
  }

  if (config.excludeInterfaces.length > 0) {
    lines.push(`Interfaces ${list(config.excludeInterfaces)}: nothing is captured on them, either way`);
  }
  if (config.rerouteVirtualInterfaces.length > 0) {
    lines.push(
      `Interfaces ${list(config.rerouteVirtualInterfaces)}: inbound traffic from them (virtual machines) is treated as outbound`,
    );
  }

  lines.push(dnsLine(config));
  if (config.dropInvalid) lines.push('Packets conntrack marks INVALID are dropped instead of reset');
  lines.push(
    config.ipv6 ? 'IPv6: the same capture is installed with ip6tables' : 'IPv6: no rules (IPv4 only)',
  );
  const capturesInbound = config.inboundPorts === '*' || config.inboundPorts.length > 0;
  if (tproxy && capturesInbound) {
    lines.push(
      `TPROXY routing: packets marked ${config.tproxyMark} are routed to lo through table ${config.tproxyRouteTable}`,
    );
  }
  if (config.skipRuleApply) {
    lines.push(
      '--skip-rule-apply: this container installs nothing; the Istio CNI plugin installs these rules',
    );
  }
  if (config.runValidation)
    lines.push('--run-validation: the container checks that capture works, and fails if not');
  if (config.nativeNftables) {
    lines.push(
      '--native-nftables: the capture is programmed with nftables; the rules shown are the iptables equivalent',
    );
  }
  return lines;
}

function dnsLine(config: CaptureConfig): string {
  if (!config.redirectDNS) return 'DNS: not captured';
  if (!dnsCaptureActive(config)) {
    return 'DNS: capture is on but no nameservers are known (istio-iptables reads /etc/resolv.conf) and --capture-all-dns is off, so no DNS rules';
  }
  const to = `the agent's resolver on ${AGENT_DNS_PORT}`;
  if (config.captureAllDNS) return `DNS: all port-53 traffic (TCP and UDP) goes to ${to}`;
  return `DNS: port-53 traffic to ${list([...config.dnsServersV4, ...config.dnsServersV6])} goes to ${to}`;
}
