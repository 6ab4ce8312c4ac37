// `npm run grammar`: writes grammar/diagram.html, the railroad diagram of the
// line grammar, from the parser itself (chevrotain's serialized grammar). A test
// (test/syntax/grammar.test.ts) fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSyntaxDiagramsCode } from "chevrotain";

const HERE = dirname(fileURLToPath(import.meta.url));
export const DIAGRAM = join(HERE, "diagram.html");

/** The HTML page for a serialized grammar (the diagram scripts load from unpkg, pinned to chevrotain's version). */
export function diagramHtml(serialized) {
  return createSyntaxDiagramsCode(serialized);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { build } = await import("esbuild");
  const { mkdirSync, rmSync } = await import("node:fs");
  // the grammar is TypeScript: compile it (chevrotain stays an import) and load it
  const tmpDir = join(HERE, "..", "node_modules", ".cache", "dockwall");
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `grammar-${process.pid}.mjs`);
  await build({
    entryPoints: [join(HERE, "..", "src", "syntax", "grammar.ts")],
    outfile: tmp,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    logLevel: "warning",
  });
  try {
    const mod = await import(tmp);
    writeFileSync(DIAGRAM, diagramHtml(mod.serializedGrammar()));
  } finally {
    rmSync(tmp, { force: true });
  }
  process.stdout.write(`wrote ${DIAGRAM}\n`);
}
