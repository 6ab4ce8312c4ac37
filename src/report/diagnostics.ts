// Errors and warnings about the input, in the `FILE:LINE:COL: error: MESSAGE`
// form editors understand, followed by the offending line and a caret.
import type { Diagnostic } from "../syntax/ast.js";

export function sourceLine(source: string, line: number): string {
  let pos = 0;
  for (let i = 1; i < line; i++) {
    const nl = source.indexOf("\n", pos);
    if (nl < 0) return "";
    pos = nl + 1;
  }
  const end = source.indexOf("\n", pos);
  return source.slice(pos, end < 0 ? undefined : end).replace(/\r$/, "");
}

export function formatDiagnostic(file: string, source: string, d: Diagnostic): string {
  const text = sourceLine(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source, d.span.line);
  const head = `${file}:${d.span.line}:${d.span.col}: ${d.severity}: ${d.message}`;
  if (!text) return head;
  const width = Math.max(1, Math.min(d.span.endCol, text.length + 1) - d.span.col);
  const pad = text.slice(0, d.span.col - 1).replace(/[^\t]/g, " ");
  return `${head}\n  ${text}\n  ${pad}${"^".repeat(width)}`;
}
