// libxt_CONNMARK: set the connection's mark, or copy it to/from the packet mark.
// Mark forms print as `--set-xmark V/M`; save/restore always print both masks.
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { exclusive, getOpt, hexUint, implied, requireOne } from "../values.js";
import { asXMark, MARK_FORMS, markOptions } from "./MARK.js";
import * as xl from "../nft-text.js";
import { xmarkOf } from "./MARK.js";

const ACTIONS = [...MARK_FORMS, "--save-mark", "--restore-mark"];

export const CONNMARK: Extension = {
  name: "CONNMARK",
  kind: "target",
  xlate: (call, ctx) => xlateConnmarkTarget(call, ctx),
  options: [
    ...markOptions,
    { name: "--save-mark", arity: 0 },
    { name: "--restore-mark", arity: 0 },
    { name: "--nfmask", arity: 1, ...hexUint() },
    { name: "--ctmask", arity: 1, ...hexUint() },
    { name: "--mask", arity: 1, ...hexUint() },
  ],
  checkCall(options) {
    const e = requireOne(options, ACTIONS) ?? exclusive(options, ACTIONS);
    if (e) return e;
    const copy = options.some((o) => o.name === "--save-mark" || o.name === "--restore-mark");
    if (!copy && options.some((o) => ["--nfmask", "--ctmask", "--mask"].includes(o.name))) return "--nfmask, --ctmask and --mask go with --save-mark or --restore-mark";
    return undefined;
  },
  normalize(options, _f, span) {
    const out: OptionValue[] = asXMark(options, span);
    if (!getOpt(out, "--save-mark") && !getOpt(out, "--restore-mark")) return out;
    const both = getOpt(out, "--mask");
    const full = "0xffffffff";
    const nf = getOpt(out, "--nfmask") ?? implied("--nfmask", both?.args ?? [full], both?.span ?? span);
    const ct = getOpt(out, "--ctmask") ?? implied("--ctmask", both?.args ?? [full], both?.span ?? span);
    return [...out.filter((o) => !["--mask", "--nfmask", "--ctmask"].includes(o.name)), nf, ct];
  },
  effect: (call) => {
    const mask = (name: string) => {
      const o = call.options.find((x) => x.name === name) ?? call.options.find((x) => x.name === "--mask");
      return o ? Number(o.args[0]) | 0 : -1;
    };
    if (call.options.some((o) => o.name === "--save-mark")) return { k: "copymark", from: "mark", to: "ctmark", fromMask: mask("--nfmask"), toMask: mask("--ctmask") };
    if (call.options.some((o) => o.name === "--restore-mark")) return { k: "copymark", from: "ctmark", to: "mark", fromMask: mask("--ctmask"), toMask: mask("--nfmask") };
    const o = call.options.find((x) => MARK_FORMS.includes(x.name));
    if (!o) return { k: "continue" };
    const x = xmarkOf(o);
    return { k: "setmark", field: "ctmark", and: ~x.mask, xor: x.value | 0 };
  },
};

const FULL_MASK = 0xffffffff;

const xlateConnmarkTarget: xl.XlateFn = (call) => {
  const x = xl.get(call, "--set-xmark");
  if (x) {
    const [v, mk] = x.args[0]!.split("/").map(Number);
    return { nft: xl.xmarkSet("ct mark", "ct mark", v!, mk ?? FULL_MASK) };
  }
  const masks = ["--nfmask", "--ctmask"].map((n) => Number(xl.get(call, n)?.args[0] ?? FULL_MASK));
  if (masks.some((m) => m !== FULL_MASK)) return xl.untranslatable("--nfmask/--ctmask combine two marks, which nft cannot compute in one statement");
  return { nft: xl.has(call, "--save-mark") ? "ct mark set mark" : "meta mark set ct mark" };
};
