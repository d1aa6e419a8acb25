import { describeWithEngine, PulumiProject } from "../support/engine";

const PROGRAM = `import * as virtkit from "virtkit";

const host = new virtkit.LibvirtHost("local", { uri: "qemu:///system" });
new virtkit.PinnedVm("vm", {
  host,
  vcpus: 2,
  cpu: { topology: { sockets: 1, cores: 3, threads: 1 } },
  memory: { size: "1536MiB", hugepages: { pageSize: "1GiB" } },
  pinning: { vcpus: ["0", "1"] },
});
`;

describeWithEngine("a bad spec under the real Pulumi engine", () => {
  it("fails preview and up with virtkit's message alone: every problem, no stack trace, nothing created", () => {
    const project = new PulumiProject("e2e-bad", { "index.ts": PROGRAM });
    try {
      project.init();
      for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
        const r = project.pulumi(...command);
        expect(r.status).not.toBe(0);
        expect(r.output).toContain('PinnedVm "vm": 2 problems');
        expect(r.output).toContain("cpu.topology: sockets × dies × cores × threads = 1×1×3×1 = 3, but vcpus is 2");
        expect(r.output).toContain("memory.size: 1536MiB is not a whole number of 1GiB pages");
        expect(r.output).not.toMatch(/unhandled exception|^\s+at .*\.(ts|js):\d+/m);
      }
      const resources: { type: string }[] = JSON.parse(project.ok("stack", "export").stdout).deployment.resources ?? [];
      expect(resources.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack" && t !== "virtkit:index:LibvirtHost")).toEqual([]);
    } finally {
      project.remove();
    }
  }, 10 * 60 * 1000);
});
