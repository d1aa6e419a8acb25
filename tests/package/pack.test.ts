import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installTarball, packVirtkit } from "../support/pack";

/**
 * virtkit as a user gets it: `npm pack`, then `npm install` of the tarball into a new Pulumi
 * project outside the repository, whose program is planned by the installed `virtkit` command.
 */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";

const host = new virtkit.LibvirtHost("local", { uri: "test:///default" });
const vm = new virtkit.PinnedVm("web", {
  host,
  vcpus: 2,
  domainType: "qemu",
  pinning: { vcpus: ["2", "3"], emulator: "0-1" },
  memory: { size: "256MiB" },
});
export const domainXml = vm.domainXml;
export const name = pulumi.getProject();
`;

describe("the packed package, installed into a project outside the repository", () => {
  let project: string;
  let tarball: string;

  beforeAll(() => {
    const out = mkdtempSync(join(tmpdir(), "virtkit-pack-"));
    tarball = packVirtkit(out);
    project = join(out, "user-project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }));
    writeFileSync(join(project, "Pulumi.yaml"), "name: user-project\nruntime: nodejs\n");
    writeFileSync(join(project, "index.ts"), PROGRAM);
    installTarball(project, tarball, ["ts-node@10", "typescript@5"]);
  }, 10 * 60 * 1000);

  afterAll(() => {
    if (tarball) rmSync(join(tarball, ".."), { recursive: true, force: true });
  });

  it("ships the SDK and the libvirt binding, not the tests or examples", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("package/dist/sdk/src/index.js");
    // the binding as `pulumi package add` made it: sources, compiled at install by its own postinstall
    expect(listing).toContain("package/sdks/libvirt/index.ts");
    expect(listing).toContain("package/sdks/libvirt/scripts/postinstall.js");
    expect(listing).toContain("package/sdks/libvirt/package.json");
    expect(listing.filter((f) => /^package\/(dist\/)?(tests|examples|bench)\//.test(f))).toEqual([]);
    // the component provider for other languages, and the schema it serves
    expect(listing).toContain("package/bin/pulumi-resource-virtkit");
    expect(listing).toContain("package/dist/sdk/src/package/schema.json");
  });

  it("installs the component provider plugin runnable where it lies (a Pulumi.yaml's plugins path points there)", async () => {
    // a plugin answers with the port it serves on; this one runs the installed dist/ on the project's @pulumi/pulumi
    const plugin = spawn(join(project, "node_modules", "virtkit", "bin", "pulumi-resource-virtkit"), ["127.0.0.1:1"], { cwd: project });
    let stdout = "";
    let stderr = "";
    plugin.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => plugin.on("exit", resolve));
    await new Promise<void>((resolve) => {
      plugin.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes("\n")) resolve();
      });
      void exited.then(() => resolve());
    });
    plugin.kill();
    await exited;
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^\d+\n$/);
  });

  it("installs with one @pulumi/pulumi, the project's, shared by virtkit and the binding", () => {
    const installed = join(project, "node_modules");
    expect(existsSync(join(installed, "virtkit", "node_modules", "@pulumi", "pulumi"))).toBe(false);
    expect(realpathSync(join(installed, "@pulumi", "libvirt"))).toBe(realpathSync(join(installed, "virtkit", "sdks", "libvirt")));
    expect(existsSync(join(installed, "virtkit", "sdks", "libvirt", "bin", "index.js"))).toBe(true);
    expect(JSON.parse(readFileSync(join(installed, "virtkit", "package.json"), "utf8")).peerDependencies["@pulumi/pulumi"]).toBeDefined();
  });

  it("plans the project's program with the installed virtkit command", () => {
    const r = spawnSync(join(project, "node_modules", ".bin", "virtkit"), ["plan", "."], { cwd: project, encoding: "utf8", timeout: 5 * 60 * 1000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("libvirt:index/domain:Domain");
    expect(r.stdout).toMatch(/<vcpupin vcpu="1" cpuset="3"\/>/);
    expect(r.stdout).toMatch(/PinnedVm "web"\s+schema, define\+start on test:\/\/\/default\s+accepted/);
    expect(r.status).toBe(0);
  });
});
