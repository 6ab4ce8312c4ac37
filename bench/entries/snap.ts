import { readFileSync } from "node:fs";
import v8 from "node:v8";
import { parse } from "../../src/extensions/index.js";
const file = process.argv[2]!;
const dump = parse(readFileSync(file, "utf8"), { file });
(globalThis as { keep?: unknown }).keep = dump;
console.log(v8.writeHeapSnapshot("/tmp/pb/p.heapsnapshot"));
