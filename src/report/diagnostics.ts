// Errors and warnings about the input, in the `FILE:LINE:COL: error: MESSAGE`
// form editors and CI annotations understand, followed by the offending line
// and carets under the span.
import { Chalk, type ChalkInstance } from "chalk";
import type { Diagnostic } from "../syntax/ast.js";

// A dump with thousands of warnings asks for thousands of lines: the index of
// line starts is built once per source (the last one asked about), not per call.
let indexed: { source: string; starts: Int32Array } | undefined;

function lineStarts(source: string): Int32Array {
  if (indexed?.source === source) return indexed.starts;
  let n = 1;
  for (let p = source.indexOf("\n"); p >= 0; p = source.indexOf("\n", p + 1)) n++;
  const starts = new Int32Array(n);
  let k = 1;
  for (let p = source.indexOf("\n"); p >= 0; p = source.indexOf("\n", p + 1)) starts[k++] = p + 1;
  indexed = { source, starts };
  return starts;
}

/** Line `line` (1-based) of the source without its line ending; "" past the end. */
export function sourceLine(source: string, line: number): string {
  const starts = lineStarts(source);
  if (line < 1 || line > starts.length) return "";
  const from = starts[line - 1]!;
  const nl = source.indexOf("\n", from);
  const text = source.slice(from, nl < 0 ? undefined : nl);
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/**
 * Colour or not: NO_COLOR (non-empty) says no, FORCE_COLOR (not 0/false) says
 * yes, otherwise only a terminal gets colour. chalk's own detection ignores
 * NO_COLOR and takes an empty FORCE_COLOR as "force".
 */
export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  return !!stream.isTTY;
}

let stderrChalk: ChalkInstance | undefined;

/** The chalk for messages on stderr, decided once per process. */
export function chalkForStderr(): ChalkInstance {
  return (stderrChalk ??= new Chalk({ level: colorEnabled(process.stderr) ? 1 : 0 }));
}

/**
 * `FILE:LINE:COL: error: MESSAGE`, the line, and `^^^` under the span. Colour
 * follows stderr (colorEnabled) unless a chalk instance is given.
 */
export function formatDiagnostic(file: string, source: string, d: Diagnostic, c: ChalkInstance = chalkForStderr()): string {
  // control characters from the input would move the cursor or wipe the line on a
  // terminal: the message shows them escaped, the frame one visible mark each (columns stay)
  const text = sourceLine(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source, d.span.line).replace(CONTROL, "\u2400");
  const sev = d.severity === "error" ? c.red.bold("error") : c.yellow.bold("warning");
  const message = d.message.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
  const head = `${c.bold(`${file}:${d.span.line}:${d.span.col}:`)} ${sev}: ${message}`;
  if (!text) return head;
  const width = Math.max(1, Math.min(d.span.endCol, text.length + 1) - d.span.col);
  // keep tabs so that the carets line up under the same columns
  const pad = text.slice(0, d.span.col - 1).replace(/[^\t]/g, " ");
  const paint = d.severity === "error" ? c.red : c.yellow;
  return `${head}\n  ${text}\n  ${pad}${paint("^".repeat(width))}`;
}

// C0 controls except tab, and DEL
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** A chalk that never colours, for output that is compared or parsed. */
export const plain: ChalkInstance = new Chalk({ level: 0 });
