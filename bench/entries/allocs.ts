// Where parsing allocates: V8's sampling heap profiler, counting objects the GC
// already collected too, summed by function (self) over one parse.
import { readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { parse } from "../../src/extensions/index.js";

interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }
const file = process.argv[2]!;
const text = readFileSync(file, "utf8");
const session = new Session();
session.connect();
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
} as never);
parse(text, { file });
const { profile } = (await session.post("HeapProfiler.stopSampling")) as unknown as { profile: { head: Node } };
const by = new Map<string, number>();
const walk = (n: Node) => {
  const k = `${n.callFrame.functionName || "(anon)"}:${n.callFrame.lineNumber + 1}`;
  by.set(k, (by.get(k) ?? 0) + n.selfSize);
  n.children.forEach(walk);
};
walk(profile.head);
const total = [...by.values()].reduce((a, b) => a + b, 0);
console.log(`total ${(total / 1e6).toFixed(0)} MB`);
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(v / 1e6).toFixed(1).padStart(7)} MB  ${k}`);
