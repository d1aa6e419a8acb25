import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { hostHasKvm, vcpuPins, virsh } from "../support/libvirt";
import { installTarball, packVirtkit } from "../support/pack";

/**
 * virtkit as a user runs it: `npm pack`, the tarball installed into a Pulumi project outside the
 * repository, and that project's program run by the real Pulumi engine against this machine's
 * libvirtd. What only the installed package shows: Pulumi serialises virtkit's dynamic providers
 * (VolumeCapacity, LuksVolume, LivePinning) into the state, and a module of the package they
 * capture (volumeGrowth.js) by its path, `virtkit/dist/sdk/src/...`, which the package's
 * `exports` must let a `require` reach: without it every program with a Qcow2Volume fails.
 */
const uri = "qemu:///system";
const tag = `vk-inst-${process.pid}`;
const STEP = 15 * 60 * 1000;
const PASSPHRASE = "installed package passphrase";
const MiB = 1024 * 1024;

interface Knobs {
  uri: string;
  pool: string;
  network: string;
  bridge: string;
  address: string;
  dhcp: { start: string; end: string };
  mac: string;
  baseImage: string;
  domainName: string;
  domainType: "kvm" | "qemu";
  dataSize: string;
  /** Unprotects the volumes, so destroy may remove them. */
  allowReplace: boolean;
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { readFileSync } from "node:fs";

// what each step of the test turns, next to the program
const k = JSON.parse(readFileSync(\`\${__dirname}/knobs.json\`, "utf8"));
const cfg = new pulumi.Config();

const host = new virtkit.LibvirtHost("local", { uri: k.uri });
const net = new virtkit.VirtualNetwork("net", { host, name: k.network, mode: "nat", bridge: k.bridge, ipv4: { address: k.address, dhcp: k.dhcp } });
const root = new virtkit.Qcow2Volume("root", { host, pool: k.pool, size: "64MiB", baseImage: { url: k.baseImage }, allowReplace: k.allowReplace });
const data = new virtkit.Qcow2Volume("data", { host, pool: k.pool, size: k.dataSize, format: "raw", allowReplace: k.allowReplace });
const secure = new virtkit.Qcow2Volume("secure", {
  host,
  pool: k.pool,
  size: "32MiB",
  encryption: { passphrase: cfg.requireSecret("luksPassphrase") },
  allowReplace: k.allowReplace,
});
const vm = new virtkit.PinnedVm("vm", {
  host,
  vcpus: 2,
  domainType: k.domainType,
  domainName: k.domainName,
  pinning: { vcpus: ["0", "1"], emulator: "0-1" },
  livePinning: true,
  memory: { size: "64MiB" },
  disks: [root, data, secure],
  nics: [{ network: net, mac: k.mac }],
  running: true,
});

export const domainXml = vm.domainXml;
export const paths = { root: root.path, data: data.path, secure: secure.path };
export const secretUuid = secure.secretUuid;
`;

/**
 * A user's tsconfig, as Pulumi's TypeScript templates write it: CommonJS, Node resolution,
 * strict, neither esModuleInterop nor skipLibCheck.
 */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
};

const qemuImgInfo = (path: string) => JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", path], { encoding: "utf8" })) as Record<string, unknown>;

describeWithProvider("the packed package installed outside the repository, on the real Pulumi engine against libvirtd", () => {
  // Not scratchDir(): a path with "virtkit" in it before node_modules/virtkit sends Pulumi's
  // closure serialiser (getPackageDefinition, the path's first "virtkit") to a package.json that
  // is not there, and it then skips the package's exports map, which is what a user's project meets.
  const dir = mkdtempSync(join(tmpdir(), "vk-installed-"));
  const poolDir = join(dir, "pool");
  let project: PulumiProject;
  let knobs: Knobs;
  const set = (patch: Partial<Knobs>) => {
    knobs = { ...knobs, ...patch };
    project.write({ "knobs.json": JSON.stringify(knobs, null, 2) });
  };
  /** What Node's `require.resolve` gives for `request` in the project (Node's, not jest's resolver). */
  const resolveInProject = (request: string) =>
    execFileSync("node", ["-p", `require.resolve(${JSON.stringify(request)})`], { cwd: project.dir, encoding: "utf8" }).trim();
  const timings: string[] = [];
  const timed = <T>(what: string, f: () => T): T => {
    const t0 = Date.now();
    try {
      return f();
    } finally {
      timings.push(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  beforeAll(() => {
    virsh(uri, [`pool-define-as ${tag} dir --target ${poolDir}`, `pool-build ${tag}`, `pool-start ${tag}`]);
    const baseImage = join(dir, "base.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", baseImage, "64M"]);
    const tarball = timed("npm pack", () => packVirtkit(join(dir, "pack")));
    const net = `10.${(process.pid >> 8) & 255}.${process.pid & 255}`;
    knobs = {
      uri,
      pool: tag,
      network: tag,
      bridge: `vki${process.pid % 100000}`,
      address: `${net}.1/24`,
      dhcp: { start: `${net}.100`, end: `${net}.200` },
      mac: `52:54:00:${[(process.pid >> 16) & 255, (process.pid >> 8) & 255, process.pid & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`,
      baseImage,
      domainName: tag,
      domainType: hostHasKvm() ? "kvm" : "qemu",
      dataSize: "32MiB",
      allowReplace: false,
    };
    // under os.tmpdir(): no package.json or node_modules of the checkout above it
    project = new PulumiProject(
      "installed",
      {
        "index.ts": PROGRAM,
        "knobs.json": JSON.stringify(knobs, null, 2),
        "tsconfig.json": JSON.stringify(TSCONFIG, null, 2),
        "package.json": JSON.stringify({ name: "installed", private: true }),
      },
      dir,
    );
    timed("npm install", () => installTarball(project.dir, tarball, ["@pulumi/pulumi@~3.248.0", "ts-node@10", "typescript@~5.9.3", "@types/node@20"]));
    project.init({ luksPassphrase: { value: PASSPHRASE, secret: true } });
  }, STEP);

  afterAll(() => {
    // whatever a failed step left behind: the test's own objects only, by name
    const quiet = (cmd: string) => spawnSync("virsh", ["-q", "-c", uri, cmd]);
    if (project && knobs) {
      set({ allowReplace: true });
      project.pulumi("up", "--yes", "--skip-preview");
      project.pulumi("destroy", "--yes", "--skip-preview");
      project.remove();
    }
    quiet(`destroy ${tag}`);
    quiet(`undefine ${tag} --nvram`);
    quiet(`net-destroy ${tag}`);
    quiet(`net-undefine ${tag}`);
    // a LUKS volume's secret is keyed by the volume's path, which is in this test's pool
    for (const uuid of virsh(uri, ["secret-list"]).matchAll(/^\s*([0-9a-f-]{36})\s/gm)) {
      if (String(quiet(`secret-dumpxml ${uuid[1]}`).stdout).includes(`<volume>${poolDir}/`)) quiet(`secret-undefine ${uuid[1]}`);
    }
    if (existsSync(poolDir)) for (const f of readdirSync(poolDir)) quiet(`vol-delete --pool ${tag} ${f}`);
    quiet(`pool-destroy ${tag}`);
    quiet(`pool-undefine ${tag}`);

    rmSync(dir, { recursive: true, force: true });

    console.log(`installed package e2e timings:\n  ${timings.join("\n  ")}`);
  }, STEP);

  it("the project's program gets virtkit from its own node_modules, the installed tarball", () => {
    const resolved = realpathSync(resolveInProject("virtkit"));
    expect(resolved).toBe(realpathSync(join(project.dir, "node_modules", "virtkit", "dist", "sdk", "src", "index.js")));
    expect(resolved.startsWith(realpathSync(join(__dirname, "..", "..")))).toBe(false);
    // nothing named virtkit above the project (see `dir`)
    expect(resolved.indexOf("virtkit")).toBe(join(realpathSync(project.dir), "node_modules", "virtkit").indexOf("virtkit"));
  });

  it("up: the domain runs pinned on its NAT network, with the overlay, the raw and the LUKS volume in the pool", () => {
    timed("pulumi up", () => project.ok("up", "--yes", "--skip-preview"));
    const out = project.outputs();
    const paths = out.paths as { root: string; data: string; secure: string };
    expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("running");
    expect(vcpuPins(uri, tag)).toEqual([
      ["0", "0"],
      ["1", "1"],
    ]);
    expect(virsh(uri, [`emulatorpin ${tag}`]).trim()).toBe("0-1");
    // the network is up, with its bridge, and the domain's NIC is on it
    expect(virsh(uri, [`net-info ${tag}`])).toMatch(/^Active:\s+yes$/m);
    expect(spawnSync("ip", ["link", "show", knobs.bridge]).status).toBe(0);
    expect(virsh(uri, [`domiflist ${tag}`])).toMatch(new RegExp(`\\snetwork\\s+${tag}\\s+virtio\\s+${knobs.mac}`));
    // the volumes, and the domain's disks on them
    const volumes = virsh(uri, [`vol-list ${tag}`]);
    for (const p of Object.values(paths)) expect(volumes).toContain(p);
    expect(virsh(uri, [`domblklist ${tag}`]).trim().split("\n").map((l) => l.trim().split(/\s+/))).toEqual([
      ["vda", "root.qcow2"],
      ["vdb", "data.raw"],
      ["vdc", "secure.qcow2"],
    ]);
    const root = qemuImgInfo(paths.root);
    expect(root["backing-filename"]).toMatch(/\/base-base-[0-9a-f]{8}\.qcow2$/);
    expect(qemuImgInfo(paths.data)).toMatchObject({ format: "raw", "virtual-size": 32 * MiB });
    expect((qemuImgInfo(paths.secure)["format-specific"] as { data: { encrypt: { format: string } } }).data.encrypt.format).toBe("luks");
    expect(virsh(uri, ["secret-list"])).toContain(String(out.secretUuid));
    // the passphrase is a secret in the state, never plain text
    const state = timed("pulumi stack export", () => project.ok("stack", "export").stdout);
    expect(state).not.toContain(PASSPHRASE);
  }, STEP);

  it("the state's dynamic providers require the installed package's modules by path", () => {
    const state = JSON.parse(project.ok("stack", "export").stdout) as { deployment: { resources: { type: string; inputs?: { __provider?: string } }[] } };
    const dynamic = state.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    expect(dynamic.map((r) => r.type).sort()).toEqual(
      ["pulumi-nodejs:dynamic/virtkit:LivePinning", "pulumi-nodejs:dynamic/virtkit:LuksVolume", "pulumi-nodejs:dynamic/virtkit:VolumeCapacity", "pulumi-nodejs:dynamic/virtkit:VolumeCapacity"].sort(),
    );
    const serialised = dynamic.map((r) => r.inputs?.__provider ?? "");
    const required = new Set(serialised.flatMap((p) => [...p.matchAll(/require\("(virtkit\/[^"]+)"\)/g)].map((m) => m[1])));
    // by the package's name, never by a path into the checkout
    expect(serialised.filter((p) => p.includes(realpathSync(join(__dirname, "..", ".."))))).toEqual([]);
    expect([...required].sort()).toEqual(expect.arrayContaining(["virtkit/dist/sdk/src/storage/volumeGrowth.js"]));
    // each of them resolves from the project, as pulumi-resource-pulumi-nodejs requires it
    for (const m of required) expect(realpathSync(resolveInProject(m)).startsWith(realpathSync(join(project.dir, "node_modules", "virtkit")))).toBe(true);
  }, STEP);

  it("comes up clean: preview expects no changes", () => {
    const r = timed("pulumi preview --expect-no-changes", () => project.pulumi("preview", "--expect-no-changes", "--diff"));
    expect(r.status === 0 ? "" : r.output).toBe("");
  }, STEP);

  it("growing the data volume 32MiB -> 48MiB grows it in place under the running domain, keeping its data", () => {
    const path = String((project.outputs().paths as { data: string }).data);
    // the running QEMU holds the volume (and its write lock): write the pattern through it
    const disk = virsh(uri, [`dumpxml ${tag}`])
      .split("<disk ")
      .find((d) => d.includes(`file='${path}'`) || d.includes("volume='data.raw'"));
    const target = /<target dev='([^']+)'/.exec(disk ?? "")?.[1];
    const alias = /<alias name='([^']+)'/.exec(disk ?? "")?.[1];
    expect([target, alias]).toEqual([expect.any(String), expect.any(String)]);
    // (QEMU's qemu-io on the virtio disk's block backend, which its PCI device holds)
    const hmp = virsh(uri, [`qemu-monitor-command ${tag} --hmp 'qemu-io -d /machine/peripheral/${alias}/virtio-backend "write -P 0xab 0 1M"'`]);
    expect(hmp.trim()).toBe("");
    // read from outside, sharing the running QEMU's lock; a pattern that differs exits 1
    const readBack = () => spawnSync("qemu-io", ["-r", "-U", "-f", "raw", "-c", "read -P 0xab 0 1M", path], { encoding: "utf8" });
    expect(readBack()).toMatchObject({ status: 0, stdout: expect.stringMatching(/^read 1048576\/1048576 bytes at offset 0$/m) });

    set({ dataSize: "48MiB" });
    const steps = timed("pulumi preview --json (grow)", () => project.previewSteps());
    // the volume is protected: a replacement would fail here; an update of its capacity is all
    expect(steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type}::${s.name}`)).toEqual(["update pulumi-nodejs:dynamic/virtkit:VolumeCapacity::data-capacity"]);
    timed("pulumi up (grow)", () => project.ok("up", "--yes", "--skip-preview"));
    expect(qemuImgInfo(path)["virtual-size"]).toBe(48 * MiB);
    // the guest's disk has the new size at once
    expect(virsh(uri, [`domblkinfo ${tag} ${target}`])).toMatch(new RegExp(`^Capacity:\\s+${48 * MiB}$`, "m"));
    expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("running");
    expect(readBack()).toMatchObject({ status: 0, stdout: expect.stringMatching(/^read 1048576\/1048576 bytes at offset 0$/m) });
    const r = project.pulumi("preview", "--expect-no-changes", "--diff");
    expect(r.status === 0 ? "" : r.output).toBe("");
  }, STEP);

  it("destroy, once the volumes may be replaced, leaves nothing of the test's own", () => {
    const out = project.outputs();
    set({ allowReplace: true });
    timed("pulumi up (unprotect)", () => project.ok("up", "--yes", "--skip-preview"));
    timed("pulumi destroy", () => project.ok("destroy", "--yes", "--skip-preview"));
    expect(spawnSync("virsh", ["-c", uri, "dominfo", tag]).status).not.toBe(0);
    expect(spawnSync("virsh", ["-c", uri, "net-info", tag]).status).not.toBe(0);
    expect(spawnSync("ip", ["link", "show", knobs.bridge]).status).not.toBe(0);
    expect(virsh(uri, [`vol-list ${tag}`]).trim()).toBe("");
    expect(readdirSync(poolDir)).toEqual([]);
    expect(virsh(uri, ["secret-list"])).not.toContain(String(out.secretUuid));
  }, STEP);
});
