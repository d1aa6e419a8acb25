import type * as libvirt from "@pulumi/libvirt";
import type * as pulumi from "@pulumi/pulumi";
import type { PciAddress } from "../schema/pci";
import { compact, PRESENT } from "./args";
import { networkSource, type DiskModel, type InterfaceModel } from "./domainDevices";
import type { DomainModel } from "./domainModel";
import { vlanArgs } from "./networkArgs";
import { osBootArgs } from "./directBoot";

/**
 * The provider view of a DomainModel: arguments of `libvirt.Domain` (provider
 * dmacvicar/libvirt v0.9.7, Pulumi names: camelCase, list attributes pluralised).
 * tests/provider proves every path used here exists in the provider's schema.
 */
export type DomainArgs = libvirt.DomainArgs;

/**
 * What the domain XML says but provider v0.9.7 cannot carry, so it is reported to users
 * instead of dropped silently. In its schema (internal/generated/*_schema.gen.go)
 * `devices.controllers[].pci.target` and every device `address` have no attributes (no
 * expander-bus busNr or NUMA node, no guest PCI address). A real `up` shows both lost (the
 * lifecycle suite's fidelity report) and everything else virtkit says carried.
 */
export function providerGaps(d: DomainModel): string[] {
  const gaps: string[] = [];
  const expanders = d.controllers.flatMap((c) => (c.kind === "expander" ? [c] : []));
  if (expanders.length) {
    gaps.push(
      `expander buses: provider v0.9.7 cannot set their target (busNr, guest NUMA node ${expanders.map((e) => e.node).join(", ")}); ` +
        "they are created without NUMA affinity (the domain XML has it)",
    );
  }
  const placed = d.interfaces.filter((n) => n.kind === "hostdev" && n.guestAddress).length + d.hostdevs.filter((h) => h.guestAddress).length;
  if (placed) gaps.push(`guest PCI addresses: provider v0.9.7 cannot place ${placed} passthrough device(s) behind their node's expander bus`);
  return gaps;
}

/** Values the model does not hold because they arrive as Pulumi Inputs (secrets among them). */
export interface DomainInputs {
  /** The VNC or SPICE password: set on the provider's graphics, never in the model or its XML. */
  readonly graphicsPassword?: pulumi.Input<string>;
  /** MAC addresses known only when the program deploys, by NIC index. */
  readonly macs?: ReadonlyMap<number, pulumi.Input<string>>;
}

const hostAddress = (a: PciAddress) => ({ domain: a.domain, bus: a.bus, slot: a.slot, function: a.function });

export function renderDomainArgs(d: DomainModel, inputs: DomainInputs = {}): DomainArgs {
  return compact<DomainArgs>({
    name: d.name,
    type: d.type,
    memory: d.memoryKiB,
    memoryUnit: "KiB",
    vcpu: d.vcpus,
    vcpuPlacement: "static",
    ioThreads: d.iothreads > 0 ? d.iothreads : undefined,
    running: d.running,
    cpu: {
      mode: d.cpu.mode,
      model: d.cpu.model,
      match: d.cpu.mode === "custom" ? "exact" : undefined,
      modelFallback: d.cpu.model !== undefined ? "forbid" : undefined,
      check: d.cpu.check,
      topology: d.cpu.topology && { ...d.cpu.topology },
      features: d.cpu.features.length ? d.cpu.features.map((f) => ({ name: f.name, policy: f.policy })) : undefined,
      numa: d.cpu.cells.length
        ? { cells: d.cpu.cells.map((c) => ({ id: c.id, cpus: c.cpus, memory: c.memoryKiB, unit: "KiB", memAccess: c.memAccess })) }
        : undefined,
    },
    memoryBacking: d.memoryBacking && {
      memoryHugePages: d.memoryBacking.hugepages && {
        hugepages: [{ size: d.memoryBacking.hugepages.sizeKiB, unit: "KiB", nodeset: d.memoryBacking.hugepages.nodeset }],
      },
      memoryLocked: d.memoryBacking.locked || undefined,
      memoryNosharepages: d.memoryBacking.nosharepages || undefined,
      memoryAccess: d.memoryBacking.access ? { mode: d.memoryBacking.access } : undefined,
      memorySource: d.memoryBacking.source ? { type: d.memoryBacking.source } : undefined,
    },
    cpuTune: d.cputune && {
      vcpuPins: d.cputune.vcpupins.length ? d.cputune.vcpupins.map((p) => ({ vcpu: p.vcpu, cpuSet: p.cpuset })) : undefined,
      emulatorPin: d.cputune.emulatorpin ? { cpuSet: d.cputune.emulatorpin } : undefined,
      ioThreadPins: d.cputune.iothreadpins.length ? d.cputune.iothreadpins.map((p) => ({ ioThread: p.iothread, cpuSet: p.cpuset })) : undefined,
      vcpuScheds: d.cputune.vcpusched && [{ ...d.cputune.vcpusched }],
    },
    numaTune: d.numatune && {
      memory: d.numatune.memory && { ...d.numatune.memory },
      memNodes: d.numatune.memnodes.length ? d.numatune.memnodes.map((m) => ({ cellId: m.cellid, mode: m.mode, nodeset: m.nodeset })) : undefined,
    },
    os: { type: "hvm", typeArch: "x86_64", typeMachine: d.os.machine, firmware: d.os.firmware, ...osBootArgs(d.os) },
    features: { acpi: true, apic: PRESENT },
    devices: deviceArgs(d, inputs),
  });
}

/** The provider's `devices`: disks, interfaces (with the MACs known only at deploy time), hostdevs, controllers, console, graphics. */
function deviceArgs(d: DomainModel, inputs: DomainInputs): DomainArgs["devices"] {
  return {
    disks: d.disks.map((disk) => ({
      device: disk.device,
      source: diskSourceArgs(disk),
      driver: { name: "qemu", type: disk.format, cache: disk.cache, io: disk.io, discard: disk.discard, ioThread: disk.iothread },
      target: { dev: disk.target, bus: disk.bus },
      readOnly: disk.readonly || undefined,
      encryption: disk.encryptionSecretUuid ? { format: "luks", secrets: [{ type: "passphrase", uuid: disk.encryptionSecretUuid }] } : undefined,
    })),
    interfaces: d.interfaces.map((n, i) => {
      const args = interfaceArgs(n);
      const late = inputs.macs?.get(i);
      return late === undefined ? args : { ...args, mac: { address: late } };
    }),
    hostdevs: d.hostdevs.map((h) => ({ managed: h.managed, subsysPci: { source: { address: hostAddress(h.source) } } })),
    controllers: d.controllers.map((c) => {
      switch (c.kind) {
        case "expander":
          return { type: "pci", index: c.index, model: c.model, pci: { model: { name: c.device } } };
        case "root-port":
          return { type: "pci", index: c.index, model: "pcie-root-port" };
        case "scsi":
          return { type: "scsi", index: c.index, model: "virtio-scsi", driver: { queues: c.queues, ioThread: c.iothread } };
      }
    }),
    // no source: libvirt takes a serial port without a type as a pty (the XML view says so)
    serials: d.serialConsole ? [{ target: { port: 0 } }] : undefined,
    consoles: d.serialConsole ? [{ target: { type: "serial", port: 0 } }] : undefined,
    graphics: d.graphics && [graphicsArgs(d.graphics, inputs.graphicsPassword)],
  };
}

function graphicsArgs(g: NonNullable<DomainModel["graphics"]>, password: pulumi.Input<string> | undefined) {
  const server = { autoPort: true, listen: g.listen, listeners: [{ address: { address: g.listen } }], passwd: password };
  return g.type === "vnc" ? { vnc: server } : { spice: server };
}

function diskSourceArgs(disk: DiskModel) {
  const s = disk.source;
  const net = networkSource(s);
  if (net) {
    return {
      network: {
        protocol: net.protocol,
        name: net.name,
        hosts: net.hosts.map((h) => ({ name: h.name, port: String(h.port) })),
        // by usage, as the domain XML names it
        auth: disk.auth && { username: disk.auth.username, secret: { type: disk.auth.secretType, usage: disk.auth.secretUsage } },
      },
    };
  }
  if ("pool" in s) return { volume: { pool: s.pool, volume: s.volume } };
  if ("device" in s) return { block: { dev: s.device } };
  return { file: { file: (s as { file: string }).file } };
}

type InterfaceArgs = libvirt.types.input.DomainDevicesInterface;

const multiqueue = (queues: number | undefined) => (queues !== undefined ? { name: "vhost", queues } : undefined);

function interfaceArgs(n: InterfaceModel): InterfaceArgs {
  const mac = n.mac ? { address: n.mac } : undefined;
  switch (n.kind) {
    case "network":
      return { mac, trustGuestRxFilters: n.trust ? "yes" : undefined, source: { network: { network: n.network } }, model: n.model ? { type: n.model } : undefined, driver: multiqueue(n.queues), vlan: vlanArgs(n.vlan) };
    case "bridge":
      return {
        mac,
        source: { bridge: { bridge: n.bridge } },
        // the params branch names the virtualport's type; an OVS port without ids is still one
        virtualPort: n.openvswitch && { params: { openVSwitch: n.openvswitch.interfaceId || n.openvswitch.profileId ? { interfaceId: n.openvswitch.interfaceId, profileId: n.openvswitch.profileId } : PRESENT } },
        model: { type: n.model },
        driver: multiqueue(n.queues),
      };
    case "direct":
      return { mac, source: { direct: { dev: n.dev, mode: n.mode } }, model: { type: n.model }, driver: multiqueue(n.queues) };
    case "vhostuser":
      // the schema requires a `dev` libvirt's vhostuser interface has no counterpart for: the
      // socket path serves, and a real up shows the interface defined as the XML says
      return {
        mac,
        source: { vhostUser: { dev: n.path, chardev: { unix: { path: n.path, mode: n.mode } } } },
        model: { type: "virtio" },
        driver: n.queues !== undefined ? { queues: n.queues } : undefined,
      };
    case "hostdev":
      return { mac, managed: true, trustGuestRxFilters: n.trust ? "yes" : undefined, source: { hostdev: { pci: { address: hostAddress(n.source) } } }, vlan: vlanArgs(n.vlan) };
  }
}
