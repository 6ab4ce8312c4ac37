// libxt_CLASSIFY: the skb priority (tc class MAJOR:MINOR, hexadecimal).
import type { Extension } from "../types.js";

const CLASS = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

export const CLASSIFY: Extension = {
  name: "CLASSIFY",
  kind: "target",
  xlate: (call) => {
    const [, major, minor] = CLASS.exec(call.options[0]!.args[0]!)!;
    const [ma, mi] = [parseInt(major!, 16), parseInt(minor!, 16)];
    return { nft: `meta priority set ${ma === 0 && mi === 0 ? "none" : ma === 0xffff && mi === 0xffff ? "root" : `${ma.toString(16)}:${mi.toString(16)}`}` };
  },
  options: [
    {
      name: "--set-class",
      arity: 1,
      check: (a) => (CLASS.test(a[0]!) ? undefined : `'${a[0]}' is not MAJOR:MINOR (hexadecimal)`),
      canon: (a) => [a[0]!.split(":").map((p) => parseInt(p, 16).toString(16)).join(":")],
    },
  ],
  checkCall: (options) => (options.length ? undefined : "needs --set-class"),
};
