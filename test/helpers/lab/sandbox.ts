// The lab's outer sandbox: one private mount+net+pid namespace made with unshare.
// Its first process reads our stdin; when this test process goes away (even by
// SIGKILL) the pipe closes, that process exits, and the kernel kills everything
// started inside and drops every namespace. Nothing touches the machine's own netns.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class LabError extends Error {}

// A fixed script (never built from input): /run becomes a tmpfs private to the
// sandbox so that `ip netns` handles and the xtables lock stay inside it.
const INNER = "mount -n -t tmpfs -o mode=0755,size=64m dockwall-lab /run && mkdir -p /run/netns && ip link set lo up && echo ready && exec cat >/dev/null";

export class Sandbox {
  private constructor(
    private readonly outer: ChildProcess,
    readonly pid: number,
  ) {}

  static async start(): Promise<Sandbox> {
    const outer = spawn("unshare", ["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", INNER], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    outer.stderr!.on("data", (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new LabError(`sandbox did not start: ${err}`)), 10_000);
      outer.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      outer.on("exit", (code) => {
        clearTimeout(timer);
        reject(new LabError(`sandbox exited (${code}): ${err.trim()}`));
      });
    });
    // nsenter needs the sandbox's first process (a child of unshare) by its pid here
    const children = readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, "utf8").trim().split(/\s+/);
    const pid = Number(children[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new LabError("cannot find the sandbox's first process");
    return new Sandbox(outer, pid);
  }

  /** argv for running a command in lab namespace `ns` (or the sandbox's own netns for null). */
  argv(ns: string | null, argv: readonly string[]): string[] {
    const enter = ["-t", String(this.pid), "-m", "-n", "-p", "--"];
    return ns === null ? [...enter, ...argv] : [...enter, "ip", "netns", "exec", ns, ...argv];
  }

  /** Runs a command to completion; input goes to its stdin. Bounded by timeoutMs. */
  run(ns: string | null, argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      const p = spawn("nsenter", this.argv(ns, argv), { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout!.on("data", (d) => (stdout += d));
      p.stderr!.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => {
        stderr += `\n(lab: killed after ${opts.timeoutMs ?? 30_000} ms)`;
        p.kill("SIGKILL");
      }, opts.timeoutMs ?? 30_000);
      p.on("error", (e) => {
        clearTimeout(timer);
        resolve({ code: null, stdout, stderr: stderr + String(e) });
      });
      p.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      p.stdin!.on("error", () => {});
      p.stdin!.end(opts.input ?? "");
    });
  }

  /** Like run, but throws a LabError with the command's stderr when it fails. */
  async must(ns: string | null, argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(ns, argv, opts);
    if (r.code !== 0) throw new LabError(`${ns ?? "sandbox"}: ${argv.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Starts a long-running process; it must exit when its stdin closes. */
  spawn(ns: string | null, argv: readonly string[]): ChildProcess {
    return spawn("nsenter", this.argv(ns, argv), { stdio: ["pipe", "pipe", "pipe"] });
  }

  async close(): Promise<void> {
    if (this.outer.exitCode !== null) return;
    const gone = new Promise<void>((r) => this.outer.on("exit", () => r()));
    this.outer.stdin!.end();
    const timer = setTimeout(() => this.outer.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(timer);
  }
}
