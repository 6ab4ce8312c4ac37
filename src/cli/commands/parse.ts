// `dockwall parse`: read a dump and print it back canonically or as the JSON AST,
// or only check it (for CI: exit 0 when iptables-restore would accept it, 2 with
// FILE:LINE:COL errors when not).
import { Option, type Command } from "commander";
import { parse } from "../../extensions/index.js";
import { dumpToJson } from "../../emit/json.js";
import { printDump } from "../../emit/save.js";
import { BUILTIN_CHAINS } from "../../syntax/ast.js";
import { readInput, UsageError, warnAll } from "../io.js";

interface ParseFlags {
  format: "save" | "json";
  counters?: boolean;
  family?: "ipv4" | "ipv6";
  table?: string;
  check?: boolean;
}

export function registerParse(program: Command) {
  program
    .command("parse")
    .description("Read an iptables-save / ip6tables-save dump (or a restore file) and print it back canonically, as JSON, or only check it")
    .argument("[file]", "the dump; '-' or nothing reads standard input")
    .addOption(new Option("--format <format>", "output: the canonical iptables-save text, or the JSON AST").choices(["save", "json"]).default("save"))
    .option("--check", "print nothing; exit 0 if the dump is valid, 2 with errors if not")
    .option("--counters", "keep [packets:bytes] counters in save output")
    .addOption(new Option("--family <family>", "force the address family instead of detecting it").choices(["ipv4", "ipv6"]))
    .addOption(
      new Option("--table <table>", "read a fragment without *table/COMMIT lines (e.g. grep output) as this table").choices([...BUILTIN_CHAINS.keys()]),
    )
    .addHelpText(
      "after",
      `
Examples:
  iptables-save | dockwall parse                    canonical form, as iptables-save prints it
  dockwall parse --check /etc/iptables/rules.v4     CI gate: exit 2 with FILE:LINE:COL errors
  dockwall parse rules.v4 --format json             the AST with line and column spans (grammar/ast-json.md)
  ip6tables-save | dockwall parse --family ipv6
  iptables-save | grep DOCKER | dockwall parse --table filter

Exit status: 0 valid (warnings go to stderr), 2 bad input or usage.`,
    )
    .action((file: string | undefined, o: ParseFlags) => {
      if (o.check && (o.counters || o.format !== "save")) throw new UsageError("--check prints nothing, so it takes no --format or --counters");
      const input = readInput(file);
      const dump = parse(input.text, { file: input.name, ...(o.family ? { family: o.family } : {}), ...(o.table ? { assumeTable: o.table } : {}) });
      // the whole output is computed before anything is written
      const out = o.check ? "" : o.format === "json" ? JSON.stringify(dumpToJson(dump), null, 2) + "\n" : printDump(dump, { counters: !!o.counters });
      warnAll(input.name, input.text, dump.warnings);
      process.stdout.write(out);
    });
}
