// `convert --ipsets FILE`: sets declared with the members `ipset save` lists,
// or the rule reported when an nft set cannot hold what the ipset does.
import { expect, it, describe } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { convertDump } from "../../src/emit/nft.js";
import { parseIpsetSave } from "../../src/emit/nft-ipset.js";
import { DumpError } from "../../src/syntax/build.js";
import { describeKernel, runInNetns } from "../helpers/kernel.js";

const SAVE = `create allow hash:ip family inet hashsize 1024 maxelem 65536
add allow 10.0.0.1
add allow 10.0.0.2
create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 comment
add KUBE-CLUSTER-IP 10.96.0.1,tcp:443 comment "default/kubernetes:https"
add KUBE-CLUSTER-IP 10.96.0.10,udp:53 comment "kube-system/kube-dns:dns"
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30080
create pairs hash:ip,port,net family inet
add pairs 10.1.0.1,8080,10.2.0.0/16
create nets hash:net family inet
add nets 192.168.0.0/16
add nets 10.0.0.0/8
create v6 hash:net family inet6
add v6 fd00::/64
create except hash:net family inet
add except 10.0.0.0/8
add except 10.1.0.0/16 nomatch
create both list:set size 8
add both allow
create recent hash:ip family inet timeout 300
add recent 1.2.3.4 timeout 200
`;

const RULES = `*filter
:INPUT ACCEPT [0:0]
-A INPUT -m set --match-set allow src -j ACCEPT
-A INPUT -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
-A INPUT -p tcp -m set --match-set KUBE-NODE-PORT-TCP dst -j ACCEPT
-A INPUT -m set --match-set pairs src,dst,dst -j ACCEPT
-A INPUT -m set ! --match-set nets src -j DROP
-A INPUT -m set --match-set elsewhere src -j DROP
COMMIT
`;

const ipsets = parseIpsetSave(SAVE, "sets.save");

describe("convert --ipsets", () => {
  it("declares each set with the members ipset lists, as nft elements", () => {
    const r = convertDump(parse(RULES, { file: "t.rules" }), { ipsets });
    expect(r.problems).toEqual([]);
    expect(r.text).toMatch(/set allow \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tcomment "[^"]*"\n\t\telements = \{\n\t\t\t10\.0\.0\.1,\n\t\t\t10\.0\.0\.2\n\t\t\}/);
    expect(r.text).toContain("\t\t\t10.96.0.1 . tcp . 443,\n\t\t\t10.96.0.10 . udp . 53\n");
    // a port alone is tcp's (ipset's default protocol)
    expect(r.text).toContain("\t\t\t10.1.0.1 . tcp . 8080 . 10.2.0.0/16\n");
    expect(r.text).toContain("ip saddr . meta l4proto . th dport . ip daddr @pairs counter accept");
    expect(r.text).toMatch(/set KUBE-NODE-PORT-TCP \{\n\t\ttype inet_service\n[^}]*elements = \{\n\t\t\t30080\n/);
    // a set the file lacks stays empty, and the user is told
    expect(r.text).toMatch(/set elsewhere \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tcomment "ipset elsewhere: fill from the host/);
    expect(r.notes.filter((n) => n.code === "ipset-missing").map((n) => n.message)).toEqual([expect.stringContaining("ipset elsewhere is not in the ipset file")]);
  });

  it("reports what an nft set cannot hold instead of copying it wrongly", () => {
    const problems = (rule: string) => convertDump(parse(`*filter\n-A INPUT ${rule} -j DROP\nCOMMIT\n`, { file: "t.rules" }), { ipsets }).problems.map((p) => `${p.kind}: ${p.reason}`);
    expect(problems("-m set --match-set except src")).toEqual([expect.stringMatching(/^untranslatable: .*'nomatch'/)]);
    expect(problems("-m set --match-set both src")).toEqual([expect.stringMatching(/^untranslatable: .*list:set/)]);
    expect(problems("-m set --match-set v6 src")).toEqual([expect.stringMatching(/^untranslatable: .*family inet6/)]);
    expect(problems("-m set --match-set KUBE-CLUSTER-IP dst")).toEqual([expect.stringMatching(/^untranslatable: .*2 dimensions and the match names 1/)]);
    expect(problems("-m set --match-set recent src")).toEqual([expect.stringMatching(/^approximate: .*timeouts/)]);
    // bitmap:port without a port protocol: ipset reads ICMP type/code as the port, nft other bytes
    expect(problems("-m set --match-set KUBE-NODE-PORT-TCP dst")).toEqual([expect.stringMatching(/^approximate: .*without -p tcp/)]);
    expect(problems("-p udp -m set --match-set KUBE-NODE-PORT-TCP dst")).toEqual([]);
  });

  it("rejects a line that is not ipset save syntax, with its position", () => {
    try {
      parseIpsetSave("create a hash:ip\nadd b 10.0.0.1\n", "s.save");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DumpError);
      expect((e as DumpError).message).toBe("s.save:2:5: set 'b' is added to before it is created");
    }
  });
});

describeKernel("convert --ipsets output", () => {
  it("loads with nft -c", () => {
    const r = convertDump(parse(RULES, { file: "t.rules" }), { ipsets });
    const c = runInNetns("nft -c -f -", { input: r.text });
    expect(c.stderr).toBe("");
    expect(c.status).toBe(0);
  });
});
