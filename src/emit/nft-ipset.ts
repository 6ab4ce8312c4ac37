// `dockwall convert --ipsets FILE`: the sets of an `ipset save` file, so that the
// nft script can declare each set with its elements instead of leaving them to
// be filled from the host. Only the structure is read here; what an ipset type
// means as an nft set is the set match's business (extensions/matches/set.ts).
import type { IpsetInfo } from "../extensions/types.js";
import { DumpError } from "../syntax/build.js";
import { quotedWords } from "../syntax/grammar.js";
import type { Diagnostic } from "../syntax/ast.js";

/** The sets of an `ipset save` (or `ipset list -o save`) text, by name; bad lines are errors with their position. */
export function parseIpsetSave(text: string, file: string): Map<string, IpsetInfo> {
  const sets = new Map<string, IpsetInfo & { members: IpsetInfo["members"][number][]; options: string[] }>();
  const errors: Diagnostic[] = [];
  const lines = text.split(/\r?\n/);
  const error = (line: number, col: number, len: number, message: string) =>
    errors.push({ severity: "error", message, span: { line, col, endCol: col + Math.max(len, 1) }, code: "ipset-syntax" });
  lines.forEach((raw, i) => {
    const n = i + 1;
    const w = quotedWords(raw);
    if (w.length === 0 || w[0]!.text.startsWith("#")) return;
    const [cmd, name, third] = w;
    if (cmd!.text === "create" || cmd!.text === "-N") {
      if (!name || !third) return error(n, cmd!.col, cmd!.text.length, "create needs a set name and a type");
      if (sets.has(name.text)) return error(n, name.col, name.text.length, `set '${name.text}' is created twice`);
      const options = w.slice(3).map((x) => x.text);
      const fi = options.indexOf("family");
      sets.set(name.text, { name: name.text, type: third.text, ...(fi >= 0 && options[fi + 1] ? { family: options[fi + 1] } : {}), options, members: [], line: n });
      return;
    }
    if (cmd!.text === "add" || cmd!.text === "-A") {
      if (!name || !third) return error(n, cmd!.col, cmd!.text.length, "add needs a set name and a member");
      const set = sets.get(name.text);
      if (!set) return error(n, name.col, name.text.length, `set '${name.text}' is added to before it is created`);
      set.members.push({ value: third.text, options: w.slice(3).map((x) => x.text), line: n });
      return;
    }
    error(n, cmd!.col, cmd!.text.length, `'${cmd!.text}' is not an ipset save command (create or add)`);
  });
  if (errors.length) throw new DumpError(file, errors, text);
  return sets;
}
