// Types for bench/gen.mjs (plain JavaScript so that `node bench/gen.mjs` runs without a build).
export function generate(rules: number): { text: string; rules: number };
