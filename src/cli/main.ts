// The dockwall command line: commander wiring only. Each command reads its input,
// calls the pipeline, and writes its whole output at once, so that nothing is
// half-written when the input turns out to be bad.
import { Command, CommanderError, Option } from "commander";
import { parse } from "../extensions/index.js";
import { dumpToJson } from "../emit/json.js";
import { printDump } from "../emit/save.js";
import { DumpError } from "../syntax/build.js";
import { formatDiagnostic } from "../report/diagnostics.js";
import { readInput, UsageError } from "./io.js";

declare const DOCKWALL_VERSION: string;

const EXIT_INPUT = 2;

function warnAll(file: string, source: string, warnings: { severity: "error" | "warning"; message: string; span: { line: number; col: number; endCol: number }; code: string }[]) {
  for (const w of warnings) process.stderr.write(formatDiagnostic(file, source, w) + "\n");
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("dockwall")
    .description("Find the traps Docker's iptables rules set for your firewall, and fix them with checked rules.")
    .version(typeof DOCKWALL_VERSION === "string" ? DOCKWALL_VERSION : "dev")
    .showHelpAfterError()
    .exitOverride();

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

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0
      return e.exitCode === 0 ? 0 : EXIT_INPUT;
    }
    if (e instanceof DumpError) {
      for (const d of e.diagnostics) process.stderr.write(formatDiagnostic(e.file, e.source, d) + "\n");
      return EXIT_INPUT;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`dockwall: error: ${e.message}\n`);
      return EXIT_INPUT;
    }
    // a bug of ours: say so plainly, still without a stack trace unless asked
    process.stderr.write(`dockwall: internal error: ${(e as Error).message}\n${process.env.DOCKWALL_DEBUG ? (e as Error).stack + "\n" : "(set DOCKWALL_DEBUG=1 for details)\n"}`);
    return 70;
  }
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("/dist/cli.js") || process.argv[1]?.endsWith("dockwall");
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
