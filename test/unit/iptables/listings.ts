// Expected iptables-restore listings, written from the golden files of Istio's istio-iptables tests
// (tools/istio-iptables/pkg/capture/testdata/*.golden) for the same settings, updated to current istio-iptables:
// `-A OUTPUT -j ISTIO_OUTPUT` without `-p tcp`, the ISTIO_DROP chain, DNS rules only when there is something to
// capture, and no trailing `-j RETURN` after an explicit -i list.
//
// The blocks below are plain text on purpose: a reviewer compares them with the goldens line by line.

/** Splits a listing into lines, dropping the indentation of the template literal. */
export function listing(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The nat head every listing starts with (chains, tunnel bypass, the two REDIRECT chains). */
const NAT_HEAD = `
  -N ISTIO_INBOUND
  -N ISTIO_REDIRECT
  -N ISTIO_IN_REDIRECT
  -N ISTIO_OUTPUT`;

const REDIRECT_CHAINS = `
  -A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN
  -A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001
  -A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006`;

/** The proxy's own traffic (uid and gid 1337), IPv4, no DNS capture. */
const OWNER_1337_V4 = `
  -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN`;

const OWNER_1337_V6 = `
  -A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN`;

/** uid 3,4 and gid 1,2 with DNS capture on (the ip-range / dns-uid-gid goldens), IPv4. */
const OWNER_3412_DNS_V4 = `
  -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 3 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 3 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 3 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 4 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 4 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 4 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 1 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 2 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 2 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 2 -j RETURN`;

/** Conntrack zones for the proxy's DNS traffic, uid 3,4 and gid 1,2. */
const DNS_ZONES_3412 = `
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 3 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 3 -j CT --zone 2
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 4 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 4 -j CT --zone 2
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --gid-owner 1 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --gid-owner 1 -j CT --zone 2
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --gid-owner 2 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --gid-owner 2 -j CT --zone 2`;

export const EMPTY = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const INBOUND_PORTS_WILDCARD = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const INBOUND_PORTS_INCLUDE = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 32000 -j ISTIO_IN_REDIRECT
  -A ISTIO_INBOUND -p tcp --dport 31000 -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

/** `-b * -d 22,80,443`: one RETURN per excluded port (istio-iptables releases through 1.28). */
export const INBOUND_WILDCARD_EXCLUDE = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 22 -j RETURN
  -A ISTIO_INBOUND -p tcp --dport 80 -j RETURN
  -A ISTIO_INBOUND -p tcp --dport 443 -j RETURN
  -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const OUTBOUND_PORTS_EXCLUDE = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -p tcp --dport 22 -j RETURN
  -A ISTIO_OUTPUT -p udp --dport 22 -j RETURN
  -A ISTIO_OUTPUT -p tcp --dport 80 -j RETURN
  -A ISTIO_OUTPUT -p udp --dport 80 -j RETURN ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const OUTBOUND_PORTS_INCLUDE = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -p tcp --dport 32000 -j ISTIO_REDIRECT
  -A ISTIO_OUTPUT -p tcp --dport 31000 -j ISTIO_REDIRECT
  COMMIT`);

export const KUBE_VIRT_INTERFACES = listing(`
  * nat ${NAT_HEAD}
  -I PREROUTING 1 -i eth1 -j RETURN
  -I PREROUTING 1 -i eth2 -j RETURN ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -j ISTIO_REDIRECT
  -I PREROUTING 1 -i eth1 -j ISTIO_REDIRECT
  -I PREROUTING 1 -i eth2 -j ISTIO_REDIRECT
  COMMIT`);

export const IPNETS = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT
  COMMIT`);

export const IPNETS_WITH_KUBE_VIRT_INTERFACES = listing(`
  * nat ${NAT_HEAD}
  -I PREROUTING 1 -i eth1 -j RETURN
  -I PREROUTING 1 -i eth2 -j RETURN ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -I PREROUTING 1 -i eth1 -d 10.0.0.0/8 -j ISTIO_REDIRECT
  -I PREROUTING 1 -i eth2 -d 10.0.0.0/8 -j ISTIO_REDIRECT
  -A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT
  COMMIT`);

export const BASIC_EXCLUDE_NIC = listing(`
  * nat ${NAT_HEAD}
  -A PREROUTING -i not-istio-nic -j RETURN
  -A OUTPUT -o not-istio-nic -j RETURN ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const DROP_INVALID = listing(`
  * mangle
  -N ISTIO_DROP
  -A PREROUTING -m conntrack --ctstate INVALID -j ISTIO_DROP
  -A ISTIO_DROP -j DROP
  COMMIT
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const OUTBOUND_OWNER_GROUPS = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -m owner ! --gid-owner java -m owner ! --gid-owner 202 -j RETURN
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const OUTBOUND_OWNER_GROUPS_EXCLUDE = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -m owner --gid-owner 888 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner ftp -j RETURN
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const HOST_IPV4_LOOPBACK_CIDR = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/8 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/8 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -d 127.0.0.1/8 -j RETURN
  COMMIT`);

/** `-x 1.1.0.0/16 -i 9.9.0.0/16`, DNS capture to 127.0.0.53, uid 3,4, gid 1,2. */
export const IP_RANGE = listing(`
  * nat ${NAT_HEAD}
  -N ISTIO_OUTPUT_DNS ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_3412_DNS_V4}
  -A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p tcp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-ports 15053
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-port 15053
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -d 1.1.0.0/16 -j RETURN
  -A ISTIO_OUTPUT -d 9.9.0.0/16 -j ISTIO_REDIRECT
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -N ISTIO_INBOUND
  -A OUTPUT -j ISTIO_OUTPUT_DNS ${DNS_ZONES_3412}
  -A PREROUTING -j ISTIO_INBOUND
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j CT --zone 2
  -A ISTIO_INBOUND -p udp --sport 53 -s 127.0.0.53/32 -j CT --zone 1
  COMMIT`);

/** `-i 127.1.2.3/32`: a loopback range in -i drops the "app to app over lo" RETURNs. */
export const LOOPBACK_OUTBOUND_IPRANGE = listing(`
  * nat ${NAT_HEAD}
  -N ISTIO_OUTPUT_DNS ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 3 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -m owner --uid-owner 3 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 4 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -m owner --uid-owner 4 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -m owner --gid-owner 1 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 2 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -m owner --gid-owner 2 -j RETURN
  -A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p tcp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-ports 15053
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-port 15053
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -d 127.1.2.3/32 -j ISTIO_REDIRECT
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -N ISTIO_INBOUND
  -A OUTPUT -j ISTIO_OUTPUT_DNS ${DNS_ZONES_3412}
  -A PREROUTING -j ISTIO_INBOUND
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j CT --zone 2
  -A ISTIO_INBOUND -p udp --sport 53 -s 127.0.0.53/32 -j CT --zone 1
  COMMIT`);

/** DNS servers 127.0.0.53 and ::127.0.0.53 (passed through as written), uid 3,4, gid 1,2, IPv6 on. */
export const DNS_UID_GID_V4 = listing(`
  * nat ${NAT_HEAD}
  -N ISTIO_OUTPUT_DNS ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_3412_DNS_V4}
  -A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p tcp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-ports 15053
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-port 15053
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -N ISTIO_INBOUND
  -A OUTPUT -j ISTIO_OUTPUT_DNS ${DNS_ZONES_3412}
  -A PREROUTING -j ISTIO_INBOUND
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j CT --zone 2
  -A ISTIO_INBOUND -p udp --sport 53 -s 127.0.0.53/32 -j CT --zone 1
  COMMIT`);

export const DNS_UID_GID_V6 = listing(`
  * nat ${NAT_HEAD}
  -N ISTIO_OUTPUT_DNS ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 3 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 3 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 3 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 4 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 4 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 4 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp ! --dport 15008 -m owner --gid-owner 1 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 1 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp ! --dport 15008 -m owner --gid-owner 2 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 2 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 2 -j RETURN
  -A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p tcp --dport 53 -d ::127.0.0.53/128 -j REDIRECT --to-ports 15053
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d ::127.0.0.53/128 -j REDIRECT --to-port 15053
  -A ISTIO_OUTPUT -d ::1/128 -j RETURN
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -N ISTIO_INBOUND
  -A OUTPUT -j ISTIO_OUTPUT_DNS ${DNS_ZONES_3412}
  -A PREROUTING -j ISTIO_INBOUND
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d ::127.0.0.53/128 -j CT --zone 2
  -A ISTIO_INBOUND -p udp --sport 53 -s ::127.0.0.53/128 -j CT --zone 1
  COMMIT`);

/** `--capture-all-dns`: port 53 to anywhere, no resolv.conf needed. */
export const CAPTURE_ALL_DNS = listing(`
  * nat ${NAT_HEAD}
  -N ISTIO_OUTPUT_DNS ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p tcp --dport 53 -j REDIRECT --to-ports 15053
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -N ISTIO_INBOUND
  -A OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 1337 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 1337 -j CT --zone 2
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --gid-owner 1337 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --gid-owner 1337 -j CT --zone 2
  -A PREROUTING -j ISTIO_INBOUND
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -j CT --zone 2
  -A ISTIO_INBOUND -p udp --sport 53 -j CT --zone 1
  COMMIT`);

/** The tproxy golden: `-m TPROXY -b * -x 1.1.0.0/16 -i 9.9.0.0/16 -c not-istio-nic`, DNS to 127.0.0.53, IPv6. */
export const TPROXY_V4 = listing(`
  * mangle
  -N ISTIO_DIVERT
  -N ISTIO_TPROXY
  -N ISTIO_INBOUND
  -A PREROUTING -i not-istio-nic -j RETURN
  -A OUTPUT -o not-istio-nic -j RETURN
  -A ISTIO_DIVERT -j MARK --set-mark 1337
  -A ISTIO_DIVERT -j ACCEPT
  -A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT
  -A ISTIO_INBOUND -p tcp -j ISTIO_TPROXY
  -A PREROUTING -p tcp -m mark --mark 1337 -j CONNMARK --save-mark
  -A OUTPUT -p tcp -o lo -m mark --mark 1337 -j RETURN
  -A OUTPUT ! -d 127.0.0.1/32 -p tcp -o lo -m owner --uid-owner 1337 -j MARK --set-mark 1338
  -A OUTPUT ! -d 127.0.0.1/32 -p tcp -o lo -m owner --gid-owner 1337 -j MARK --set-mark 1338
  -A OUTPUT -p tcp -m connmark --mark 1337 -j CONNMARK --restore-mark
  -I ISTIO_INBOUND 1 -p tcp -m mark --mark 1337 -j RETURN
  -I ISTIO_INBOUND 2 -p tcp -s 127.0.0.6/32 -i lo -j RETURN
  -I ISTIO_INBOUND 3 -p tcp -i lo -m mark ! --mark 1338 -j RETURN
  COMMIT
  * nat ${NAT_HEAD}
  -N ISTIO_OUTPUT_DNS
  -A PREROUTING -i not-istio-nic -j RETURN
  -A OUTPUT -o not-istio-nic -j RETURN ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p tcp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-ports 15053
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j REDIRECT --to-port 15053
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -d 1.1.0.0/16 -j RETURN
  -A ISTIO_OUTPUT -d 9.9.0.0/16 -j ISTIO_REDIRECT
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -N ISTIO_INBOUND
  -A OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 1337 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 1337 -j CT --zone 2
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --gid-owner 1337 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --gid-owner 1337 -j CT --zone 2
  -A PREROUTING -j ISTIO_INBOUND
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 127.0.0.53/32 -j CT --zone 2
  -A ISTIO_INBOUND -p udp --sport 53 -s 127.0.0.53/32 -j CT --zone 1
  COMMIT`);

export const TPROXY_V6 = listing(`
  * mangle
  -N ISTIO_DIVERT
  -N ISTIO_TPROXY
  -N ISTIO_INBOUND
  -A PREROUTING -i not-istio-nic -j RETURN
  -A OUTPUT -o not-istio-nic -j RETURN
  -A ISTIO_DIVERT -j MARK --set-mark 1337
  -A ISTIO_DIVERT -j ACCEPT
  -A ISTIO_TPROXY ! -d ::1/128 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT
  -A ISTIO_INBOUND -p tcp -j ISTIO_TPROXY
  -A PREROUTING -p tcp -m mark --mark 1337 -j CONNMARK --save-mark
  -A OUTPUT -p tcp -o lo -m mark --mark 1337 -j RETURN
  -A OUTPUT ! -d ::1/128 -p tcp -o lo -m owner --uid-owner 1337 -j MARK --set-mark 1338
  -A OUTPUT ! -d ::1/128 -p tcp -o lo -m owner --gid-owner 1337 -j MARK --set-mark 1338
  -A OUTPUT -p tcp -m connmark --mark 1337 -j CONNMARK --restore-mark
  -I ISTIO_INBOUND 1 -p tcp -m mark --mark 1337 -j RETURN
  -I ISTIO_INBOUND 2 -p tcp -s ::6/128 -i lo -j RETURN
  -I ISTIO_INBOUND 3 -p tcp -i lo -m mark ! --mark 1338 -j RETURN
  COMMIT
  * nat ${NAT_HEAD}
  -A PREROUTING -i not-istio-nic -j RETURN
  -A OUTPUT -o not-istio-nic -j RETURN ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT
  -A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
  -A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN
  -A ISTIO_OUTPUT -d ::1/128 -j RETURN
  COMMIT
  * raw
  -N ISTIO_OUTPUT_DNS
  -A OUTPUT -j ISTIO_OUTPUT_DNS
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 1337 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 1337 -j CT --zone 2
  -A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --gid-owner 1337 -j CT --zone 1
  -A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --gid-owner 1337 -j CT --zone 2
  COMMIT`);

/** `-m TPROXY -b 32000,31000` (the inbound-ports-tproxy golden). */
export const INBOUND_PORTS_TPROXY = listing(`
  * mangle
  -N ISTIO_DIVERT
  -N ISTIO_TPROXY
  -N ISTIO_INBOUND
  -A ISTIO_DIVERT -j MARK --set-mark 1337
  -A ISTIO_DIVERT -j ACCEPT
  -A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 32000 -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT
  -A ISTIO_INBOUND -p tcp --dport 32000 -j ISTIO_TPROXY
  -A ISTIO_INBOUND -p tcp --dport 31000 -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT
  -A ISTIO_INBOUND -p tcp --dport 31000 -j ISTIO_TPROXY
  -A PREROUTING -p tcp -m mark --mark 1337 -j CONNMARK --save-mark
  -A OUTPUT -p tcp -o lo -m mark --mark 1337 -j RETURN
  -A OUTPUT ! -d 127.0.0.1/32 -p tcp -o lo -m owner --uid-owner 1337 -j MARK --set-mark 1338
  -A OUTPUT ! -d 127.0.0.1/32 -p tcp -o lo -m owner --gid-owner 1337 -j MARK --set-mark 1338
  -A OUTPUT -p tcp -m connmark --mark 1337 -j CONNMARK --restore-mark
  -I ISTIO_INBOUND 1 -p tcp -m mark --mark 1337 -j RETURN
  -I ISTIO_INBOUND 2 -p tcp -s 127.0.0.6/32 -i lo -j RETURN
  -I ISTIO_INBOUND 3 -p tcp -i lo -m mark ! --mark 1338 -j RETURN
  COMMIT
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

/** `-b 4000,5000 -k eth0,eth1` with IPv6 on (the ipv6-virt-interfaces golden); both families alike. */
export const VIRT_INTERFACES_V4 = listing(`
  * nat ${NAT_HEAD}
  -I PREROUTING 1 -i eth0 -j RETURN
  -I PREROUTING 1 -i eth1 -j RETURN ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 4000 -j ISTIO_IN_REDIRECT
  -A ISTIO_INBOUND -p tcp --dport 5000 -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const VIRT_INTERFACES_V6 = listing(`
  * nat ${NAT_HEAD}
  -I PREROUTING 1 -i eth0 -j RETURN
  -I PREROUTING 1 -i eth1 -j RETURN ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 4000 -j ISTIO_IN_REDIRECT
  -A ISTIO_INBOUND -p tcp --dport 5000 -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V6}
  -A ISTIO_OUTPUT -d ::1/128 -j RETURN
  COMMIT`);

/**
 * The ipv6-ipnets golden: `-b 4000,5000 -d 6000,7000, -k eth0,eth1 -x 2001:db8::/32 -i 2001:db8::/32`. The CIDRs
 * are IPv6 only, so the IPv4 side captures no destination; -d is ignored because -b is a list.
 */
export const IPNETS_V4 = listing(`
  * nat ${NAT_HEAD}
  -I PREROUTING 1 -i eth0 -j RETURN
  -I PREROUTING 1 -i eth1 -j RETURN ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 4000 -j ISTIO_IN_REDIRECT
  -A ISTIO_INBOUND -p tcp --dport 5000 -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  COMMIT`);

export const IPNETS_V6 = listing(`
  * nat ${NAT_HEAD}
  -I PREROUTING 1 -i eth0 -j RETURN
  -I PREROUTING 1 -i eth1 -j RETURN ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 4000 -j ISTIO_IN_REDIRECT
  -A ISTIO_INBOUND -p tcp --dport 5000 -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V6}
  -A ISTIO_OUTPUT -d ::1/128 -j RETURN
  -A ISTIO_OUTPUT -d 2001:db8::/32 -j RETURN
  -I PREROUTING 1 -i eth0 -d 2001:db8::/32 -j ISTIO_REDIRECT
  -I PREROUTING 1 -i eth1 -d 2001:db8::/32 -j ISTIO_REDIRECT
  -A ISTIO_OUTPUT -d 2001:db8::/32 -j ISTIO_REDIRECT
  COMMIT`);

/** The ipv6-outbound-ports golden: no inbound capture, `-q 32000,31000`. */
export const OUTBOUND_PORTS_V6 = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V6}
  -A ISTIO_OUTPUT -d ::1/128 -j RETURN
  -A ISTIO_OUTPUT -p tcp --dport 32000 -j ISTIO_REDIRECT
  -A ISTIO_OUTPUT -p tcp --dport 31000 -j ISTIO_REDIRECT
  COMMIT`);

export const EMPTY_V6 = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V6}
  -A ISTIO_OUTPUT -d ::1/128 -j RETURN
  COMMIT`);

/**
 * The seed's pod (`-p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020`), whose
 * `iptables -t nat -S` listing the seed shows; this is the same rule set in restore order.
 */
export const SEED_DEFAULT = listing(`
  * nat ${NAT_HEAD} ${REDIRECT_CHAINS}
  -A PREROUTING -p tcp -j ISTIO_INBOUND
  -A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN
  -A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN
  -A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN
  -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
  -A OUTPUT -j ISTIO_OUTPUT ${OWNER_1337_V4}
  -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
  -A ISTIO_OUTPUT -j ISTIO_REDIRECT
  COMMIT`);
