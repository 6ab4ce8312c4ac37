// `dockwall parse`: read a dump and print it back canonically or as the JSON AST.
import { Option, type Command } from "commander";
import { parse } from "../../extensions/index.js";
import { dumpToJson } from "../../emit/json.js";
import { printDump } from "../../emit/save.js";
import { readInput, warnAll } from "../io.js";

export function registerParse(program: Command) {
  program
    .command("parse")
    .description("Read an iptables-save / ip6tables-save dump and print it back, canonical or as JSON")
    .argument("[file]", "the dump; '-' or nothing reads standard input")
    .addOption(new Option("--format <format>", "output format").choices(["save", "json"]).default("save"))
    .option("--counters", "keep [packets:bytes] counters in save output")
    .addOption(new Option("--family <family>", "force the address family instead of detecting it").choices(["ipv4", "ipv6"]))
    .addHelpText(
      "after",
      `
Examples:
  iptables-save | dockwall parse                 canonical form, as the kernel prints it
  dockwall parse rules.v4 --format json          the AST with line and column spans
  ip6tables-save | dockwall parse --family ipv6`,
    )
    .action((file: string | undefined, o: { format: string; counters?: boolean; family?: "ipv4" | "ipv6" }) => {
      const input = readInput(file);
      const dump = parse(input.text, { file: input.name, ...(o.family ? { family: o.family } : {}) });
      warnAll(input.name, input.text, dump.warnings);
      const out = o.format === "json" ? JSON.stringify(dumpToJson(dump), null, 2) + "\n" : printDump(dump, { counters: !!o.counters });
      process.stdout.write(out);
    });

}
