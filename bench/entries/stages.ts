// Where parse time goes: the same file read, lexed, classified and built, each
// stage timed on its own (CPU milliseconds, best of N runs), to see what the
// lexer alone costs against the whole parser.
import { readFileSync } from "node:fs";
import { classifyLine, lexBlock, lexLine } from "../../src/syntax/grammar.js";
import { parse } from "../../src/extensions/index.js";

const file = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const text = readFileSync(file, "utf8");

function eachLine(f: (line: string) => void) {
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    if (line.length && line.charCodeAt(0) !== 35) f(line);
    pos = nl + 1;
  }
}
function cpu(f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return Math.round(best);
}
const stages: Record<string, () => void> = {
  split: () => eachLine((l) => void l.split(" ")),
  lex: () => eachLine((l) => void lexLine(l)),
  lexBlocks: () => {
    for (let pos = 0; pos < text.length; ) {
      let end = text.indexOf("\n", Math.min(text.length, pos + 65536));
      end = end < 0 ? text.length : end + 1;
      lexBlock(text.slice(pos, end));
      pos = end;
    }
  },
  lexClassify: () =>
    eachLine((l) => {
      const t = lexLine(l);
      if (Array.isArray(t)) classifyLine(t, 0, t.length, () => l);
    }),
  parse: () => void parse(text, { file }),
};
const only = process.argv[4];
const out: Record<string, number> = {};
for (const [name, f] of Object.entries(stages)) if (!only || only === name) out[name] = cpu(f);
process.stdout.write(JSON.stringify(out) + "\n");
