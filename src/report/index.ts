// The lint report formats, by name.
import { formatGithub } from "./github.js";
import { formatJson } from "./json.js";
import type { ReportInput } from "./model.js";
import { formatSarif } from "./sarif.js";
import { formatText } from "./text.js";

export const REPORT_FORMATS = ["text", "json", "sarif", "github"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function formatReport(format: ReportFormat, input: ReportInput, opts: { color: boolean }): string {
  switch (format) {
    case "text":
      return formatText(input, opts);
    case "json":
      return formatJson(input);
    case "sarif":
      return formatSarif(input);
    case "github":
      return formatGithub(input);
  }
}
