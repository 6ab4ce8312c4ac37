// `dockwall convert`: a whole iptables-save dump as an `nft -f` script. A rule
// that cannot be written exactly is never left out in silence: without
// --allow-lossy the command writes nothing and exits 3; with it, the script
// marks each such rule and stderr still lists them.
import { Option, type Command } from "commander";
import { parse } from "../../extensions/index.js";
import { convertDump, convertInet, type ConvertResult, type NftFamily } from "../../emit/nft.js";
import { dockerPlan } from "../../emit/nft-docker.js";
import { isNftName } from "../../emit/nft-names.js";
import { parseIpsetSave } from "../../emit/nft-ipset.js";
import { chalkStderr } from "chalk";
import { formatDiagnostic, plain } from "../../report/diagnostics.js";
import type { Family } from "../../syntax/ast.js";
import { readInput, UsageError, warnAll } from "../io.js";
import { useColor } from "./lint.js";

export const EXIT_LOSSY = 3;

interface ConvertCliOptions {
  family?: NftFamily;
  tablePrefix?: string;
  allowLossy?: boolean;
  docker?: boolean;
  ipsets?: string;
}

export function registerConvert(program: Command) {
  program
    .command("convert")
    .description("Translate an iptables-save / ip6tables-save dump into an nft -f script, never silently lossy")
    .argument("[files...]", "the dump; '-' or nothing reads standard input. With --family inet, an IPv4 and an IPv6 dump may both be given")
    .addOption(new Option("--family <family>", "nft table family (ip and ip6 also set how the dump is read; default: detected)").choices(["ip", "ip6", "inet"]))
    .option("--table-prefix <prefix>", "prefix for the nft table names, e.g. 'dw-' gives 'table ip dw-filter'")
    .option("--allow-lossy", "write the script even when some rules cannot be translated exactly (they are marked in it and listed on stderr)")
    .option("--docker", "leave out what Docker owns (its chains, jumps, MASQUERADEs, raw drops); turn DOCKER-USER into a forward-hook chain")
    .option("--ipsets <file>", "the host's 'ipset save' output: declare each nft set with its elements instead of leaving it to be filled from the host")
    .addHelpText(
      "after",
      `
Exit status: 0 written; 2 bad input; 3 some rules cannot be translated exactly
(nothing written unless --allow-lossy).

Examples:
  iptables-save | dockwall convert > rules.nft && nft -c -f rules.nft
  dockwall convert rules.v4 --table-prefix dw- --docker
  dockwall convert rules.v4 --ipsets <(ipset save)
  ip6tables-save | dockwall convert --family inet
  dockwall convert --family inet rules.v4 rules.v6 > rules.nft`,
    )
    .action((files: string[], o: ConvertCliOptions) => {
      const prefix = o.tablePrefix ?? "";
      if (prefix && !isNftName(`${prefix}filter`)) {
        throw new UsageError(`--table-prefix '${prefix}': nft table names are letters, digits, '_', '-', '.' and '/', starting with a letter or '_'`);
      }
      if (files.length > 2) throw new UsageError("convert takes one dump, or an IPv4 and an IPv6 dump with --family inet");
      if (files.length === 2 && o.family !== "inet") throw new UsageError("two dumps go into inet tables: add --family inet");
      if (files.filter((f) => f === "-").length + (o.ipsets === "-" ? 1 : 0) > 1 || (files.length === 0 && o.ipsets === "-")) {
        throw new UsageError("only one input can come from standard input");
      }
      const sets = o.ipsets !== undefined ? readInput(o.ipsets) : undefined;
      const ipsets = sets ? parseIpsetSave(sets.text, sets.name) : undefined;
      const inputs = (files.length ? files : [undefined]).map((f) => readInput(f));
      const family: Family | undefined = o.family === "ip" ? "ipv4" : o.family === "ip6" ? "ipv6" : undefined;
      const dumps = inputs.map((input) => {
        const dump = parse(input.text, { file: input.name, ...(family ? { family } : {}) });
        warnAll(input.name, input.text, dump.warnings);
        return dump;
      });
      if (dumps.length === 2 && dumps[0]!.family === dumps[1]!.family) {
        throw new UsageError(`${inputs[0]!.name} and ${inputs[1]!.name} are both ${dumps[0]!.family === "ipv4" ? "IPv4" : "IPv6"} dumps: give one of each`);
      }
      const header = [
        ...dumps.map(
          (d) =>
            `dockwall convert of ${d.file}${d.header ? ` (${d.header.tool} v${d.header.version}${d.header.backend ? `, ${d.header.backend}` : ""})` : ""}${o.docker ? ", without Docker's own rules" : ""}`,
        ),
        "Check with 'nft -c -f FILE', load with 'nft -f FILE'. Loading twice adds every rule twice.",
      ];
      const common = { tablePrefix: prefix, header, ...(ipsets ? { ipsets } : {}) };
      const result: ConvertResult =
        dumps.length === 2
          ? convertInet(
              dumps.map((dump) => ({ dump, ...(o.docker ? { plan: dockerPlan(dump) } : {}) })),
              common,
            )
          : convertDump(dumps[0]!, { ...common, ...(o.family ? { family: o.family } : {}), ...(o.docker ? { plan: dockerPlan(dumps[0]!) } : {}) });
      // problems and notes point into the dump they come from
      const sourceOf = (file: string | undefined) => inputs.find((i) => i.name === file) ?? inputs[0]!;
      const lossy = result.problems.length > 0 && !o.allowLossy;
      const c = useColor(process.stderr) ? chalkStderr : plain;
      const err: string[] = [];
      for (const p of result.problems) {
        const what = p.kind === "untranslatable" ? "cannot be translated to nft exactly" : "translates only approximately";
        const input = sourceOf(p.file);
        err.push(formatDiagnostic(input.name, input.text, { severity: lossy ? "error" : "warning", message: `this rule ${what}: ${p.reason}`, span: p.span, code: `convert-${p.kind}` }, c));
      }
      for (const n of result.notes) {
        const input = sourceOf(n.file);
        err.push(n.span ? formatDiagnostic(input.name, input.text, { severity: "warning", message: n.message, span: n.span, code: n.code }, c) : `dockwall: warning: ${n.message}`);
      }
      if (lossy) {
        const n = result.problems.length;
        err.push(`dockwall: ${n} rule${n === 1 ? "" : "s"} cannot be translated exactly; nothing written (--allow-lossy writes the script with ${n === 1 ? "it" : "them"} marked)`);
      }
      if (err.length) process.stderr.write(err.join("\n") + "\n");
      if (lossy) {
        process.exitCode = EXIT_LOSSY;
        return;
      }
      // every piece is computed before the first is written
      for (const chunk of result.chunks) process.stdout.write(chunk);
    });
}
