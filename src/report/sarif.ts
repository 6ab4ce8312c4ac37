// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers.
// Suppressed findings are kept with a `suppressions` entry, as the spec asks,
// so a viewer can show them as dismissed rather than lose them.
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { ruleDocs, ruleDocsPath } from "../lint/docs.js";
import type { Finding, Severity, SourceLocation } from "../lint/types.js";
import type { ReportInput } from "./model.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL: ReadonlyMap<Severity, string> = new Map([
  ["error", "error"],
  ["warning", "warning"],
  ["info", "note"],
]);

export function artifactUri(file: string): string {
  if (file === "<stdin>") return "stdin";
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return encodeURI(file.replace(/\\/g, "/").replace(/^\.\//, ""));
}

function physical(loc: SourceLocation) {
  const region: Record<string, number> = { startLine: loc.line, startColumn: loc.column };
  if (loc.endColumn !== undefined && loc.endColumn > loc.column) region.endColumn = loc.endColumn;
  return { artifactLocation: { uri: artifactUri(loc.file) }, region };
}

function result(f: Finding, ruleIndex: number, suppression?: { by: "comment" | "config"; reason?: string }) {
  let text = f.message;
  if (f.witness) text += `\nWitness: ${f.witness.proto} ${f.witness.src} -> ${f.witness.dst}${f.witness.dport !== undefined ? ` port ${f.witness.dport}` : ""}: ${f.witness.outcome}\nReplay: ${f.witness.traceCommand}`;
  const r: Record<string, unknown> = {
    ruleId: f.id,
    ruleIndex,
    level: LEVEL.get(f.severity),
    message: { text },
    locations: [{ physicalLocation: physical(f.location) }],
    partialFingerprints: { "dockwall/v1": f.fingerprint },
  };
  if (f.related.length) r.relatedLocations = f.related.map((rel, i) => ({ id: i + 1, physicalLocation: physical(rel), message: { text: rel.role } }));
  if (suppression) {
    r.suppressions = [{ kind: suppression.by === "comment" ? "inSource" : "external", ...(suppression.reason ? { justification: suppression.reason } : {}) }];
  }
  const props: Record<string, unknown> = {};
  if (f.witness) props.witness = f.witness;
  if (f.fixes.length) props.fixes = f.fixes;
  if (Object.keys(props).length) r.properties = props;
  return r;
}

export function formatSarif(input: ReportInput): string {
  const index = new Map(input.rules.map((r, i) => [r.meta.id, i]));
  const rules = input.rules.map((r) => {
    const docs = ruleDocs(r.meta);
    return {
      id: r.meta.id,
      name: r.meta.name,
      shortDescription: { text: r.meta.summary },
      fullDescription: { text: `${r.meta.summary}. Docs: ${ruleDocsPath(r.meta)} (or 'dockwall explain ${r.meta.id}').` },
      ...(docs ? { help: { text: docs, markdown: docs } } : {}),
      defaultConfiguration: { level: LEVEL.get(r.meta.severity) },
      properties: { tags: ["firewall", "iptables", "docker"] },
    };
  });
  const results = [
    ...input.result.findings.map((f) => result(f, index.get(f.id) ?? -1)),
    ...input.result.suppressed.map((s) => result(s.finding, index.get(s.finding.id) ?? -1, s)),
  ];
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "dockwall",
            version: input.toolVersion,
            ...(/^\d+\.\d+\.\d+/.test(input.toolVersion) ? { semanticVersion: input.toolVersion } : {}),
            rules,
          },
        },
        results,
        columnKind: "utf16CodeUnits",
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}
