// Types for grammar/diagram.mjs (plain JavaScript, run by `npm run grammar`).
export const DIAGRAM: string;
export function diagramHtml(serialized: unknown): string;
