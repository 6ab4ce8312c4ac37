import { expect } from "vitest";
import { describeKernel, itKernel, runInNetns } from "../helpers/kernel.js";

describeKernel("kernel helper", () => {
  itKernel("runs iptables in a private namespace that starts empty", () => {
    const r = runInNetns("iptables-save; echo; ip -o link show | wc -l");
    expect(r.status).toBe(0);
    // A fresh netns has only lo and no rules.
    expect(r.stdout).not.toMatch(/^-A /m);
    expect(r.stdout.trim().split("\n").pop()).toBe("1");
  });
});
