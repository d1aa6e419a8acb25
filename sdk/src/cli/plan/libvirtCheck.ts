import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlannedNetwork, PlannedVm } from "../../program/runContext";
import { buildXml, parseXml } from "../../render/xml";
import { type DriverOffer, driverOffer, fitToDriver } from "./qemuDriver";

/** libvirt's verdict on one domain or virtual network. */
export interface LibvirtVerdict {
  /** The component judged: `PinnedVm "db"` or `VirtualNetwork "lan"`. */
  readonly vm: string;
  readonly ok: boolean;
  /** What was checked: `schema`, `define+start on test:///default`, `domxml-to-native on qemu:///system`. */
  readonly checks: readonly string[];
  readonly message: string;
}

/** Domains per xmllint or virsh run: keeps a virsh command string well under Linux's 128 KiB per argument. */
const BATCH = 200;

/**
 * Lets real libvirt judge each domain: libvirt's RelaxNG schema, then, on a `test://`
 * URI, define and start in libvirt's in-process test hypervisor (nothing persists); on any
 * other URI, `domxml-to-native`, which makes the driver build the QEMU command line
 * without defining anything on the host.
 *
 * Domains are judged in batches (one xmllint and one virsh process per batch, not per
 * domain: process start-up was most of the cost of a large plan); a domain that fails is
 * judged again on its own, so its message is exactly what the single command says.
 */
export function checkWithLibvirt(vms: readonly PlannedVm[], uri: string, networks: readonly PlannedNetwork[] = []): LibvirtVerdict[] {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-plan-"));
  try {
    // files by position: two hosts may each have a domain of the same name
    const files = vms.map((vm, i) => {
      const file = join(dir, `${i}.xml`);
      writeFileSync(file, vm.domainXml);
      return file;
    });
    const verdicts: LibvirtVerdict[] = networks.map((n, i) => checkNetwork(n, join(dir, `network-${i}.xml`), uri));
    const schemaOk = validateAll(files);
    const driverChecks = uri.startsWith("test://") ? testDriverChecks(vms, files, uri, schemaOk) : nativeChecks(vms, dir, uri, schemaOk);
    vms.forEach((vm, i) => {
      if (!schemaOk[i]) {
        verdicts.push({ vm: vm.component, ok: false, checks: ["schema"], message: run("virt-xml-validate", [files[i], "domain"]).output });
      } else {
        const c = driverChecks[i];
        verdicts.push({ vm: vm.component, ok: c.ok, checks: ["schema", c.check], message: c.message });
      }
    });
    return verdicts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface DriverCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly message: string;
}

/** libvirt's domain schema over every file; true where a file validates. */
function validateAll(files: readonly string[]): boolean[] {
  const ok = files.map(() => false);
  for (const [start, batch] of batches(files)) {
    const r = spawnSync("xmllint", ["--noout", "--relaxng", "/usr/share/libvirt/schemas/domain.rng", ...batch], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.error) throw new Error(`xmllint: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed (Debian package libxml2-utils)" : r.error.message}`);
    const validated = new Set(r.stderr.split("\n").flatMap((line) => (line.endsWith(" validates") ? [line.slice(0, -" validates".length)] : [])));
    batch.forEach((file, j) => (ok[start + j] = validated.has(file)));
  }
  return ok;
}

/** Define, start and remove each domain in libvirt's test hypervisor (one virsh process per batch). */
function testDriverChecks(vms: readonly PlannedVm[], files: readonly string[], uri: string, schemaOk: readonly boolean[]): DriverCheck[] {
  const check = `define+start on ${uri}`;
  const running = judgedInBatches(vms.map((vm, i) => (schemaOk[i] ? [`define ${quote(files[i])}`, `start ${quote(vm.domainName)}`, `domstate ${quote(vm.domainName)}`, `destroy ${quote(vm.domainName)}`, `undefine ${quote(vm.domainName)}`] : undefined)), uri, (out) => /^running$/m.test(out));
  return vms.map((vm, i) => {
    if (running[i]) return { check, ok: true, message: "defined and running" };
    // on its own, for libvirt's own words
    const r = run("virsh", ["-c", uri, `define ${files[i]} ; start ${vm.domainName} ; domstate ${vm.domainName}`]);
    const ok = r.ok && /running/.test(r.output);
    return { check, ok, message: ok ? "defined and running" : r.output };
  });
}

/** `domxml-to-native` of each domain, fitted to what the driver offers, in batches. */
function nativeChecks(vms: readonly PlannedVm[], dir: string, uri: string, schemaOk: readonly boolean[]): DriverCheck[] {
  let offer: DriverOffer | undefined;
  const prepared = vms.map((vm, i) => {
    if (!schemaOk[i]) return undefined;
    // Passed-through devices need VFIO and the device on the machine that builds the command
    // line, and libvirt 9.0's daemon crashes on some of them; the schema judged them already.
    const { xml: local, removed } = withoutPassthrough(vm.domainXml);
    const { xml, adaptations } = fitToDriver(local, (offer ??= readOffer(uri)));
    const file = join(dir, `${i}.native.xml`);
    writeFileSync(file, xml);
    const notes = [...(removed ? [`without its ${removed} passthrough device${removed > 1 ? "s" : ""}`] : []), ...adaptations];
    return { file, check: `domxml-to-native on ${uri}${notes.length ? ` (${notes.join("; ")})` : ""}` };
  });
  const built = judgedInBatches(prepared.map((p) => (p ? [`domxml-to-native qemu-argv ${quote(p.file)}`] : undefined)), uri, (out) => out.trim().length > 0);
  return prepared.map((p, i) => {
    if (!p) return { check: "", ok: false, message: "" };
    if (built[i]) return { check: p.check, ok: true, message: "QEMU command line built" };
    const r = run("virsh", ["-c", uri, "domxml-to-native", "qemu-argv", p.file]);
    return { check: p.check, ok: r.ok, message: r.ok ? "QEMU command line built" : r.output };
  });
}

/**
 * Runs each domain's virsh commands (undefined: nothing to run), a batch per virsh process,
 * with a marker echoed before each domain's commands; `passed` judges the domain's share of
 * standard output. virsh goes on after a failed command, and errors go to standard error.
 */
function judgedInBatches(commands: readonly (readonly string[] | undefined)[], uri: string, passed: (stdout: string) => boolean): boolean[] {
  const result = commands.map(() => false);
  for (const [start, batch] of batches(commands)) {
    const script = batch.flatMap((cmds, j) => (cmds ? [`echo <@${start + j}>`, ...cmds] : [])).join(" ; ");
    if (!script) continue;
    const r = spawnSync("virsh", ["-q", "-c", uri, script], { encoding: "utf8", maxBuffer: 1 << 28, timeout: 600000 });
    if (r.error) throw new Error(`virsh: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed (Debian package libvirt-clients)" : r.error.message}`);
    const parts = r.stdout.split(/<@(\d+)>/);
    for (let k = 1; k < parts.length; k += 2) result[Number(parts[k])] = passed(parts[k + 1] ?? "");
  }
  return result;
}

function* batches<T>(items: readonly T[]): Generator<[number, readonly T[]]> {
  for (let start = 0; start < items.length; start += BATCH) yield [start, items.slice(start, start + BATCH)];
}

/** A word for virsh's command parser: single quotes, in which only a quote is special. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The driver's offer; unreadable capabilities offer nothing, so the domain is judged as written. */
function readOffer(uri: string): DriverOffer {
  const r = run("virsh", ["-c", uri, "capabilities"]);
  return r.ok ? driverOffer(r.output) : { domainTypes: new Map() };
}

/**
 * A virtual network: libvirt's network schema, then define and start on a `test://` URI. A real
 * host is not touched (defining a network there is what `pulumi up` does), so there the schema judges.
 */
function checkNetwork(net: PlannedNetwork, file: string, uri: string): LibvirtVerdict {
  writeFileSync(file, net.networkXml);
  const checks = ["network schema"];
  const schema = run("virt-xml-validate", [file, "network"]);
  if (!schema.ok) return { vm: net.component, ok: false, checks, message: schema.output };
  if (!uri.startsWith("test://")) return { vm: net.component, ok: true, checks, message: "valid network XML" };
  const r = run("virsh", ["-c", uri, `net-define ${file} ; net-start ${net.networkName} ; net-info ${net.networkName}`]);
  checks.push(`net-define+net-start on ${uri}`);
  const active = /Active:\s+yes/.test(r.output);
  return { vm: net.component, ok: r.ok && active, checks, message: r.ok && active ? "defined and active" : r.output };
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
