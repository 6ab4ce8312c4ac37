// The dumps under fixtures/: the good ones (each models a real setup and must be
// accepted by iptables-restore) and fixtures/bad/ (each with the error dockwall
// must give, in a `# expect: LINE:COL: MESSAGE` header line).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = join(REPO, "fixtures");

export interface Fixture {
  name: string;
  path: string;
  text: string;
  family: "ipv4" | "ipv6";
}

export function goodFixtures(): Fixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => /\.rules6?$/.test(f))
    .sort()
    .map((name) => {
      const path = join(FIXTURES, name);
      return { name, path, text: readFileSync(path, "utf8"), family: name.endsWith(".rules6") ? "ipv6" : "ipv4" };
    });
}

export interface BadFixture extends Fixture {
  line: number;
  col: number;
  message: string;
  /** What iptables-restore does with it: "rejects" unless the header says otherwise. */
  kernel: "rejects" | "accepts" | "skip";
}

export function badFixtures(): BadFixture[] {
  const dir = join(FIXTURES, "bad");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".rules"))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const text = readFileSync(path, "utf8");
      const m = /^# expect: (\d+):(\d+): (.*)$/m.exec(text);
      if (!m) throw new Error(`${path}: no '# expect: LINE:COL: MESSAGE' line`);
      const k = /^# kernel: (accepts|skip)\b/m.exec(text);
      return { name, path, text, family: "ipv4", line: Number(m[1]), col: Number(m[2]), message: m[3]!, kernel: (k?.[1] as "accepts" | "skip") ?? "rejects" };
    });
}

/** What the kernel is given: iptables-restore takes neither a BOM nor CRLF (crlf-bom.rules). */
export function kernelText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
}
