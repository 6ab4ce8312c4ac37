// libxt_TOS: set bits of the TOS / traffic class byte, printed as `--set-tos 0xVV/0xMM`.
import type { Extension } from "../types.js";
import { exclusive, parseUInt, requireOne, type ValueType } from "../values.js";
import { parseTos, tosValue } from "../matches/tos.js";
import * as xl from "../nft-text.js";

const FORMS = ["--set-tos", "--and-tos", "--or-tos", "--xor-tos"];
const byte: ValueType = { check: (a) => (parseUInt(a[0]!, 255) === undefined ? `'${a[0]}' is not a number from 0 to 255` : undefined) };
const h2 = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

export const TOS: Extension = {
  name: "TOS",
  kind: "target",
  xlate: (call, ctx) => xlateTosTarget(call, ctx),
  options: [
    { name: "--set-tos", arity: 1, ...tosValue },
    { name: "--and-tos", arity: 1, ...byte },
    { name: "--or-tos", arity: 1, ...byte },
    { name: "--xor-tos", arity: 1, ...byte },
  ],
  checkCall: (options) => requireOne(options, FORMS) ?? exclusive(options, FORMS),
  normalize: (options) =>
    options.map((o) => {
      if (o.name === "--set-tos") {
        const [v, m] = parseTos(o.args[0]!)!;
        return { ...o, args: [`${h2(v)}/${h2(m)}`] };
      }
      const v = parseUInt(o.args[0]!, 255)!;
      const [value, mask] = o.name === "--and-tos" ? [0, ~v & 0xff] : o.name === "--or-tos" ? [v, v] : [v, 0];
      return { ...o, name: "--set-tos", args: [`${h2(value)}/${h2(mask)}`] };
    }),
};

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

const xlateTosTarget: xl.XlateFn = (call, ctx) => {
  const [v, mk] = xl.get(call, "--set-tos")!.args[0]!.split("/").map(Number) as [number, number];
  const key = `${xl.ipKw(ctx.family)} dscp`;
  const hv = v >> 2;
  const hm = (mk >> 2) & 0x3f;
  // nft 1.0.x cannot derive a new DSCP from the old one (`ip dscp set ip dscp and ...` fails to load)
  if (hm !== 0x3f) return xl.untranslatable("TOS changes only some DSCP bits; nft 1.0.x can only set the whole DSCP");
  const nft = `${key} set ${hex2(hv)}`;
  // TOS rewrites the whole byte; nft's dscp statement leaves the two ECN bits
  if (((v | mk) & 3) !== 0) return { nft, lossy: "TOS also changes the ECN bits, which this dscp statement leaves alone" };
  return { nft };
};
