// libxt_string: a byte pattern in the packet. iptables-save prints a pattern of
// printable bytes as `--string "..."` (always quoted, `"` and `\` escaped) and
// anything else as `--hex-string "|hex|"`.
import type { MatchCall, OptionValue, TargetCall } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { getOpt, oneOf, requireOne, exclusive, uint } from "../values.js";
import * as xl from "../nft-text.js";

/** `ab|41 42|cd` -> the bytes (as a latin1 string), or an error message. */
export function parseHexString(text: string): string | { error: string } {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
    } else if (c === "|") {
      const end = text.indexOf("|", i + 1);
      if (end < 0) return { error: "unterminated |hex| block" };
      const hex = text.slice(i + 1, end).replace(/ /g, "");
      if (!/^([0-9a-f]{2})*$/i.test(hex)) return { error: `'${text.slice(i, end + 1)}' is not pairs of hex digits` };
      for (let k = 0; k < hex.length; k += 2) out += String.fromCharCode(parseInt(hex.slice(k, k + 2), 16));
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const printable = (bytes: string) => /^[\x20-\x7e]*$/.test(bytes);

export const string: Extension = {
  name: "string",
  kind: "match",
  xlate: (call, ctx) => xlateString(call, ctx),
  options: [
    { name: "--string", arity: 1, negatable: true, check: (a) => (a[0]!.length === 0 || Buffer.byteLength(a[0]!) > 128 ? "a pattern has 1 to 128 bytes" : undefined) },
    {
      name: "--hex-string",
      arity: 1,
      negatable: true,
      check: (a) => {
        const b = parseHexString(a[0]!);
        return typeof b !== "string" ? b.error : b.length === 0 || b.length > 128 ? "a pattern has 1 to 128 bytes" : undefined;
      },
    },
    { name: "--algo", arity: 1, ...oneOf(new Map([["bm", "bm"], ["kmp", "kmp"]]), "string search algorithm") },
    { name: "--from", arity: 1, ...uint(65535) },
    { name: "--to", arity: 1, ...uint(65535) },
    { name: "--icase", arity: 0 },
  ],
  checkCall: (options) => requireOne(options, ["--string", "--hex-string"]) ?? exclusive(options, ["--string", "--hex-string"]) ?? requireOne(options, ["--algo"]),
  normalize(options) {
    const pat = getOpt(options, "--string") ?? getOpt(options, "--hex-string")!;
    const bytes = pat.name === "--string" ? Buffer.from(pat.args[0]!, "utf8").toString("latin1") : (parseHexString(pat.args[0]!) as string);
    const canon: OptionValue = printable(bytes)
      ? { ...pat, name: "--string", args: [bytes] }
      : { ...pat, name: "--hex-string", args: [`|${Buffer.from(bytes, "latin1").toString("hex")}|`] };
    return options
      .map((o) => (o === pat ? canon : o))
      .filter((o) => !(o.name === "--from" && o.args[0] === "0") && !(o.name === "--to" && o.args[0] === "65535"));
  },
  save(call: MatchCall | TargetCall) {
    const words: string[] = [];
    for (const name of ["--string", "--hex-string", "--algo", "--from", "--to", "--icase"]) {
      const o = getOpt(call.options, name);
      if (!o) continue;
      if (o.neg) words.push("!");
      words.push(name);
      if (name === "--string") words.push(`"${o.args[0]!.replace(/["\\]/g, (c) => "\\" + c)}"`);
      else if (name === "--hex-string") words.push(`"${o.args[0]}"`);
      else words.push(...o.args);
    }
    return words;
  },
};

const xlateString: xl.XlateFn = () => xl.untranslatable("nft has no payload string search");
