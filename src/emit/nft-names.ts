// Which names nft can read back unquoted. nft 1.0.x has no quoting for table,
// chain and set names, so an iptables chain named like a keyword (`fwd`,
// `counter`) or holding other characters (`1st`, `a+b`) must be renamed.
// The words are every keyword of nft's scanner (src/scanner.l); newer nft
// scopes many of them, older releases do not, so all of them are avoided.

const KEYWORDS = new Set(
  `
  8021ad 8021q a-rwnd abort accept ackseq add addr ah all and arp asconf asconf-ack auto-merge avgpkt bridge 
  burst bypass bytes cfi cgroup cgroupv2 chain chains check checksum chunk classid code comment comp constant 
  continue cookie-ack cookie-echo count counter counters cpi cpu create csumcov ct cum-tsn-ack cwr daddr data 
  day dccp define dei delete describe destroy device devices direction dnat doff dport drop dscp dst dup 
  dynamic echo ecn ecne element elements eol eq error esp ether event exists expectation expiration expires 
  export exthdr fanout fastopen fib flags flow flowlabel flowtable flowtables flush forward-tsn frag frag-off 
  fully-random fwd gateway gc-interval ge geneve get goto gre gretap group gt handle hbh hdrlength heartbeat 
  heartbeat-ack helper helpers hlen hook hooks hoplimit hour htype ibriport ibrname icmp icmpv6 icmpx id igmp 
  iif iifgroup iifname iiftype import in inc include index inet init init-ack init-tag initial-tsn insert 
  interval ip ip6 ipsec jhash json jump l3proto label last last-entry le left length level limit limits list ll 
  log lowest-tsn lshift lsrr lt map maps mark masquerade max-delay maxseg md5sig memory meta meter meters mh 
  minute missing mod monitor more-fragments mptcp mrt mss mtu name ne netdev never new-cum-tsn nexthdr nexthop 
  nftrace nh noop nop not notrack num num-dup-tsns num-gap-ack-blocks num-inbound-streams num-outbound-streams 
  numgen obriport obrname offload offset oif oifgroup oifname oiftype operation option options or original osf 
  out over packets param-problem pcp performance persistent pkttype plen policy port position ppid prefix 
  priority proto-dst proto-src protocol ptr ptype queue queue-threshold quota quotas ra random rate redefine 
  redirect reject rename replace reply reqid reserved reserved2 reset return right rr rshift rt rt0 rt2 
  rtclassid rule rules ruleset sack sack-perm sack-permitted sack0 sack1 sack2 sack3 saddr sctp secmark 
  secmarks second seed seg-left seqno sequence set sets shutdown shutdown-ack shutdown-complete sid size skgid 
  skuid snaplen snat socket spi spnum sport srh ssn ssrr state status stream subtype symhash synproxy synproxys 
  table tables taddr tag tcp th time timeout timestamp to tproxy trace transparent tsecr tsn tsval ttl tunnel 
  tunnels type typeof udp udplite undefine until update urgptr used value version vlan vm vmap vni vtag vxlan 
  week wildcard window with wscale xml xor xt zone `.split(/\s+/).filter(Boolean),
);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

export function isNftName(name: string): boolean {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name) && name.length <= 256;
}

/** A readable name nft accepts, close to `name` and not in `taken`. */
export function safeNftName(name: string, taken: { has(name: string): boolean }): string {
  let base = name.replace(/[^A-Za-z0-9_./-]/g, "_");
  if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
  if (KEYWORDS.has(base)) base = `${base}_`;
  let out = base;
  for (let i = 2; taken.has(out) || !isNftName(out); i++) out = `${base}_${i}`;
  return out;
}
