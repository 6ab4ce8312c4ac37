// `dockwall rules`: the lint catalogue, one rule per line (or JSON).
import { Option, type Command } from "commander";
import { RULES } from "../../lint/registry.js";
import { ruleDocsPath } from "../../lint/docs.js";

export function registerRules(program: Command) {
  program
    .command("rules")
    .description("List the lint rules: id, severity, name and what each finds")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((o: { format: string }) => {
      if (o.format === "json") {
        const list = RULES.map((r) => ({ id: r.meta.id, name: r.meta.name, severity: r.meta.severity, summary: r.meta.summary, docs: ruleDocsPath(r.meta) }));
        process.stdout.write(JSON.stringify(list, null, 2) + "\n");
        return;
      }
      const w = Math.max(...RULES.map((r) => r.meta.name.length));
      const lines = RULES.map((r) => `${r.meta.id}  ${r.meta.severity.padEnd(7)}  ${r.meta.name.padEnd(w)}  ${r.meta.summary}`);
      lines.push("", "Details: dockwall explain <ID>");
      process.stdout.write(lines.join("\n") + "\n");
    });
}
