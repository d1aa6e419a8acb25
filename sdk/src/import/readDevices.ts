import type { VmSpecInput } from "../schema/vm";
import type { ImportNotes } from "./notes";
import { attr, attrNames, child, childNames, children, text, type XmlNode } from "../xml/xmlReader";
import { pciAddressText } from "./domainElement";

/** Disks, NICs and PCI hostdevs of a domain, as VM spec input. */

type Item<K extends "disks" | "nics" | "hostdevs"> = NonNullable<VmSpecInput[K]>[number];

/** Devices libvirt adds to every x86 domain by itself; virtkit leaves them to libvirt too. */
const IMPLICIT_CONTROLLERS = new Set(["pci-root", "pcie-root", "usb", "ide", "sata", "virtio-serial"]);

const DISK_BUSES = new Set(["virtio", "scsi", "sata"]);

export function readDisks(devices: XmlNode | undefined, notes: ImportNotes): Item<"disks">[] {
  const disks: Item<"disks">[] = [];
  for (const disk of children(devices, "disk")) {
    const target = child(disk, "target");
    const dev = attr(target, "dev") ?? "?";
    const where = `devices/disk[${dev}]`;
    const device = attr(disk, "device") ?? "disk";
    const type = attr(disk, "type");
    const bus = attr(target, "bus");
    const source = child(disk, "source");
    const driver = child(disk, "driver");
    const format = attr(driver, "type") ?? "raw";
    const refuse = (reason: string) => notes.lost("disks", where, reason);
    if (device === "cdrom") continue; // read by readCdroms
    if (device !== "disk") { refuse(`device '${device}': virtkit attaches disks and SATA CD-ROMs`); continue; }
    if (!bus || !DISK_BUSES.has(bus)) { refuse(`bus '${bus ?? "(default)"}': virtkit's buses are virtio, scsi and sata`); continue; }
    if (format !== "qcow2" && format !== "raw") { refuse(`format '${format}': virtkit's formats are qcow2 and raw`); continue; }
    let src: Item<"disks">["source"];
    if (type === "file" && attr(source, "file")) src = { file: attr(source, "file")! };
    else if (type === "volume" && attr(source, "pool") && attr(source, "volume")) src = { pool: attr(source, "pool")!, volume: attr(source, "volume")! };
    else if (type === "block" && attr(source, "dev")) src = { device: attr(source, "dev")! };
    else { refuse(`a '${type}' source: virtkit import reads files, pool volumes and block devices (network disks not yet)`); continue; }
    const spec: Item<"disks"> = { source: src, target: dev, bus: bus as "virtio", format };
    const cache = attr(driver, "cache");
    const io = attr(driver, "io");
    const discard = attr(driver, "discard");
    if (cache) spec.cache = cache as "none";
    if (io) spec.io = io as "native";
    if (discard) spec.discard = discard as "unmap";
    // virtkit's defaults for what the domain left to QEMU
    const unset = [!cache && 'cache "none"', !io && (cache && !["none", "directsync"].includes(cache) ? 'io "threads"' : 'io "native"'), !discard && 'discard "unmap"'].filter(Boolean);
    if (!io && cache && !["none", "directsync"].includes(cache)) spec.io = "threads";
    if (unset.length) notes.change("disks", `${where}/driver`, `left to QEMU; virtkit sets ${unset.join(", ")}`);
    const iothread = attr(driver, "iothread");
    if (iothread) spec.iothread = Number(iothread);
    if (child(disk, "readonly")) spec.readonly = true;
    const secret = child(child(disk, "encryption"), "secret");
    if (attr(secret, "uuid")) spec.encryption = { secretUuid: attr(secret, "uuid")! };
    for (const name of childNames(disk)) {
      if (!["driver", "source", "target", "readonly", "encryption", "address", "alias", "backingStore"].includes(name)) notes.lost("disks", `${where}/${name}`, "not in virtkit's API");
    }
    for (const a of attrNames(driver)) if (!["name", "type", "cache", "io", "discard", "iothread"].includes(a)) notes.lost("disks", `${where}/driver@${a}`, "not in virtkit's API");
    if (childNames(driver).length) notes.lost("disks", `${where}/driver/${childNames(driver).join(",")}`, "not in virtkit's API");
    disks.push(spec);
  }
  return disks;
}

const NIC_MODELS = new Set(["virtio", "e1000", "e1000e", "rtl8139"]);

/** An Open vSwitch bridge port (`<virtualport type='openvswitch'>`); any other virtualport is not virtkit's. */
function openvswitchPort(port: XmlNode | undefined, where: string, notes: ImportNotes): { virtualport?: { type: "openvswitch"; interfaceId?: string; profileId?: string } } {
  if (!port) return {};
  if (attr(port, "type") !== "openvswitch") {
    notes.lost("nics", `${where}/virtualport`, `type '${attr(port, "type") ?? "(none)"}': virtkit's bridge ports are Linux or Open vSwitch`);
    return {};
  }
  const p = child(port, "parameters");
  return { virtualport: { type: "openvswitch", ...(attr(p, "interfaceid") ? { interfaceId: attr(p, "interfaceid") } : {}), ...(attr(p, "profileid") ? { profileId: attr(p, "profileid") } : {}) } };
}

/** A NIC, and whether it is an SR-IOV VF (declared as a SriovNic). */
export function readNics(devices: XmlNode | undefined, notes: ImportNotes): Item<"nics">[] {
  const nics: Item<"nics">[] = [];
  children(devices, "interface").forEach((nic, i) => {
    const type = attr(nic, "type");
    const where = `devices/interface[${i}]`;
    const source = child(nic, "source");
    const mac = attr(child(nic, "mac"), "address");
    const modelType = attr(child(nic, "model"), "type");
    const tags = children(child(nic, "vlan"), "tag");
    const trust = attr(nic, "trustGuestRxFilters") === "yes";
    const known = new Set(["mac", "source", "model", "driver", "address", "alias", "target", "vlan", ...(type === "bridge" ? ["virtualport"] : [])]);
    for (const name of childNames(nic)) if (!known.has(name)) notes.lost("nics", `${where}/${name}`, "not in virtkit's API");
    if (tags.length > 1 || attr(child(nic, "vlan"), "trunk") === "yes") notes.lost("nics", `${where}/vlan`, "a VLAN trunk: virtkit tags one VLAN");
    const vlan = tags.length === 1 ? Number(attr(tags[0], "id")) : undefined;
    if (type === "network" || type === "bridge" || type === "direct" || type === "vhostuser") {
      if (vlan !== undefined || trust) notes.lost("nics", where, "a VLAN or trusted RX filters on a network/bridge NIC are not in virtkit's API");
      if (modelType && !NIC_MODELS.has(modelType)) { notes.lost("nics", where, `model '${modelType}': virtkit's models are virtio, e1000, e1000e, rtl8139`); return; }
      if (!modelType) notes.change("nics", `${where}/model`, 'left to the hypervisor; virtkit sets "virtio"');
      const driver = child(nic, "driver");
      const queues = Number(attr(driver, "queues") ?? 1);
      for (const a of attrNames(driver)) if (!["name", "queues"].includes(a)) notes.lost("nics", `${where}/driver@${a}`, "not in virtkit's API");
      const common = { ...(mac ? { mac } : {}), ...(modelType ? { model: modelType as "virtio" } : {}), ...((modelType ?? "virtio") === "virtio" ? { queues } : {}) };
      if (type === "network" && attr(source, "network")) nics.push({ type: "network", network: attr(source, "network")!, ...common });
      else if (type === "bridge" && attr(source, "bridge")) nics.push({ type: "bridge", bridge: attr(source, "bridge")!, ...common, ...openvswitchPort(child(nic, "virtualport"), where, notes) });
      else if (type === "direct" && attr(source, "dev")) nics.push({ type: "direct", dev: attr(source, "dev")!, ...(attr(source, "mode") ? { mode: attr(source, "mode") as "bridge" } : {}), ...common });
      else if (type === "vhostuser" && attr(source, "type") === "unix" && attr(source, "path")) {
        const { model: _model, ...rest } = common;
        nics.push({ type: "vhostuser", path: attr(source, "path")!, ...(attr(source, "mode") ? { mode: attr(source, "mode") as "server" } : {}), ...rest });
      } else notes.lost("nics", where, "no network, bridge, device or UNIX socket named");
      return;
    }
    if (type === "hostdev") {
      const address = pciAddressText(child(source, "address"));
      if (!address || (attr(child(source, "address"), "type") ?? "pci") !== "pci") { notes.lost("nics", where, "a VF that is not a PCI device"); return; }
      if (attr(nic, "managed") === "no") notes.lost("nics", `${where}@managed`, "'no': virtkit lets libvirt bind the VF to vfio-pci (managed)");
      if (modelType) notes.lost("nics", `${where}/model`, "a model on a passed-through VF means nothing to the guest");
      nics.push({ type: "vf", address, ...(mac ? { mac } : {}), ...(vlan !== undefined ? { vlan } : {}), ...(trust ? { trust } : {}) });
      return;
    }
    notes.lost("nics", where, `type '${type}': virtkit's NICs are network, bridge, direct (macvtap), vhostuser and SR-IOV VFs`);
  });
  return nics;
}

export function readHostdevs(devices: XmlNode | undefined, notes: ImportNotes): Item<"hostdevs">[] {
  const hostdevs: Item<"hostdevs">[] = [];
  children(devices, "hostdev").forEach((h, i) => {
    const where = `devices/hostdev[${i}]`;
    if (attr(h, "mode") !== "subsystem" || attr(h, "type") !== "pci") {
      notes.lost("hostdevs", where, `a ${attr(h, "mode")} ${attr(h, "type")} device: virtkit passes whole PCI devices through`);
      return;
    }
    const address = pciAddressText(child(child(h, "source"), "address"));
    if (!address) { notes.lost("hostdevs", where, "no PCI address"); return; }
    const driver = attr(child(h, "driver"), "name");
    if (driver && driver !== "vfio") notes.lost("hostdevs", `${where}/driver`, `'${driver}': virtkit uses vfio`);
    if (attr(child(h, "driver"), "model")) notes.lost("hostdevs", `${where}/driver@model`, "not in virtkit's API");
    for (const name of childNames(h)) if (!["source", "driver", "address", "alias"].includes(name)) notes.lost("hostdevs", `${where}/${name}`, "not in virtkit's API");
    hostdevs.push({ address, managed: attr(h, "managed") === "yes" });
  });
  return hostdevs;
}

/** Every other device, said at the VM: virtkit leaves it out, or libvirt adds its own default. */
export function noteOtherDevices(devices: XmlNode | undefined, notes: ImportNotes): void {
  for (const name of childNames(devices)) {
    if (["disk", "interface", "hostdev", "serial", "console", "graphics"].includes(name)) continue;
    for (const dev of children(devices, name)) {
      if (name === "controller") {
        const model = attr(dev, "model");
        const kind = `${attr(dev, "type")}${model ? ` ${model}` : ""}`;
        if (IMPLICIT_CONTROLLERS.has(attr(dev, "type") ?? "") && (!model || IMPLICIT_CONTROLLERS.has(model) || /uhci|ehci|xhci|ich9|piix/.test(model)) || model === "pci-root" || model === "pcie-root") {
          notes.lost("other", `devices/controller[${kind}]`, "libvirt adds its default controllers itself");
        } else if (attr(dev, "type") === "scsi" && model === "virtio-scsi") {
          notes.lost("other", `devices/controller[${kind}]`, "virtkit adds its own virtio-scsi controller for scsi disks");
        } else notes.lost("other", `devices/controller[${kind}]`, "PCI(e) topology beyond virtkit's expander buses is not in virtkit's API; libvirt adds ports as devices need them");
        continue;
      }
      const kind = attr(dev, "type") ?? attr(dev, "model") ?? text(dev);
      const reason =
        name === "emulator" ? "the host's default QEMU binary is used"
        : name === "memballoon" || name === "input" ? "libvirt adds its default"
        : "not in virtkit's API";
      notes.lost("other", `devices/${name}${kind ? `[${kind}]` : ""}`, reason);
    }
  }
}

/** Read-only CD-ROMs on SATA with an image file or pool volume. */
export function readCdroms(devices: XmlNode | undefined, notes: ImportNotes): NonNullable<VmSpecInput["cdroms"]> {
  const cdroms: NonNullable<VmSpecInput["cdroms"]> = [];
  for (const disk of children(devices, "disk").filter((d) => attr(d, "device") === "cdrom")) {
    const source = child(disk, "source");
    const where = `devices/disk[${attr(child(disk, "target"), "dev") ?? "?"}]`;
    if (attr(child(disk, "target"), "bus") !== "sata") notes.lost("disks", where, `a CD-ROM on bus '${attr(child(disk, "target"), "bus")}': virtkit's CD-ROMs are on SATA`);
    else if (attr(disk, "type") === "file" && attr(source, "file")) cdroms.push({ source: { file: attr(source, "file")! } });
    else if (attr(disk, "type") === "volume" && attr(source, "pool") && attr(source, "volume")) cdroms.push({ source: { pool: attr(source, "pool")!, volume: attr(source, "volume")! } });
    else notes.lost("disks", where, "a CD-ROM without an image file or pool volume (an empty drive)");
  }
  return cdroms;
}

/** The serial console on a pty and a VNC or SPICE display, as virtkit says them. */
export function readGuestAccess(devices: XmlNode | undefined, notes: ImportNotes): Pick<VmSpecInput, "serialConsole" | "graphics"> {
  const serials = children(devices, "serial");
  const pty = serials.filter((x) => attr(x, "type") === "pty");
  for (const x of serials.filter((y) => !pty.includes(y)).concat(pty.slice(1))) notes.lost("other", `devices/serial[${attr(x, "type")}]`, "virtkit gives one serial console, on a pty");
  for (const c of children(devices, "console")) if (attr(c, "type") !== "pty") notes.lost("other", `devices/console[${attr(c, "type")}]`, "virtkit's console is the pty serial port");
  const out: Pick<VmSpecInput, "serialConsole" | "graphics"> = { serialConsole: pty.length > 0 };
  const displays = children(devices, "graphics");
  displays.forEach((g, i) => {
    const type = attr(g, "type");
    const where = `devices/graphics[${type}]`;
    if (i > 0 || (type !== "vnc" && type !== "spice")) {
      notes.lost("other", where, "virtkit gives one VNC or SPICE display");
      return;
    }
    const listen = attr(g, "listen") ?? attr(child(g, "listen"), "address");
    if (!listen) notes.change("other", `${where}@listen`, "libvirt's default address; virtkit says 127.0.0.1");
    if (attr(g, "passwd") !== undefined) notes.lost("other", `${where}@passwd`, "a password belongs in a Pulumi secret: give graphics.password from config");
    if (attr(g, "port") !== undefined && attr(g, "port") !== "-1" && attr(g, "autoport") !== "yes") notes.lost("other", `${where}@port`, "a fixed port: virtkit lets libvirt pick one");
    out.graphics = { type, ...(listen ? { listen } : {}) };
  });
  return out;
}
