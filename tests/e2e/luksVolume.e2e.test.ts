import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describeWithEngine, PulumiProject } from "../support/engine";
import { scratchDir, virsh } from "../support/libvirt";

/**
 * virtkit's own LUKS volume resource (a Node dynamic provider) under the real Pulumi engine,
 * against this machine's libvirtd: serialised by the engine, run by pulumi-resource-pulumi-nodejs,
 * its passphrase a secret from config to state. It needs no libvirt provider, so it runs
 * wherever the engine builds.
 */
const uri = "qemu:///system";
const tag = `vk-luks-e2e-${process.pid}`;
const STEP = 10 * 60 * 1000;
const PASSPHRASE = "correct horse battery staple";

const program = (size: string, allowReplace: boolean) => `import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";

const host = new virtkit.LibvirtHost("local", { uri: "${uri}" });
const data = new virtkit.Qcow2Volume("data", {
  host,
  pool: "${tag}",
  size: "${size}",
  encryption: { passphrase: new pulumi.Config().requireSecret("luksPassphrase") },
  allowReplace: ${allowReplace},
});
export const path = data.path;
export const secretUuid = data.secretUuid;
export const passphrase = data.passphrase;
`;

describeWithEngine("an encrypted Qcow2Volume on the real Pulumi engine against libvirtd", () => {
  const dir = scratchDir();
  let project: PulumiProject;

  beforeAll(() => {
    virsh(uri, [`pool-define-as ${tag} dir --target ${join(dir, "pool")}`, `pool-build ${tag}`, `pool-start ${tag}`]);
    project = new PulumiProject("e2e-luks", { "index.ts": program("32MiB", false) });
    project.init({ luksPassphrase: { value: PASSPHRASE, secret: true } });
  }, STEP);

  afterAll(() => {
    if (project) {
      project.write({ "index.ts": program("48MiB", true) });
      project.pulumi("up", "--yes", "--skip-preview");
      project.pulumi("destroy", "--yes", "--skip-preview");
      project.remove();
    }
    for (const c of [`pool-destroy ${tag}`, `pool-undefine ${tag}`]) spawnSync("virsh", ["-q", "-c", uri, c]);
  }, STEP);

  it("preview plans the component and virtkit's LUKS volume, and no libvirt provider", () => {
    const steps = project.previewSteps();
    expect(steps.map((s) => `${s.op} ${s.type}::${s.name}`).sort()).toEqual(
      ["create pulumi:pulumi:Stack::e2e-luks-e2e", "create virtkit:index:LibvirtHost::local", "create virtkit:index:Qcow2Volume::data", "create pulumi-nodejs:dynamic/virtkit:LuksVolume::data"].sort(),
    );
  }, STEP);

  it("up creates a qcow2 volume with a LUKS header keyed by a private secret; the passphrase stays a secret", () => {
    project.ok("up", "--yes", "--skip-preview");
    const out = project.outputs();
    const path = String(out.path);
    expect(path).toBe(join(dir, "pool", "data.qcow2"));
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", path], { encoding: "utf8" }));
    expect(info["virtual-size"]).toBe(32 * 1024 * 1024);
    expect(info["format-specific"].data.encrypt.format).toBe("luks");
    expect(virsh(uri, ["secret-list"])).toContain(String(out.secretUuid));
    // the engine stores it encrypted, and shows it only when asked to
    expect(project.ok("stack", "export").stdout).not.toContain(PASSPHRASE);
    expect(project.ok("stack", "output", "passphrase").stdout).toContain("[secret]");
    expect(out.passphrase).toBe(PASSPHRASE);
  }, STEP);

  it("comes up clean: no perpetual diff in preview or refresh", () => {
    expect(project.drift()).toBe("");
  }, STEP);

  it("refuses a new passphrase instead of replacing (and wiping) the volume", () => {
    project.ok("config", "set", "luksPassphrase", "a new passphrase", "--secret");
    const r = project.pulumi("up", "--yes", "--skip-preview");
    project.ok("config", "set", "luksPassphrase", PASSPHRASE, "--secret");
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("changing the passphrase of a LUKS volume in place is not supported");
    expect(r.output).not.toContain("a new passphrase");
    expect(existsSync(String(project.outputs().path))).toBe(true);
  }, STEP);

  it("grows the protected volume in place on up, keeping its data; a shrink fails preview with the reason", () => {
    const path = String(project.outputs().path);
    // qemu-io opening the LUKS image itself, keyed by the test's passphrase
    const qemuIo = (command: string) =>
      spawnSync("qemu-io", ["--object", `secret,id=k0,data=${PASSPHRASE}`, "--image-opts", "-c", command, `driver=qcow2,encrypt.key-secret=k0,file.filename=${path}`], { encoding: "utf8" });
    expect(qemuIo("write -P 0xab 0 1M").status).toBe(0);
    project.write({ "index.ts": program("48MiB", false) });
    const preview = project.previewSteps();
    expect(preview.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`)).toEqual(["update data"]);
    project.ok("up", "--yes", "--skip-preview");
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", path], { encoding: "utf8" }));
    expect(info["virtual-size"]).toBe(48 * 1024 * 1024);
    const read = qemuIo("read -P 0xab 0 1M");
    expect(read.status).toBe(0);
    expect(read.stdout).not.toMatch(/Pattern verification failed/);
    expect(project.drift()).toBe("");

    project.write({ "index.ts": program("32MiB", false) });
    const shrink = project.pulumi("preview");
    expect(shrink.status).not.toBe(0);
    expect(shrink.output).toContain(`volume ${tag}/data.qcow2 cannot shrink from 48MiB to 32MiB`);
    project.write({ "index.ts": program("48MiB", false) });
    expect(JSON.parse(execFileSync("qemu-img", ["info", "--output=json", path], { encoding: "utf8" }))["virtual-size"]).toBe(48 * 1024 * 1024);
  }, STEP);

  it("destroy, once replacing is allowed, leaves neither volume nor secret", () => {
    const out = project.outputs();
    project.write({ "index.ts": program("48MiB", true) });
    project.ok("up", "--yes", "--skip-preview");
    project.ok("destroy", "--yes", "--skip-preview");
    expect(existsSync(String(out.path))).toBe(false);
    expect(virsh(uri, ["secret-list"])).not.toContain(String(out.secretUuid));
  }, STEP);
});
