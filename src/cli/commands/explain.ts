// `dockwall explain DW101`: print a rule's docs page.
import type { Command } from "commander";
import { findRule } from "../../lint/registry.js";
import { ruleDocs, ruleDocsPath } from "../../lint/docs.js";
import { UsageError } from "../io.js";

export function registerExplain(program: Command) {
  program
    .command("explain")
    .description("Print a lint rule's documentation: what goes wrong, how it shows in a dump, how to fix it")
    .argument("<rule>", "a rule id (DW101) or name (input-bypassed-by-dnat)")
    .action((id: string) => {
      const rule = findRule(id);
      if (!rule) throw new UsageError(`unknown rule '${id}' (see 'dockwall rules')`);
      const docs = ruleDocs(rule.meta);
      if (docs === undefined) throw new UsageError(`the docs page of ${rule.meta.id} is missing from this installation (${ruleDocsPath(rule.meta)})`);
      process.stdout.write(docs.endsWith("\n") ? docs : docs + "\n");
    });
}
