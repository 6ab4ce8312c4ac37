// libxt_MARK: set the packet's fwmark. Every form is stored as an XOR/mask pair
// and printed as `--set-xmark VALUE/MASK` (`--set-mark 1` -> `--set-xmark 0x1/0xffffffff`).
import type { OptionValue, Span } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { formatXMark, markMask, parseMarkMask, requireOne, exclusive, parseUInt, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

const value: ValueType = {
  check: (a) => (parseUInt(a[0]!) === undefined ? `'${a[0]}' is not a number up to 0xffffffff` : undefined),
};

export const MARK_FORMS = ["--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark"];

export const markOptions = [
  { name: "--set-xmark", arity: 1, ...markMask, canon: undefined },
  { name: "--set-mark", arity: 1, ...markMask, canon: undefined },
  { name: "--and-mark", arity: 1, ...value },
  { name: "--or-mark", arity: 1, ...value },
  { name: "--xor-mark", arity: 1, ...value },
];

/** The XOR/mask pair a MARK/CONNMARK mark form stands for. */
export function xmarkOf(o: OptionValue): { value: number; mask: number } {
  const v = parseMarkMask(o.args[0]!)!;
  switch (o.name) {
    case "--set-mark":
      return { value: v.value, mask: (v.mask | v.value) >>> 0 };
    case "--and-mark":
      return { value: 0, mask: ~v.value >>> 0 };
    case "--or-mark":
      return { value: v.value, mask: v.value };
    case "--xor-mark":
      return { value: v.value, mask: 0 };
    default:
      return v;
  }
}

/** Rewrites whichever mark form was given as `--set-xmark VALUE/MASK`. */
export function asXMark(options: OptionValue[], span: Span): OptionValue[] {
  return options.map((o) => (MARK_FORMS.includes(o.name) ? { ...o, name: "--set-xmark", args: [formatXMark(xmarkOf(o))], span: o.span ?? span } : o));
}

export const MARK: Extension = {
  name: "MARK",
  kind: "target",
  xlate: (call, ctx) => xlateMarkTarget(call, ctx),
  options: markOptions,
  checkCall: (options) => requireOne(options, MARK_FORMS) ?? exclusive(options, MARK_FORMS),
  normalize: (options, _f, span) => asXMark(options, span),
  effect: (call) => {
    const o = call.options.find((x) => MARK_FORMS.includes(x.name));
    if (!o) return { k: "continue" };
    const x = xmarkOf(o);
    return { k: "setmark", field: "mark", and: ~x.mask, xor: x.value | 0 };
  },
};

const xlateMarkTarget: xl.XlateFn = (call) => {
  const [v, mk] = xl.get(call, "--set-xmark")!.args[0]!.split("/").map(Number);
  return { nft: xl.xmarkSet("meta mark", "mark", v!, mk ?? 0xffffffff) };
};
