// The dockwall command line: commander wiring only. Each command reads its input,
// calls the pipeline, and writes its whole output at once, so that nothing is
// half-written when the input turns out to be bad.
import { Command, CommanderError } from "commander";
import { DumpError } from "../syntax/build.js";
import { formatDiagnostic } from "../report/diagnostics.js";
import { UsageError } from "./io.js";
import { registerParse } from "./commands/parse.js";
import { registerLint } from "./commands/lint.js";
import { registerRules } from "./commands/rules.js";
import { registerExplain } from "./commands/explain.js";
import { registerConvert } from "./commands/convert.js";
import { registerTrace } from "./commands/trace.js";
import { registerFix } from "./commands/fix.js";

declare const DOCKWALL_VERSION: string;

const EXIT_INPUT = 2;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("dockwall")
    .description("Find the traps Docker's iptables rules set for your firewall, and fix them with checked rules.")
    .version(typeof DOCKWALL_VERSION === "string" ? DOCKWALL_VERSION : "dev")
    .showHelpAfterError()
    .exitOverride();

  // One line per command; each lives in src/cli/commands/<name>.ts.
  registerParse(program);
  registerLint(program);
  registerRules(program);
  registerExplain(program);
  registerConvert(program);
  registerTrace(program);
  registerFix(program);

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
  // `dockwall convert big.rules | head`: a reader that stops early is not an error (and no stack trace)
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
