import { parseRecoverArgs, recover, type Ran, type RecoverTools } from "../../../sdk/src/cli/recover/recoverCommand";
import { planRecovery, type ExportedDeployment, type LibvirtObjectRef } from "../../../sdk/src/cli/recover/recoveryPlan";

const STACK = "urn:pulumi:dev::fleet";
const provider = (host: string, uri: string) => ({ urn: `${STACK}::virtkit:index:LibvirtHost$pulumi:providers:libvirt::${host}-provider`, id: `id-${host}`, type: "pulumi:providers:libvirt", inputs: { uri } });
const hv1 = provider("hv1", "qemu:///system?socket=/f/hv1/sock");
const hv2 = provider("hv2", "qemu:///system?socket=/f/hv2/sock");
const ref = (p: { urn: string; id: string }) => `${p.urn}::${p.id}`;
const pending = (type: string, name: string, inputs: Record<string, unknown>, p = hv1) => ({
  type: "creating",
  resource: { urn: `${STACK}::virtkit:index:PinnedVm$${type}::${name}`, type, parent: `${STACK}::virtkit:index:PinnedVm::vm`, provider: ref(p), inputs },
});

/** A state after a SIGKILL: a recorded data volume; pending: a network, a domain, two volumes, a pool never made, a dynamic resource. */
const killed: ExportedDeployment = {
  resources: [hv1, hv2, { urn: `${STACK}::libvirt:index/volume:Volume::data`, type: "libvirt:index/volume:Volume", provider: ref(hv1), outputs: { pool: "vms", name: "data.raw" } }],
  pending_operations: [
    pending("libvirt:index/network:Network", "extra", { name: "extra" }),
    pending("libvirt:index/domain:Domain", "c", { name: "c" }, hv2),
    pending("libvirt:index/volume:Volume", "c-root", { name: "c-root.qcow2", pool: "vms" }),
    pending("libvirt:index/volume:Volume", "data-again", { name: "data.raw", pool: "vms" }),
    pending("libvirt:index/pool:Pool", "spare", { name: "spare" }),
    pending("pulumi-nodejs:dynamic/virtkit:VolumeCapacity", "c-root-capacity", {}),
    pending("pulumi-nodejs:dynamic/virtkit:LuksVolume", "vault", { uri: "qemu:///system?socket=/f/hv2/sock", pool: "vms", name: "vault.qcow2" }),
    { type: "updating", resource: { urn: `${STACK}::libvirt:index/domain:Domain::b`, type: "libvirt:index/domain:Domain" } },
  ],
};

/** What the hosts hold: every object but the pool. */
const onHosts = new Map([
  ["network qemu:///system?socket=/f/hv1/sock extra", "6f1c-net"],
  ["domain qemu:///system?socket=/f/hv2/sock c", "0a2b-dom"],
  ["volume qemu:///system?socket=/f/hv1/sock c-root.qcow2", "/pools/vms/c-root.qcow2"],
  ["volume qemu:///system?socket=/f/hv1/sock data.raw", "/pools/vms/data.raw"],
  ["volume qemu:///system?socket=/f/hv2/sock vault.qcow2", "/pools/vms/vault.qcow2"],
]);
const lookup = (o: LibvirtObjectRef) => onHosts.get(`${o.kind} ${o.uri} ${o.name}`);

describe("virtkit recover: what to do with each pending create", () => {
  it("imports what exists by its UUID through its own host, deletes a pending volume, keeps one the state holds, clears the rest", () => {
    const steps = planRecovery(killed, lookup);
    expect(steps.map((s) => [s.action, s.urn.split("::").pop()])).toEqual([
      ["import", "extra"],
      ["import", "c"],
      ["deleteVolume", "c-root"],
      ["clear", "data-again"],
      ["clear", "spare"],
      ["clear", "c-root-capacity"],
      ["deleteVolume", "vault"],
    ]);
    expect(steps[1]).toMatchObject({ id: "0a2b-dom", provider: ref(hv2), parent: `${STACK}::virtkit:index:PinnedVm::vm`, object: { uri: "qemu:///system?socket=/f/hv2/sock" } });
    expect(steps[3]).toMatchObject({ why: expect.stringContaining("also held by the state: kept") });
    expect(steps[4]).toMatchObject({ why: expect.stringContaining('no pool "spare"') });
  });
});

describe("virtkit recover: the commands it runs", () => {
  /** Pulumi and virsh as a killed run left them: the refresh clears without importing (as Pulumi 3.248 did). */
  function fakeTools(): RecoverTools & { calls: string[] } {
    const calls: string[] = [];
    let state: ExportedDeployment = killed;
    const ok = (stdout = ""): Ran => ({ status: 0, stdout, stderr: "" });
    return {
      calls,
      pulumi(args) {
        calls.push(`pulumi ${args.join(" ")}`);
        if (args[0] === "stack") return ok(JSON.stringify({ deployment: state }));
        if (args[0] === "refresh") state = { resources: killed.resources };
        return ok();
      },
      virsh(uri, args) {
        calls.push(`virsh ${uri} ${args.join(" ")}`);
        const [verb, ...rest] = args;
        const kind = { "net-uuid": "network", "pool-uuid": "pool", domuuid: "domain", "vol-key": "volume" }[verb];
        const answer = kind && onHosts.get(`${kind} ${uri} ${rest[rest.length - 1]}`);
        return verb === "vol-delete" ? ok() : answer ? ok(`${answer}\n`) : { status: 1, stdout: "", stderr: "error: not found" };
      },
    };
  }

  it("cancels, deletes the pending volume, refreshes with the imports, then imports what the refresh left out", () => {
    const tools = fakeTools();
    const out: string[] = [];
    expect(recover({ cwd: "/p", stack: "dev", dryRun: false }, tools, (s) => out.push(s))).toBe(0);
    const ran = tools.calls.filter((c) => !/ (net-uuid|pool-uuid|domuuid|vol-key) /.test(c));
    expect(ran).toEqual([
      "pulumi cancel --yes --stack dev",
      "pulumi stack export --show-secrets --stack dev",
      "virsh qemu:///system?socket=/f/hv1/sock vol-delete --pool vms c-root.qcow2",
      "virsh qemu:///system?socket=/f/hv2/sock vol-delete --pool vms vault.qcow2",
      `pulumi refresh --yes --skip-preview --import-pending-creates ${killed.pending_operations![0].resource.urn} --import-pending-creates 6f1c-net --import-pending-creates ${killed.pending_operations![1].resource.urn} --import-pending-creates 0a2b-dom --clear-pending-creates --stack dev`,
      "pulumi stack export --show-secrets --stack dev",
      `pulumi import libvirt:index/network:Network extra 6f1c-net --yes --skip-preview --generate-code=false --parent parent=${STACK}::virtkit:index:PinnedVm::vm --provider provider=${hv1.urn} --stack dev`,
      `pulumi import libvirt:index/domain:Domain c 0a2b-dom --yes --skip-preview --generate-code=false --parent parent=${STACK}::virtkit:index:PinnedVm::vm --provider provider=${hv2.urn} --stack dev`,
    ]);
    expect(out.join("")).toMatch(/recovered: run pulumi up\n$/);
  });

  it("--dry-run changes nothing: no cancel, no delete, no refresh, no import", () => {
    const tools = fakeTools();
    const out: string[] = [];
    expect(recover({ cwd: "/p", dryRun: true }, tools, (s) => out.push(s))).toBe(0);
    expect(tools.calls.filter((c) => /vol-delete|refresh|import|cancel/.test(c))).toEqual([]);
    expect(out.join("")).toContain("would run: virsh -c qemu:///system?socket=/f/hv1/sock vol-delete --pool vms c-root.qcow2");
  });

  it("a failed export stops it with Pulumi's words and exit 1", () => {
    const tools: RecoverTools = { pulumi: (a) => (a[0] === "stack" ? { status: 255, stdout: "", stderr: "error: no stack named 'dev' found" } : { status: 0, stdout: "", stderr: "" }), virsh: () => ({ status: 0, stdout: "", stderr: "" }) };
    const out: string[] = [];
    expect(recover({ cwd: "/p", stack: "dev", dryRun: false }, tools, (s) => out.push(s))).toBe(1);
    expect(out.join("")).toContain("virtkit recover: pulumi stack export failed: error: no stack named 'dev' found");
  });

  it("parses its options and refuses unknown ones with the usage", () => {
    expect(parseRecoverArgs(["--cwd", "/p", "--stack", "dev", "--dry-run"])).toEqual({ cwd: "/p", stack: "dev", dryRun: true });
    expect(parseRecoverArgs(["--force"])).toMatch(/Unknown option '--force'[\s\S]*usage: virtkit recover/);
  });
});
