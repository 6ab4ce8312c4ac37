// The parser's number-only IPv4 path must agree with the general BigInt one on
// every input, valid or not (seeded random inputs plus edge cases).
import { describe, expect, it } from "vitest";
import { formatAddr, parseCidr, parseCidr4, parseIPv4, prefixOfMask, maskOfPrefix } from "../../src/syntax/inet.js";

function slow(text: string) {
  const c = parseCidr(text, "ipv4");
  if (typeof c === "string") return undefined;
  return { addr: formatAddr(c.addr, "ipv4"), prefix: c.prefix, mask: formatAddr(c.mask, "ipv4") };
}

describe("parseCidr4", () => {
  it("agrees with parseCidr on edge cases", () => {
    const cases = ["0.0.0.0/0", "255.255.255.255", "10.1.2.3/8", "10.1.2.3/32", "10.1.2.3/33", "10.1.2.3/", "1.2.3", "1.2.3.4.5", "256.1.1.1",
      "01.2.3.4", "1.2.3.4/08", "1..2.3", ".1.2.3", "1.2.3.4/x", "1.2.3.4/255.0.0.0", "", "/8", "1.2.3.4/1000", "0001.2.3.4"];
    for (const c of cases) {
      const fast = parseCidr4(c);
      // the fast path may decline (undefined) and leave the input to the general path; when it answers, it must agree
      if (fast) expect(fast, c).toEqual(slow(c));
      else if (!c.includes("/255.")) expect(slow(c) === undefined || /\/\d{4,}|\/0\d|0\d/.test(c), c).toBe(true);
    }
  });

  it("agrees with parseCidr on 20,000 random inputs", () => {
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0), seed % n);
    for (let i = 0; i < 20_000; i++) {
      // some octets written with leading zeros (`010`), which the canonical text drops
      const octets = Array.from({ length: 4 }, () => String(rnd(300)).padStart(rnd(8) === 0 ? 3 : 1, "0"));
      const text = octets.join(".") + (rnd(3) ? `/${rnd(35)}` : "");
      const fast = parseCidr4(text);
      expect(fast, text).toEqual(slow(text));
    }
  });

  it("number helpers match BigInt arithmetic", () => {
    for (let p = 0; p <= 32; p++) expect(prefixOfMask(maskOfPrefix(p, "ipv4"), "ipv4")).toBe(p);
    expect(prefixOfMask(parseIPv4("255.0.255.0")!, "ipv4")).toBeNull();
    expect(parseIPv4("1.2.3.4")).toBe(0x01020304n);
    expect(formatAddr(0xc0a80001n, "ipv4")).toBe("192.168.0.1");
  });
});
