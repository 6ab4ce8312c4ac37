// Reading input for the commands: a file, or standard input for `-` or no file.
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../syntax/ast.js";
import { formatDiagnostic } from "../report/diagnostics.js";

export class UsageError extends Error {}

export function readInput(file: string | undefined): { name: string; text: string } {
  if (!file || file === "-") {
    if (process.stdin.isTTY) throw new UsageError("no input: give a FILE, or pipe a dump in (for example: iptables-save | dockwall ...)");
    return { name: "<stdin>", text: readFileSync(0, "utf8") };
  }
  try {
    return { name: file, text: readFileSync(file, "utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `${file}: no such file` : code === "EISDIR" ? `${file}: is a directory` : `${file}: cannot read (${code ?? String(e)})`);
  }
}

/** Input warnings go to stderr and do not change the exit code. */
export function warnAll(file: string, source: string, warnings: readonly Diagnostic[]) {
  for (const w of warnings) process.stderr.write(formatDiagnostic(file, source, w) + "\n");
}
