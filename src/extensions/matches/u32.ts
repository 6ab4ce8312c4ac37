// libxt_u32: tests on 32-bit words at computed offsets. iptables-save reprints
// the expression with every number in hex (`0>>22&0x3C` -> `0x0>>0x16&0x3c`).
import type { MatchCall, TargetCall } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

const NUM = /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i;

function num(text: string): number | undefined {
  const n = /^0x/i.test(text) ? parseInt(text, 16) : /^0[0-7]+$/.test(text) ? parseInt(text, 8) : Number(text);
  return n <= 0xffffffff ? n : undefined;
}

/** The expression in canonical form, or an error message. */
export function canonU32(expr: string): { text: string } | { error: string } {
  const e = expr.replace(/\s+/g, "");
  const tests: string[] = [];
  for (const test of e.split("&&")) {
    const eq = test.indexOf("=");
    if (eq < 0) return { error: `'${test}' has no '='` };
    let loc = test.slice(0, eq);
    let out = "";
    let first = true;
    while (loc.length) {
      let op = "";
      if (!first) {
        const m = /^(<<|>>|&|@)/.exec(loc);
        if (!m) return { error: `unexpected '${loc}' in u32 location` };
        op = m[1]!;
        loc = loc.slice(op.length);
      }
      const n = NUM.exec(loc);
      const v = n && num(n[1]!);
      if (!n || v === undefined || v === null) return { error: `'${loc}' is not a number in u32 location` };
      out += `${op}0x${v.toString(16)}`;
      loc = loc.slice(n[1]!.length);
      first = false;
    }
    if (first) return { error: "an empty u32 location" };
    const ranges: string[] = [];
    for (const r of test.slice(eq + 1).split(",")) {
      const [a, b, extra] = r.split(":");
      const lo = a !== undefined && NUM.test(a) && NUM.exec(a)![1] === a ? num(a) : undefined;
      const hi = b === undefined ? lo : NUM.test(b) && NUM.exec(b)![1] === b ? num(b) : undefined;
      if (lo === undefined || hi === undefined || extra !== undefined) return { error: `'${r}' is not a value or value range` };
      ranges.push(lo === hi ? `0x${lo.toString(16)}` : `0x${lo.toString(16)}:0x${hi.toString(16)}`);
    }
    tests.push(`${out}=${ranges.join(",")}`);
  }
  return { text: tests.join("&&") };
}

export const u32: Extension = {
  name: "u32",
  kind: "match",
  xlate: (call, ctx) => xlateU32(call, ctx),
  options: [
    {
      name: "--u32",
      arity: 1,
      negatable: true,
      check: (a) => {
        const r = canonU32(a[0]!);
        return "error" in r ? r.error : undefined;
      },
      canon: (a) => [(canonU32(a[0]!) as { text: string }).text],
    },
  ],
  save: (call: MatchCall | TargetCall) => call.options.flatMap((o) => [...(o.neg ? ["!"] : []), o.name, `"${o.args[0]}"`]),
};

const xlateU32: xl.XlateFn = () => xl.untranslatable("u32 has no nft translation in dockwall");
