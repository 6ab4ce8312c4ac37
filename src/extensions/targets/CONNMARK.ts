// libxt_CONNMARK: set the connection's mark, or copy it to/from the packet mark.
// Mark forms print as `--set-xmark V/M`; save/restore always print both masks.
// Revision 2 (iptables 1.8.x, Linux 4.17) can shift the new mark: xt_connmark
// shifts the set value, or the copied bits before they are merged.
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { exclusive, getOpt, hexUint, implied, requireOne, uint } from "../values.js";
import { asXMark, MARK_FORMS, markOptions } from "./MARK.js";
import * as xl from "../nft-text.js";
import { xmarkOf } from "./MARK.js";

const ACTIONS = [...MARK_FORMS, "--save-mark", "--restore-mark"];
const SHIFTS = ["--left-shift-mark", "--right-shift-mark"];

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
    // iptables reads 0 to 32; the kernel refuses 32 (EINVAL), so no dump holds it
    { name: "--left-shift-mark", arity: 1, ...uint(31) },
    { name: "--right-shift-mark", arity: 1, ...uint(31) },
  ],
  checkCall(options) {
    const e = requireOne(options, ACTIONS) ?? exclusive(options, ACTIONS);
    if (e) return e;
    const copy = options.some((o) => o.name === "--save-mark" || o.name === "--restore-mark");
    if (!copy && options.some((o) => ["--nfmask", "--ctmask", "--mask"].includes(o.name))) return "--nfmask, --ctmask and --mask go with --save-mark or --restore-mark";
    return undefined;
  },
  normalize(options, _f, span) {
    // both shifts set one direction and count: the last one given wins, and 0 is not printed
    const lastShift = options.filter((o) => SHIFTS.includes(o.name)).at(-1);
    options = options.filter((o) => !SHIFTS.includes(o.name) || (o === lastShift && Number(o.args[0]) !== 0));
    const out: OptionValue[] = asXMark(options, span);
    if (!getOpt(out, "--save-mark") && !getOpt(out, "--restore-mark")) return out;
    const both = getOpt(out, "--mask");
    const full = "0xffffffff";
    const nf = getOpt(out, "--nfmask") ?? implied("--nfmask", both?.args ?? [full], both?.span ?? span);
    const ct = getOpt(out, "--ctmask") ?? implied("--ctmask", both?.args ?? [full], both?.span ?? span);
    return [...out.filter((o) => !["--mask", "--nfmask", "--ctmask"].includes(o.name)), nf, ct];
  },
  effect: (call) => {
    if (call.options.some((o) => SHIFTS.includes(o.name))) return { k: "undecided", module: "CONNMARK with a mark shift" };
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
  const shiftOpt = call.options.find((o) => SHIFTS.includes(o.name));
  const bits = shiftOpt ? Number(shiftOpt.args[0]) : 0;
  const op = shiftOpt?.name === "--right-shift-mark" ? ">>" : "<<";
  const x = xl.get(call, "--set-xmark");
  if (x) {
    const [v, mk] = x.args[0]!.split("/").map(Number);
    const mask = mk ?? FULL_MASK;
    if (!bits) return { nft: xl.xmarkSet("ct mark", "ct mark", v!, mask) };
    // xt_connmark: ((ctmark & ~mask) ^ value) shifted; a full mask leaves a constant
    if (mask === FULL_MASK) return { nft: `ct mark set ${xl.hex(op === ">>" ? v! >>> bits : (v! << bits) >>> 0)}` };
    const inner = xl.xmarkSet("ct mark", "ct mark", v!, mask).slice("ct mark set ".length);
    return { nft: `ct mark set (${inner}) ${op} ${bits}` };
  }
  const masks = ["--nfmask", "--ctmask"].map((n) => Number(xl.get(call, n)?.args[0] ?? FULL_MASK));
  if (masks.some((m) => m !== FULL_MASK)) return xl.untranslatable("--nfmask/--ctmask combine two marks, which nft cannot compute in one statement");
  const shift = bits ? ` ${op} ${bits}` : "";
  return { nft: xl.has(call, "--save-mark") ? `ct mark set mark${shift}` : `meta mark set ct mark${shift}` };
};
