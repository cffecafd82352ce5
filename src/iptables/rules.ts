// CaptureConfig -> the rules istio-iptables installs, in iptables-restore form.
//
// Rules are generated in istio-iptables' order (tools/istio-iptables/pkg/capture/run.go) into one list per IP
// family, then printed per table the way its rule builder prints them: tables sorted by name, each with the
// chains it creates (in order of first use) before its rules, rules in generation order, and `COMMIT`.
import {
  AGENT_DNS_PORT,
  INBOUND_PASSTHROUGH_V4,
  INBOUND_PASSTHROUGH_V6,
  LOOPBACK_V6,
  OUTBOUND_MARK,
  dnsCaptureActive,
  type CaptureConfig,
} from './config.ts';
import type { Cidr } from './net.ts';

export type Table = 'filter' | 'mangle' | 'nat' | 'raw';

/** One rule: `params` starts with `-A <chain>` or `-I <chain> <position>`. */
export interface Rule {
  readonly table: Table;
  readonly chain: string;
  readonly params: readonly string[];
}

export interface RuleLists {
  readonly v4: readonly Rule[];
  /** `undefined` when IPv6 is off. */
  readonly v6: readonly Rule[] | undefined;
}

export interface RenderedRules {
  /** Input for `iptables-restore --noflush`; empty when there is nothing to install. */
  readonly ipv4: string;
  /** Input for `ip6tables-restore --noflush`, or `undefined` when IPv6 is off. */
  readonly ipv6: string | undefined;
  /** The `ip` commands istio-iptables runs besides the rules (the `::6` address, TPROXY policy routing). */
  readonly routes: readonly string[];
}

export const Chain = {
  inbound: 'ISTIO_INBOUND',
  redirect: 'ISTIO_REDIRECT',
  inRedirect: 'ISTIO_IN_REDIRECT',
  output: 'ISTIO_OUTPUT',
  outputDns: 'ISTIO_OUTPUT_DNS',
  divert: 'ISTIO_DIVERT',
  tproxy: 'ISTIO_TPROXY',
  drop: 'ISTIO_DROP',
} as const;

// Never declared with -N: the kernel's own chains, and the verdicts a rule can jump to.
const BUILT_IN = new Set([
  'INPUT',
  'OUTPUT',
  'FORWARD',
  'PREROUTING',
  'POSTROUTING',
  'ACCEPT',
  'RETURN',
  'DROP',
]);

const TABLE_ORDER: readonly Table[] = ['filter', 'mangle', 'nat', 'raw'];

/** Collects rules for both families; IPv6 rules are dropped when IPv6 is off, as istio-iptables does. */
class RuleCollector {
  readonly v4: Rule[] = [];
  readonly v6: Rule[] | undefined;

  constructor(ipv6: boolean) {
    this.v6 = ipv6 ? [] : undefined;
  }

  appendV4(table: Table, chain: string, ...params: string[]): void {
    this.v4.push({ table, chain, params: ['-A', chain, ...params] });
  }

  appendV6(table: Table, chain: string, ...params: string[]): void {
    this.v6?.push({ table, chain, params: ['-A', chain, ...params] });
  }

  append(table: Table, chain: string, ...params: string[]): void {
    this.appendV4(table, chain, ...params);
    this.appendV6(table, chain, ...params);
  }

  /** The same rule with a family-specific value (an address) in place of `ADDRESS`. */
  appendPerFamily(v4: string, v6: string, table: Table, chain: string, ...params: string[]): void {
    this.appendV4(table, chain, ...params.map((p) => (p === ADDRESS ? v4 : p)));
    this.appendV6(table, chain, ...params.map((p) => (p === ADDRESS ? v6 : p)));
  }

  insertV4(table: Table, chain: string, position: number, ...params: string[]): void {
    this.v4.push({ table, chain, params: ['-I', chain, String(position), ...params] });
  }

  insertV6(table: Table, chain: string, position: number, ...params: string[]): void {
    this.v6?.push({ table, chain, params: ['-I', chain, String(position), ...params] });
  }

  insert(table: Table, chain: string, position: number, ...params: string[]): void {
    this.insertV4(table, chain, position, ...params);
    this.insertV6(table, chain, position, ...params);
  }
}

const ADDRESS = '\u0000address';

/** The rules istio-iptables would install for `config`, per family, in generation order. */
export function buildRules(config: CaptureConfig): RuleLists {
  const rules = new RuleCollector(config.ipv6);
  const tproxy = config.interceptionMode === 'TPROXY';
  const hostLoopback = config.hostIPv4LoopbackCidr;
  const dns = dnsCaptureActive(config);
  const includeV4 = familyRanges(config.outboundIPRanges, 4);
  const includeV6 = familyRanges(config.outboundIPRanges, 6);
  const tunnel = String(config.inboundTunnelPort);
  const mark = String(config.tproxyMark);

  // Excluded interfaces bypass everything, so their RETURNs come first.
  for (const nic of config.excludeInterfaces) {
    rules.append('nat', 'PREROUTING', '-i', nic, '-j', 'RETURN');
    rules.append('nat', 'OUTPUT', '-o', nic, '-j', 'RETURN');
  }
  if (tproxy) {
    for (const nic of config.excludeInterfaces) {
      rules.append('mangle', 'PREROUTING', '-i', nic, '-j', 'RETURN');
      rules.append('mangle', 'OUTPUT', '-o', nic, '-j', 'RETURN');
    }
  }
  for (const nic of config.rerouteVirtualInterfaces) {
    rules.insert('nat', 'PREROUTING', 1, '-i', nic, '-j', 'RETURN');
  }
  if (config.dropInvalid) {
    rules.append('mangle', 'PREROUTING', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', Chain.drop);
    rules.append('mangle', Chain.drop, '-j', 'DROP');
  }

  rules.append('nat', Chain.inbound, '-p', 'tcp', '--dport', tunnel, '-j', 'RETURN');
  rules.append('nat', Chain.redirect, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(config.proxyPort));
  rules.append(
    'nat',
    Chain.inRedirect,
    '-p',
    'tcp',
    '-j',
    'REDIRECT',
    '--to-ports',
    String(config.inboundCapturePort),
  );

  addInboundCapture(rules, config);

  rules.append('nat', 'OUTPUT', '-j', Chain.output);
  for (const port of config.outboundPortsExclude) {
    rules.append('nat', Chain.output, '-p', 'tcp', '--dport', port, '-j', 'RETURN');
    rules.append('nat', Chain.output, '-p', 'udp', '--dport', port, '-j', 'RETURN');
  }
  rules.appendPerFamily(
    INBOUND_PASSTHROUGH_V4,
    INBOUND_PASSTHROUGH_V6,
    'nat',
    Chain.output,
    '-o',
    'lo',
    '-s',
    ADDRESS,
    '-j',
    'RETURN',
  );

  // With an explicit loopback range in -i the app's own loopback calls must reach the proxy, so the usual
  // "app to app over lo" shortcut is left out.
  const loopbackIncluded = includeV4.hasLoopback || includeV6.hasLoopback;
  const addOwnerRules = (owner: '--uid-owner' | '--gid-owner', id: string, dnsAware: boolean): void => {
    const notToTunnel = dnsAware
      ? ['-m', 'multiport', '!', '--dports', `53,${tunnel}`]
      : ['!', '--dport', tunnel];
    rules.appendPerFamily(
      hostLoopback,
      LOOPBACK_V6,
      'nat',
      Chain.output,
      ...['-o', 'lo', '!', '-d', ADDRESS, '-p', 'tcp', ...notToTunnel],
      ...['-m', 'owner', owner, id, '-j', Chain.inRedirect],
    );
    if (!loopbackIncluded) {
      const notDns = dns ? ['-p', 'tcp', '!', '--dport', '53'] : [];
      rules.append('nat', Chain.output, '-o', 'lo', ...notDns, '-m', 'owner', '!', owner, id, '-j', 'RETURN');
    }
    rules.append('nat', Chain.output, '-m', 'owner', owner, id, '-j', 'RETURN');
  };
  // Only the uid rules skip port 53 on the way back to the inbound listener (istio-iptables does the same).
  for (const uid of config.proxyUids) addOwnerRules('--uid-owner', uid, dns);
  for (const gid of config.proxyGids) addOwnerRules('--gid-owner', gid, false);

  if (config.ownerGroupsInclude === '*') {
    for (const group of config.ownerGroupsExclude) {
      rules.append('nat', Chain.output, '-m', 'owner', '--gid-owner', group, '-j', 'RETURN');
    }
  } else {
    const noneOf = config.ownerGroupsInclude.flatMap((group) => ['-m', 'owner', '!', '--gid-owner', group]);
    rules.append('nat', Chain.output, ...noneOf, '-j', 'RETURN');
  }

  if (dns) addDnsCapture(rules, config);

  rules.appendPerFamily(hostLoopback, LOOPBACK_V6, 'nat', Chain.output, '-d', ADDRESS, '-j', 'RETURN');
  for (const cidr of config.outboundIPRangesExclude.filter((c) => c.family === 4)) {
    rules.appendV4('nat', Chain.output, '-d', cidr.text, '-j', 'RETURN');
  }
  for (const cidr of config.outboundIPRangesExclude.filter((c) => c.family === 6)) {
    rules.appendV6('nat', Chain.output, '-d', cidr.text, '-j', 'RETURN');
  }
  for (const port of config.outboundPorts) {
    rules.append('nat', Chain.output, '-p', 'tcp', '--dport', port, '-j', Chain.redirect);
  }
  addOutboundInclude(
    includeV4,
    config.rerouteVirtualInterfaces,
    (...p) => {
      rules.appendV4('nat', Chain.output, ...p);
    },
    (...p) => {
      rules.insertV4('nat', 'PREROUTING', 1, ...p);
    },
  );
  addOutboundInclude(
    includeV6,
    config.rerouteVirtualInterfaces,
    (...p) => {
      rules.appendV6('nat', Chain.output, ...p);
    },
    (...p) => {
      rules.insertV6('nat', 'PREROUTING', 1, ...p);
    },
  );

  if (tproxy) addTproxyMarks(rules, config, mark);
  return { v4: rules.v4, v6: rules.v6 };
}

function addInboundCapture(rules: RuleCollector, config: CaptureConfig): void {
  const ports = config.inboundPorts;
  if (ports !== '*' && ports.length === 0) return;
  const tproxy = config.interceptionMode === 'TPROXY';
  const mark = String(config.tproxyMark);
  const table: Table = tproxy ? 'mangle' : 'nat';
  if (tproxy) {
    // Marked packets are routed to lo by the policy route, where TPROXY hands them to Envoy.
    rules.append('mangle', Chain.divert, '-j', 'MARK', '--set-mark', mark);
    rules.append('mangle', Chain.divert, '-j', 'ACCEPT');
    rules.appendPerFamily(
      config.hostIPv4LoopbackCidr,
      LOOPBACK_V6,
      'mangle',
      Chain.tproxy,
      ...['!', '-d', ADDRESS, '-p', 'tcp', '-j', 'TPROXY'],
      ...['--tproxy-mark', `${mark}/0xffffffff`, '--on-port', String(config.inboundCapturePort)],
    );
  }
  rules.append(table, 'PREROUTING', '-p', 'tcp', '-j', Chain.inbound);
  if (ports === '*') {
    for (const port of config.inboundPortsExclude) {
      rules.append(table, Chain.inbound, '-p', 'tcp', '--dport', port, '-j', 'RETURN');
    }
    if (tproxy) {
      const established = ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];
      rules.append('mangle', Chain.inbound, '-p', 'tcp', ...established, '-j', Chain.divert);
      rules.append('mangle', Chain.inbound, '-p', 'tcp', '-j', Chain.tproxy);
    } else {
      rules.append('nat', Chain.inbound, '-p', 'tcp', '-j', Chain.inRedirect);
    }
    return;
  }
  for (const port of ports) {
    if (tproxy) {
      const established = ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];
      rules.append('mangle', Chain.inbound, '-p', 'tcp', '--dport', port, ...established, '-j', Chain.divert);
      rules.append('mangle', Chain.inbound, '-p', 'tcp', '--dport', port, '-j', Chain.tproxy);
    } else {
      rules.append('nat', Chain.inbound, '-p', 'tcp', '--dport', port, '-j', Chain.inRedirect);
    }
  }
}

interface FamilyRanges {
  readonly all: boolean;
  readonly cidrs: readonly Cidr[];
  readonly hasLoopback: boolean;
}

function familyRanges(selection: CaptureConfig['outboundIPRanges'], family: 4 | 6): FamilyRanges {
  if (selection === '*') return { all: true, cidrs: [], hasLoopback: false };
  const cidrs = selection.filter((c) => c.family === family);
  return { all: false, cidrs, hasLoopback: cidrs.some((c) => c.isLoopback) };
}

function addOutboundInclude(
  ranges: FamilyRanges,
  virtualInterfaces: readonly string[],
  append: (...params: string[]) => void,
  insertPrerouting: (...params: string[]) => void,
): void {
  if (ranges.all) {
    append('-j', Chain.redirect);
    for (const nic of virtualInterfaces) insertPrerouting('-i', nic, '-j', Chain.redirect);
    return;
  }
  for (const cidr of ranges.cidrs) {
    for (const nic of virtualInterfaces) insertPrerouting('-i', nic, '-d', cidr.text, '-j', Chain.redirect);
    append('-d', cidr.text, '-j', Chain.redirect);
  }
}

/** DNS to the agent's resolver on 15053, with separate conntrack zones for the two legs of each lookup. */
function addDnsCapture(rules: RuleCollector, config: CaptureConfig): void {
  const all = config.captureAllDNS;
  const v4 = config.dnsServersV4;
  const v6 = config.dnsServersV6;
  rules.append('raw', 'OUTPUT', '-j', Chain.outputDns);
  if (all || v4.length > 0) rules.appendV4('nat', Chain.output, '-j', Chain.outputDns);
  if (all || v6.length > 0) rules.appendV6('nat', Chain.output, '-j', Chain.outputDns);

  for (const protocol of ['tcp', 'udp'] as const) {
    // iptables accepts both spellings; istio-iptables happens to use one per protocol.
    const toPort = protocol === 'tcp' ? '--to-ports' : '--to-port';
    if (all) {
      rules.append(
        'nat',
        Chain.outputDns,
        '-p',
        protocol,
        '--dport',
        '53',
        '-j',
        'REDIRECT',
        toPort,
        AGENT_DNS_PORT,
      );
      continue;
    }
    for (const server of v4) {
      rules.appendV4(
        'nat',
        Chain.outputDns,
        ...['-p', protocol, '--dport', '53', '-d', `${server}/32`, '-j', 'REDIRECT', toPort, AGENT_DNS_PORT],
      );
    }
    for (const server of v6) {
      rules.appendV6(
        'nat',
        Chain.outputDns,
        ...['-p', protocol, '--dport', '53', '-d', `${server}/128`, '-j', 'REDIRECT', toPort, AGENT_DNS_PORT],
      );
    }
  }

  // Zone 1: the agent talking to upstream resolvers; zone 2: apps talking to the agent.
  const zone = (owner: '--uid-owner' | '--gid-owner', id: string): void => {
    rules.append(
      'raw',
      Chain.outputDns,
      '-p',
      'udp',
      '--dport',
      '53',
      '-m',
      'owner',
      owner,
      id,
      '-j',
      'CT',
      '--zone',
      '1',
    );
    rules.append(
      'raw',
      Chain.outputDns,
      '-p',
      'udp',
      '--sport',
      AGENT_DNS_PORT,
      '-m',
      'owner',
      owner,
      id,
      '-j',
      'CT',
      '--zone',
      '2',
    );
  };
  for (const uid of config.proxyUids) zone('--uid-owner', uid);
  for (const gid of config.proxyGids) zone('--gid-owner', gid);

  if (all) {
    rules.append('raw', 'PREROUTING', '-j', Chain.inbound);
    rules.append('raw', Chain.outputDns, '-p', 'udp', '--dport', '53', '-j', 'CT', '--zone', '2');
    rules.append('raw', Chain.inbound, '-p', 'udp', '--sport', '53', '-j', 'CT', '--zone', '1');
    return;
  }
  if (v4.length > 0) rules.appendV4('raw', 'PREROUTING', '-j', Chain.inbound);
  for (const server of v4) {
    rules.appendV4(
      'raw',
      Chain.outputDns,
      '-p',
      'udp',
      '--dport',
      '53',
      '-d',
      `${server}/32`,
      '-j',
      'CT',
      '--zone',
      '2',
    );
    rules.appendV4(
      'raw',
      Chain.inbound,
      '-p',
      'udp',
      '--sport',
      '53',
      '-s',
      `${server}/32`,
      '-j',
      'CT',
      '--zone',
      '1',
    );
  }
  if (v6.length > 0) rules.appendV6('raw', 'PREROUTING', '-j', Chain.inbound);
  for (const server of v6) {
    rules.appendV6(
      'raw',
      Chain.outputDns,
      '-p',
      'udp',
      '--dport',
      '53',
      '-d',
      `${server}/128`,
      '-j',
      'CT',
      '--zone',
      '2',
    );
    rules.appendV6(
      'raw',
      Chain.inbound,
      '-p',
      'udp',
      '--sport',
      '53',
      '-s',
      `${server}/128`,
      '-j',
      'CT',
      '--zone',
      '1',
    );
  }
}

/** TPROXY keeps the original source address, so return traffic is steered with packet and connection marks. */
function addTproxyMarks(rules: RuleCollector, config: CaptureConfig, mark: string): void {
  rules.append(
    'mangle',
    'PREROUTING',
    '-p',
    'tcp',
    '-m',
    'mark',
    '--mark',
    mark,
    '-j',
    'CONNMARK',
    '--save-mark',
  );
  rules.append('mangle', 'OUTPUT', '-p', 'tcp', '-o', 'lo', '-m', 'mark', '--mark', mark, '-j', 'RETURN');
  const markProxyToApp = (owner: '--uid-owner' | '--gid-owner', id: string): void => {
    rules.appendPerFamily(
      config.hostIPv4LoopbackCidr,
      LOOPBACK_V6,
      'mangle',
      'OUTPUT',
      ...['!', '-d', ADDRESS, '-p', 'tcp', '-o', 'lo', '-m', 'owner', owner, id],
      ...['-j', 'MARK', '--set-mark', OUTBOUND_MARK],
    );
  };
  for (const uid of config.proxyUids) markProxyToApp('--uid-owner', uid);
  for (const gid of config.proxyGids) markProxyToApp('--gid-owner', gid);
  rules.append(
    'mangle',
    'OUTPUT',
    '-p',
    'tcp',
    '-m',
    'connmark',
    '--mark',
    mark,
    '-j',
    'CONNMARK',
    '--restore-mark',
  );
  rules.insert('mangle', Chain.inbound, 1, '-p', 'tcp', '-m', 'mark', '--mark', mark, '-j', 'RETURN');
  rules.insertV4(
    'mangle',
    Chain.inbound,
    2,
    '-p',
    'tcp',
    '-s',
    INBOUND_PASSTHROUGH_V4,
    '-i',
    'lo',
    '-j',
    'RETURN',
  );
  rules.insertV6(
    'mangle',
    Chain.inbound,
    2,
    '-p',
    'tcp',
    '-s',
    INBOUND_PASSTHROUGH_V6,
    '-i',
    'lo',
    '-j',
    'RETURN',
  );
  rules.insert(
    'mangle',
    Chain.inbound,
    3,
    '-p',
    'tcp',
    '-i',
    'lo',
    '-m',
    'mark',
    '!',
    '--mark',
    OUTBOUND_MARK,
    '-j',
    'RETURN',
  );
}

/** Prints one family's rules as iptables-restore input; empty when there are none. */
export function formatRestore(rules: readonly Rule[]): string {
  const lines: string[] = [];
  for (const table of TABLE_ORDER) {
    const inTable = rules.filter((r) => r.table === table);
    if (inTable.length === 0) continue;
    const declared = new Set<string>();
    const chains: string[] = [];
    const declare = (chain: string): void => {
      if (BUILT_IN.has(chain) || declared.has(chain)) return;
      declared.add(chain);
      chains.push(chain);
    };
    for (const rule of inTable) declare(rule.chain);
    // A chain that is only jumped to still has to exist for the jump to load.
    for (const rule of inTable) {
      if (rule.params.at(-2) === '-j') declare(rule.params.at(-1) ?? '');
    }
    lines.push(
      `* ${table}`,
      ...chains.map((c) => `-N ${c}`),
      ...inTable.map((r) => r.params.join(' ')),
      'COMMIT',
    );
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** The `ip` commands for the `::6` inbound source address and TPROXY policy routing. */
export function routeCommands(config: CaptureConfig): string[] {
  const commands: string[] = [];
  if (config.ipv6) commands.push('ip -6 addr add ::6/128 dev lo');
  const capturesInbound = config.inboundPorts === '*' || config.inboundPorts.length > 0;
  if (config.interceptionMode !== 'TPROXY' || !capturesInbound) return commands;
  const families = config.ipv6 ? (['-4', '-6'] as const) : (['-4'] as const);
  for (const family of families) {
    commands.push(`ip ${family} rule add fwmark ${config.tproxyMark} lookup ${config.tproxyRouteTable}`);
  }
  for (const family of families) {
    const everything = family === '-4' ? '0.0.0.0/0' : '::/0';
    commands.push(`ip ${family} route add local ${everything} dev lo table ${config.tproxyRouteTable}`);
  }
  return commands;
}

/** The rules istio-iptables would install for `config`, ready for iptables-restore. */
export function renderRules(config: CaptureConfig): RenderedRules {
  const { v4, v6 } = buildRules(config);
  return {
    ipv4: formatRestore(v4),
    ipv6: v6 === undefined ? undefined : formatRestore(v6),
    routes: routeCommands(config),
  };
}
