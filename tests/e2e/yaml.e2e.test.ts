import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describeWithProvider, describeWithYaml, PulumiProject } from "../support/engine";
import { scratchDir, virsh } from "../support/libvirt";

/**
 * virtkit from another language: Pulumi YAML programs declaring virtkit:index:* components,
 * run by the real engine with the YAML language host scripts/engine builds and virtkit's
 * component provider (bin/pulumi-resource-virtkit, running this checkout's dist/).
 */
const repo = join(__dirname, "..", "..");
const STEP = 10 * 60 * 1000;
const PASSPHRASE = "correct horse battery staple";
const CEPH_KEY = "AQBrZXlmb3J0aGV5YW1sZTJldGVzdHM=";

/** A Pulumi.yaml using the checkout's plugin; `body` is the rest (config, resources, outputs). */
const pulumiYaml = (name: string, body: string) => `name: ${name}
runtime: yaml
plugins:
  providers:
    - name: virtkit
      path: ${join(repo, "bin")}
${body}`;

const yamlProject = (name: string, body: string) => new PulumiProject(name, { "Pulumi.yaml": pulumiYaml(name, body) });

describeWithYaml("a Pulumi YAML program previews virtkit components on test:///default", () => {
  let project: PulumiProject;
  const vm = (props: string) => `resources:
  host:
    type: virtkit:index:LibvirtHost
    properties:
      uri: test:///default
  mem:
    type: virtkit:index:HugepageMemory
    properties:
      size: 256MiB
      pageSize: 2MiB
  vm:
    type: virtkit:index:PinnedVm
    properties:
      host: \${host}
      memory: \${mem}
      domainType: qemu
${props}
`;

  beforeAll(() => {
    project = yamlProject("e2e-yaml-preview", vm("      vcpus: 0\n      chipset: pc"));
    project.init();
  }, STEP);
  afterAll(() => project?.remove());

  it("shows virtkit's message for a bad spec, every problem at once, and registers no domain", () => {
    const r = project.pulumi("preview");
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('PinnedVm "vm": 2 problems');
    expect(r.output).toContain("- vcpus: 0 is out of range; vCPU count must be 1..4096");
    expect(r.output).toMatch(/- chipset: [^\n]*"q35"\|"i440fx"/);
    expect(r.output).not.toContain("libvirt:index/domain:Domain");
  }, STEP);

  it("is type-checked against the generated schema: a misspelt argument is Pulumi YAML's error, component references are accepted", () => {
    project.write({ "Pulumi.yaml": pulumiYaml("e2e-yaml-preview", vm("      vcpu: 2")) });
    const r = project.pulumi("preview");
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("virtkit:index:PinnedVm is not assignable from {host: virtkit:index:LibvirtHost, memory: virtkit:index:HugepageMemory, domainType: string, vcpu: number}");
    expect(r.output).toContain("vcpus: Missing required property 'vcpus'");
  }, STEP);

  it("checks references by component: a StorageSecret is no VirtualNetwork (Pulumi YAML's type error) nor a StoragePool (virtkit's)", () => {
    const program = (extra: string) =>
      pulumiYaml(
        "e2e-yaml-preview",
        `resources:
  host:
    type: virtkit:index:LibvirtHost
    properties:
      uri: test:///default
  key:
    type: virtkit:index:StorageSecret
    properties: { host: "\${host}", type: iscsi, usage: chap, value: not-a-secret }
${extra}`,
      );
    project.write({ "Pulumi.yaml": program(`  vm:\n    type: virtkit:index:PinnedVm\n    properties: { host: "\${host}", vcpus: 1, memory: { size: 256MiB }, nics: [ { network: "\${key}" } ] }\n`) });
    const nic = project.pulumi("preview");
    expect(nic.status).not.toBe(0);
    expect(nic.output).toContain("network: Cannot assign 'virtkit:index:StorageSecret' to 'virtkit:index:VirtualNetwork'");
    // Pulumi YAML lets a resource stand for a string, so a pool (a name or a StoragePool) is virtkit's check
    project.write({ "Pulumi.yaml": program(`  data:\n    type: virtkit:index:Qcow2Volume\n    properties: { host: "\${host}", pool: "\${key}", size: 1GiB }\n`) });
    const pool = project.pulumi("preview");
    expect(pool.status).not.toBe(0);
    expect(pool.output).toContain('Qcow2Volume "data": pool: expected a pool name or a StoragePool');
  }, STEP);

  it("treats the program's components as one run: two LibvirtHosts of one URI are one hypervisor", () => {
    const capabilities = join(repo, "tests/fixtures/hosts/two-socket/capabilities.xml");
    project.write({
      "Pulumi.yaml": pulumiYaml(
        "e2e-yaml-preview",
        `resources:
  a:
    type: virtkit:index:LibvirtHost
    properties:
      uri: test:///default
  b:
    type: virtkit:index:LibvirtHost
    properties:
      uri: test:///default
      capabilities:
        fn::readFile: ${capabilities}
`,
      ),
    });
    const r = project.pulumi("preview");
    expect(r.status).not.toBe(0);
    // whichever the engine constructs second is refused, naming the first
    expect(r.output).toMatch(/LibvirtHost "(a|b)": uri: test:\/\/\/default is also the URI of LibvirtHost "(a|b)", whose capabilities, devices or reservedCpus differ/);
  }, STEP);
});

describeWithYaml("a Pulumi YAML program's encrypted Qcow2Volume comes up and goes down against libvirtd", () => {
  const uri = "qemu:///system";
  const tag = `vk-yaml-e2e-${process.pid}`;
  const dir = scratchDir();
  let project: PulumiProject;

  beforeAll(() => {
    virsh(uri, [`pool-define-as ${tag} dir --target ${join(dir, "pool")}`, `pool-build ${tag}`, `pool-start ${tag}`]);
    project = yamlProject(
      "e2e-yaml-luks",
      `config:
  luksPassphrase:
    type: string
    secret: true
resources:
  host:
    type: virtkit:index:LibvirtHost
    properties:
      uri: ${uri}
  data:
    type: virtkit:index:Qcow2Volume
    properties:
      host: \${host}
      pool: ${tag}
      size: 32MiB
      allowReplace: true
      encryption:
        passphrase: \${luksPassphrase}
  mem:
    type: virtkit:index:HugepageMemory
    properties:
      size: 64MiB
      pageSize: 2MiB
outputs:
  path: \${data.path}
  passphrase: \${data.passphrase}
  pages: \${mem.pages}
`,
    );
    project.init({ luksPassphrase: { value: PASSPHRASE, secret: true } });
  }, STEP);

  afterAll(() => {
    project?.destroyAndRemove();
    for (const c of [`pool-destroy ${tag}`, `pool-undefine ${tag}`]) spawnSync("virsh", ["-q", "-c", uri, c]);
  }, STEP);

  it("preview plans the components and virtkit's LUKS volume under them", () => {
    expect(project.previewSteps().map((s) => `${s.op} ${s.type}::${s.name}`).sort()).toEqual(
      [
        "create pulumi:pulumi:Stack::e2e-yaml-luks-e2e",
        "create virtkit:index:LibvirtHost::host",
        "create virtkit:index:Qcow2Volume::data",
        "create virtkit:index:HugepageMemory::mem",
        "create pulumi-nodejs:dynamic/virtkit:LuksVolume::data",
      ].sort(),
    );
  }, STEP);

  it("up creates the LUKS volume; outputs come back; the passphrase stays a secret", () => {
    project.ok("up", "--yes", "--skip-preview");
    const out = project.outputs();
    expect(out.path).toBe(join(dir, "pool", "data.qcow2"));
    expect(out.pages).toBe(32);
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", String(out.path)], { encoding: "utf8" }));
    expect(info["virtual-size"]).toBe(32 * 1024 * 1024);
    expect(info["format-specific"].data.encrypt.format).toBe("luks");
    expect(project.ok("stack", "export").stdout).not.toContain(PASSPHRASE);
    expect(project.ok("stack", "output", "passphrase").stdout).toContain("[secret]");
    expect(out.passphrase).toBe(PASSPHRASE);
  }, STEP);

  it("comes up clean: no perpetual diff in preview or refresh", () => {
    expect(project.drift()).toBe("");
  }, STEP);

  it("destroy leaves neither the volume nor its secret", () => {
    const path = String(project.outputs().path);
    const secrets = virsh(uri, ["secret-list"]);
    project.ok("destroy", "--yes", "--skip-preview");
    expect(existsSync(path)).toBe(false);
    expect(virsh(uri, ["secret-list"]).split("\n").length).toBeLessThan(secrets.split("\n").length);
  }, STEP);
});

describeWithYaml("a Pulumi YAML program's StorageSecret comes up and goes down against libvirtd, its key a secret", () => {
  const uri = "qemu:///system";
  const usage = `client.vk-yaml-e2e-${process.pid} secret`;
  let project: PulumiProject;

  beforeAll(() => {
    project = yamlProject(
      "e2e-yaml-secret",
      `config:
  cephKey:
    type: string
    secret: true
resources:
  host:
    type: virtkit:index:LibvirtHost
    properties:
      uri: ${uri}
  ceph:
    type: virtkit:index:StorageSecret
    properties:
      host: \${host}
      type: ceph
      usage: ${usage}
      value: \${cephKey}
outputs:
  uuid: \${ceph.uuid}
  usage: \${ceph.usage}
`,
    );
    project.init({ cephKey: { value: CEPH_KEY, secret: true } });
  }, STEP);

  afterAll(() => {
    project?.destroyAndRemove();
  }, STEP);

  it("up defines a private libvirt secret of that usage; the key is in neither the state nor the outputs", () => {
    project.ok("up", "--yes", "--skip-preview");
    const out = project.outputs();
    expect(out.usage).toBe(usage);
    const xml = virsh(uri, [`secret-dumpxml ${String(out.uuid)}`]);
    expect(xml).toContain(`<usage type='ceph'>`);
    expect(xml).toContain(`<name>${usage}</name>`);
    expect(xml).toMatch(/private='yes'/);
    expect(project.ok("stack", "export").stdout).not.toContain(CEPH_KEY);
    expect(JSON.stringify(out)).not.toContain(CEPH_KEY);
  }, STEP);

  it("destroy undefines the secret", () => {
    const uuid = String(project.outputs().uuid);
    project.ok("destroy", "--yes", "--skip-preview");
    expect(virsh(uri, ["secret-list"])).not.toContain(uuid);
  }, STEP);
});

// A PinnedVm registers the libvirt provider's Domain: planning it needs terraform-provider-libvirt.
describeWithYaml("a Pulumi YAML program plans a PinnedVm (libvirt provider)", () => {
  describeWithProvider("with terraform-provider-libvirt", () => {
    let project: PulumiProject;
    beforeAll(() => {
      project = yamlProject(
        "e2e-yaml-vm",
        `resources:
  host:
    type: virtkit:index:LibvirtHost
    properties:
      uri: test:///default
  vm:
    type: virtkit:index:PinnedVm
    properties:
      host: \${host}
      vcpus: 2
      domainType: qemu
      pinning:
        vcpus: ["0", "1"]
      memory:
        size: 256MiB
outputs:
  domainXml: \${vm.domainXml}
`,
      );
      project.init();
    }, STEP);
    afterAll(() => project?.remove());

    it("preview plans the domain under the component", () => {
      const steps = project.previewSteps().map((s) => `${s.op} ${s.type}::${s.name}`);
      expect(steps).toContain("create virtkit:index:PinnedVm::vm");
      expect(steps).toContain("create libvirt:index/domain:Domain::vm");
    }, STEP);
  });

  describeWithProvider("with a StoragePool, a VirtualNetwork and a StorageSecret", () => {
    let project: PulumiProject;
    beforeAll(() => {
      project = yamlProject(
        "e2e-yaml-refs",
        `config:
  cephKey:
    type: string
    secret: true
resources:
  host:
    type: virtkit:index:LibvirtHost
    properties:
      uri: test:///default
  images:
    type: virtkit:index:StoragePool
    properties: { host: "\${host}", type: dir, path: /srv/images }
  lan:
    type: virtkit:index:VirtualNetwork
    properties:
      host: \${host}
      mode: nat
      ipv4: { address: 10.9.0.1/24, dhcp: { start: 10.9.0.10, end: 10.9.0.99 } }
  ceph:
    type: virtkit:index:StorageSecret
    properties: { host: "\${host}", type: ceph, usage: client.libvirt secret, value: "\${cephKey}" }
  root:
    type: virtkit:index:Qcow2Volume
    properties: { host: "\${host}", pool: "\${images}", size: 1GiB }
  vm:
    type: virtkit:index:PinnedVm
    properties:
      host: \${host}
      vcpus: 1
      domainType: qemu
      memory: { size: 256MiB }
      disks:
        - \${root}
        - source: { rbd: { pool: rbd, image: web-data, monitors: [ { host: mon1.example } ] } }
          auth: { username: libvirt, secret: "\${ceph}" }
      nics: [ "\${lan}", { network: "\${lan}", mac: "52:54:00:10:00:02" } ]
outputs:
  domainXml: \${vm.domainXml}
`,
      );
      project.init({ cephKey: { value: CEPH_KEY, secret: true } });
    }, STEP);
    afterAll(() => project?.remove());

    it("type-checks the references against the schema and plans every resource under its component", () => {
      const steps = project.previewSteps().map((s) => `${s.op} ${s.type}::${s.name}`);
      for (const step of [
        "create virtkit:index:StoragePool::images",
        "create libvirt:index/pool:Pool::images",
        "create virtkit:index:VirtualNetwork::lan",
        "create libvirt:index/network:Network::lan",
        "create virtkit:index:StorageSecret::ceph",
        "create pulumi-nodejs:dynamic/virtkit:LibvirtSecret::ceph",
        "create virtkit:index:Qcow2Volume::root",
        "create libvirt:index/volume:Volume::root",
        "create libvirt:index/domain:Domain::vm",
      ]) {
        expect(steps).toContain(step);
      }
    }, STEP);

    it("keeps the Ceph key out of the preview's plan", () => {
      const r = project.pulumi("preview", "--diff");
      expect(r.status).toBe(0);
      expect(r.output).not.toContain(CEPH_KEY);
    }, STEP);
  });
});
