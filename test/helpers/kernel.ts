// Shared helper for tests that use the real kernel netfilter as an oracle.
// Everything runs inside a fresh network namespace made with `unshare -n`, so
// the machine's own firewall is never read or touched.
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";

export type KernelStatus = { ok: true } | { ok: false; reason: string };

let cached: KernelStatus | undefined;

function tryRun(cmd: string, args: string[], input?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", timeout: 20_000 });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** Can this machine run kernel oracle tests? Cached: the answer does not change within a run. */
export function kernelCheck(): KernelStatus {
  if (cached) return cached;
  cached = probe();
  return cached;
}

function probe(): KernelStatus {
  if (process.platform !== "linux") return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return { ok: false, reason: "not running as root" };
  const unshare = tryRun("unshare", ["-n", "true"]);
  if (!unshare.ok) return { ok: false, reason: `unshare -n does not work: ${unshare.out.trim()}` };
  const v = tryRun("iptables", ["-V"]);
  if (!v.ok) return { ok: false, reason: "iptables not found" };
  if (!/nf_tables/.test(v.out)) return { ok: false, reason: `iptables is not the nf_tables backend: ${v.out.trim()}` };
  for (const tool of ["iptables-restore", "iptables-save", "ip6tables-restore", "ip6tables-save"]) {
    if (!tryRun("sh", ["-c", `command -v ${tool}`]).ok) return { ok: false, reason: `${tool} not found` };
  }
  if (!tryRun("nft", ["-v"]).ok) return { ok: false, reason: "nft not found" };
  // The namespace must really accept rules (e.g. nf_tables module loadable).
  const smoke = runInNetns("printf '*filter\\n-A INPUT -j ACCEPT\\nCOMMIT\\n' | iptables-restore && iptables-save -t filter");
  if (smoke.status !== 0 || !/-A INPUT -j ACCEPT/.test(smoke.stdout)) {
    return { ok: false, reason: `iptables-restore in a fresh netns failed: ${smoke.stderr.trim()}` };
  }
  return { ok: true };
}

export interface NetnsResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a shell script in a fresh, private network namespace (dies with the script).
 * `input` is fed on stdin. The timeout bounds a wedged kernel tool.
 */
export function runInNetns(script: string, opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): NetnsResult {
  const r = spawnSync("unshare", ["-n", "sh", "-c", script], {
    input: opts.input,
    cwd: opts.cwd,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) return { status: null, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${String(r.error)}` };
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** In CI a missing kernel is a failure, not a silent skip. */
export const kernelRequired = (): boolean => process.env.CI === "true";

/**
 * `describe` for kernel tests: runs when the kernel is usable; otherwise prints
 * the reason and skips, except under CI=true where it fails loudly. `check`
 * adds prerequisites of its own (the namespace lab needs more than netfilter).
 */
export function describeKernel(name: string, body: () => void, check: () => KernelStatus = kernelCheck): void {
  const k = check();
  if (k.ok) {
    describe(name, body);
    return;
  }
  if (kernelRequired()) {
    describe(name, () => {
      it("kernel prerequisites (required because CI=true)", () => {
        throw new Error(`kernel tests cannot run: ${k.reason}`);
      });
    });
    return;
  }
  console.warn(`[skip] ${name}: ${k.reason}`);
  describe.skip(name, body);
}

/** Single-test variant of describeKernel. */
export function itKernel(name: string, fn: () => void | Promise<void>, timeout?: number): void {
  const k = kernelCheck();
  if (k.ok) {
    it(name, fn, timeout);
  } else if (kernelRequired()) {
    it(name, () => {
      throw new Error(`kernel test cannot run: ${k.reason}`);
    });
  } else {
    console.warn(`[skip] ${name}: ${k.reason}`);
    it.skip(name, fn);
  }
}
