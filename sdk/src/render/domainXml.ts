import { hex as pciHex, type PciAddress } from "../schema/pci";
import { diskType, networkSource, type DiskModel, type GuestPciAddress, type InterfaceModel } from "./domainDevices";
import type { DomainModel } from "./domainModel";
import { el, textEl, toXml, type XmlElement } from "./xml";
import { osBootXml } from "./directBoot";

/** The domain XML view of a DomainModel, in the element order `virsh dumpxml` uses. */
export function renderDomainXml(d: DomainModel): string {
  return toXml(domainElement(d));
}

/** libvirt writes PCI address parts as `0x`-prefixed hex. */
const hex = (n: number, width: number) => `0x${pciHex(n, width)}`;

/** A host PCI address. libvirt's schema wants `type='pci'` inside `<interface type='hostdev'>` and refuses it inside `<hostdev>`. */
function hostAddress(a: PciAddress, typed: boolean): XmlElement {
  return el("address", { type: typed ? "pci" : undefined, domain: hex(a.domain, 4), bus: hex(a.bus, 2), slot: hex(a.slot, 2), function: hex(a.function, 1) });
}

function guestAddress(a: GuestPciAddress | undefined): XmlElement | undefined {
  return a && el("address", { type: "pci", domain: "0x0000", bus: hex(a.bus, 2), slot: hex(a.slot, 2), function: "0x0" });
}

export function domainElement(d: DomainModel): XmlElement {
  return el(
    "domain",
    { type: d.type },
    textEl("name", d.name),
    textEl("memory", d.memoryKiB, { unit: "KiB" }),
    d.memoryBacking &&
      el(
        "memoryBacking",
        {},
        d.memoryBacking.hugepages &&
          el("hugepages", {}, el("page", { size: d.memoryBacking.hugepages.sizeKiB, unit: "KiB", nodeset: d.memoryBacking.hugepages.nodeset })),
        d.memoryBacking.nosharepages && el("nosharepages"),
        d.memoryBacking.locked && el("locked"),
        d.memoryBacking.source && el("source", { type: d.memoryBacking.source }),
        d.memoryBacking.access && el("access", { mode: d.memoryBacking.access }),
      ),
    textEl("vcpu", d.vcpus, { placement: "static" }),
    d.iothreads > 0 && textEl("iothreads", d.iothreads),
    d.cputune &&
      el(
        "cputune",
        {},
        d.cputune.vcpupins.map((p) => el("vcpupin", { vcpu: p.vcpu, cpuset: p.cpuset })),
        d.cputune.emulatorpin && el("emulatorpin", { cpuset: d.cputune.emulatorpin }),
        d.cputune.iothreadpins.map((p) => el("iothreadpin", { iothread: p.iothread, cpuset: p.cpuset })),
        d.cputune.vcpusched && el("vcpusched", { vcpus: d.cputune.vcpusched.vcpus, scheduler: d.cputune.vcpusched.scheduler, priority: d.cputune.vcpusched.priority }),
      ),
    d.numatune &&
      el(
        "numatune",
        {},
        d.numatune.memory && el("memory", { mode: d.numatune.memory.mode, nodeset: d.numatune.memory.nodeset }),
        d.numatune.memnodes.map((m) => el("memnode", { cellid: m.cellid, mode: m.mode, nodeset: m.nodeset })),
      ),
    el("os", { firmware: d.os.firmware }, textEl("type", "hvm", { arch: "x86_64", machine: d.os.machine }), osBootXml(d.os)),
    el("features", {}, el("acpi"), el("apic")),
    cpuElement(d),
    el("clock", { offset: "utc" }),
    devicesElement(d),
  );
}

/** `<devices>`: disks, controllers, interfaces, hostdevs, serial and console, graphics. */
function devicesElement(d: DomainModel): XmlElement {
  return el(
    "devices",
    {},
    d.disks.map((disk) =>
      el(
        "disk",
        { type: diskType(disk.source), device: disk.device },
        el("driver", { name: "qemu", type: disk.format, cache: disk.cache, io: disk.io, discard: disk.discard, iothread: disk.iothread }),
        diskSource(disk),
        el("target", { dev: disk.target, bus: disk.bus }),
        disk.readonly && el("readonly"),
        disk.encryptionSecretUuid && el("encryption", { format: "luks" }, el("secret", { type: "passphrase", uuid: disk.encryptionSecretUuid })),
      ),
    ),
    d.controllers.map((c) => {
      switch (c.kind) {
        case "expander":
          return el(
            "controller",
            { type: "pci", index: c.index, model: c.model },
            el("model", { name: c.device }),
            el("target", { busNr: c.busNr }, textEl("node", c.node)),
          );
        case "root-port":
          return el("controller", { type: "pci", index: c.index, model: "pcie-root-port" }, guestAddress(c.address));
        case "scsi":
          return el("controller", { type: "scsi", index: c.index, model: "virtio-scsi" }, el("driver", { queues: c.queues, iothread: c.iothread }));
      }
    }),
    d.interfaces.map(interfaceElement),
    d.hostdevs.map((h) =>
      el("hostdev", { mode: "subsystem", type: "pci", managed: h.managed }, el("source", {}, hostAddress(h.source, false)), guestAddress(h.guestAddress)),
    ),
    d.serialConsole && el("serial", { type: "pty" }, el("target", { port: 0 })),
    d.serialConsole && el("console", { type: "pty" }, el("target", { type: "serial", port: 0 })),
    // a password never appears here: this is what `virsh dumpxml` shows without --security-info
    d.graphics && el("graphics", { type: d.graphics.type, autoport: true, listen: d.graphics.listen }, el("listen", { type: "address", address: d.graphics.listen })),
  );
}

function diskSource(disk: DiskModel): XmlElement {
  const s = disk.source;
  const net = networkSource(s);
  if (net) {
    return el(
      "source",
      { protocol: net.protocol, name: net.name },
      net.hosts.map((h) => el("host", { name: h.name, port: h.port })),
      // the key stays in the secret: the domain names it by its usage
      disk.auth && el("auth", { username: disk.auth.username }, el("secret", { type: disk.auth.secretType, usage: disk.auth.secretUsage })),
    );
  }
  if ("pool" in s) return el("source", { pool: s.pool, volume: s.volume });
  if ("device" in s) return el("source", { dev: s.device });
  return el("source", { file: (s as { file: string }).file });
}

function cpuElement(d: DomainModel): XmlElement {
  const c = d.cpu;
  return el(
    "cpu",
    { mode: c.mode, match: c.mode === "custom" ? "exact" : undefined, check: c.check },
    c.model !== undefined && textEl("model", c.model, { fallback: "forbid" }),
    c.topology && el("topology", { sockets: c.topology.sockets, dies: c.topology.dies, cores: c.topology.cores, threads: c.topology.threads }),
    c.features.map((f) => el("feature", { policy: f.policy, name: f.name })),
    c.cells.length > 0 &&
      el("numa", {}, c.cells.map((cell) => el("cell", { id: cell.id, cpus: cell.cpus, memory: cell.memoryKiB, unit: "KiB", memAccess: cell.memAccess }))),
  );
}

const multiqueue = (queues: number | undefined) => queues !== undefined && el("driver", { name: "vhost", queues });

function interfaceElement(n: InterfaceModel): XmlElement {
  const vlan = (tag: number | undefined) => tag !== undefined && el("vlan", {}, el("tag", { id: tag }));
  const mac = (m: string | undefined) => m && el("mac", { address: m });
  switch (n.kind) {
    case "network":
      return el(
        "interface",
        { type: "network", trustGuestRxFilters: n.trust || undefined },
        mac(n.mac),
        el("source", { network: n.network }),
        vlan(n.vlan),
        n.model && el("model", { type: n.model }),
        multiqueue(n.queues),
      );
    case "bridge":
      return el(
        "interface",
        { type: "bridge" },
        mac(n.mac),
        el("source", { bridge: n.bridge }),
        n.openvswitch && el("virtualport", { type: "openvswitch" }, el("parameters", { interfaceid: n.openvswitch.interfaceId, profileid: n.openvswitch.profileId })),
        el("model", { type: n.model }),
        multiqueue(n.queues),
      );
    case "direct":
      return el("interface", { type: "direct" }, mac(n.mac), el("source", { dev: n.dev, mode: n.mode }), el("model", { type: n.model }), multiqueue(n.queues));
    case "vhostuser":
      // vhost-user has no vhost-net kernel thread: the queue count alone, no driver name
      return el(
        "interface",
        { type: "vhostuser" },
        mac(n.mac),
        el("source", { type: "unix", path: n.path, mode: n.mode }),
        el("model", { type: "virtio" }),
        n.queues !== undefined && el("driver", { queues: n.queues }),
      );
    case "hostdev":
      return el(
        "interface",
        { type: "hostdev", managed: true, trustGuestRxFilters: n.trust || undefined },
        mac(n.mac),
        el("source", {}, hostAddress(n.source, true)),
        vlan(n.vlan),
        guestAddress(n.guestAddress),
      );
  }
}
