import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlannedVm } from "../program/registry";
import { buildXml, parseXml } from "../render/xml";
import { type DriverOffer, driverOffer, fitToDriver } from "./qemuDriver";

/** libvirt's verdict on one domain. */
export interface LibvirtVerdict {
  readonly vm: string;
  readonly ok: boolean;
  /** What was checked: `schema`, `define+start on test:///default`, `domxml-to-native on qemu:///system`. */
  readonly checks: readonly string[];
  readonly message: string;
}

/**
 * Lets real libvirt judge each domain: libvirt's RelaxNG schema, then, on a `test://`
 * URI, define and start in libvirt's in-process test hypervisor (nothing persists); on any
 * other URI, `domxml-to-native`, which makes the driver build the QEMU command line
 * without defining anything on the host.
 */
export function checkWithLibvirt(vms: readonly PlannedVm[], uri: string): LibvirtVerdict[] {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-plan-"));
  let offer: DriverOffer | undefined;
  const offerOnce = () => (offer ??= readOffer(uri));
  try {
    return vms.map((vm) => checkOne(vm, uri, dir, offerOnce));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkOne(vm: PlannedVm, uri: string, dir: string, offer: () => DriverOffer): LibvirtVerdict {
  const file = join(dir, `${vm.domainName}.xml`);
  writeFileSync(file, vm.domainXml);
  const checks: string[] = [];
  const schema = run("virt-xml-validate", [file, "domain"]);
  checks.push("schema");
  if (!schema.ok) return { vm: vm.component, ok: false, checks, message: schema.output };
  if (uri.startsWith("test://")) {
    const r = run("virsh", ["-c", uri, `define ${file} ; start ${vm.domainName} ; domstate ${vm.domainName}`]);
    checks.push(`define+start on ${uri}`);
    const running = /running/.test(r.output);
    return { vm: vm.component, ok: r.ok && running, checks, message: r.ok && running ? "defined and running" : r.output };
  }
  // Passed-through devices need VFIO and the device on the machine that builds the command
  // line, and libvirt 9.0's daemon crashes on some of them; the schema judged them above.
  const { xml: local, removed } = withoutPassthrough(vm.domainXml);
  const { xml, adaptations } = fitToDriver(local, offer());
  const native = join(dir, `${vm.domainName}.native.xml`);
  writeFileSync(native, xml);
  const r = run("virsh", ["-c", uri, "domxml-to-native", "qemu-argv", native]);
  const notes = [...(removed ? [`without its ${removed} passthrough device${removed > 1 ? "s" : ""}`] : []), ...adaptations];
  checks.push(`domxml-to-native on ${uri}${notes.length ? ` (${notes.join("; ")})` : ""}`);
  return { vm: vm.component, ok: r.ok, checks, message: r.ok ? "QEMU command line built" : r.output };
}

/** The driver's offer; unreadable capabilities offer nothing, so the domain is judged as written. */
function readOffer(uri: string): DriverOffer {
  const r = run("virsh", ["-c", uri, "capabilities"]);
  return r.ok ? driverOffer(r.output) : { domainTypes: new Map() };
}

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60000 });
  if (r.error) return { ok: false, output: `${cmd}: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed (Debian package libvirt-clients)" : r.error.message}` };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The domain without its `<hostdev>` and `<interface type="hostdev">` devices, and how many there were. */
export function withoutPassthrough(domainXml: string): { xml: string; removed: number } {
  const doc = parseXml(domainXml, ["hostdev", "interface"]) as { domain: { devices?: { hostdev?: unknown[]; interface?: { "@_type"?: string }[] } } };
  const devices = doc.domain.devices;
  if (!devices) return { xml: domainXml, removed: 0 };
  const before = (devices.hostdev?.length ?? 0) + (devices.interface?.length ?? 0);
  delete devices.hostdev;
  if (devices.interface) devices.interface = devices.interface.filter((i) => i["@_type"] !== "hostdev");
  const removed = before - (devices.interface?.length ?? 0);
  return { xml: removed ? buildXml(doc) : domainXml, removed };
}
