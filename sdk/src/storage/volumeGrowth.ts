/**
 * Growing a volume in place, keeping its data: the one capacity change that needs no new
 * volume. Provider v0.9.7 replaces a volume on any change (upstream #1325), so virtkit's
 * own resources call these where `pulumi up` runs, with `virsh` on the host's URI.
 *
 * The functions are self-contained (requires inside): Pulumi serialises a dynamic
 * provider's functions, and what they call, into the state.
 */

/** How a volume reaches a new capacity: not at all, by growing, or never (a shrink, with the reason). */
export type CapacityChange = { kind: "same" } | { kind: "grow"; from: number; to: number } | { kind: "shrink"; reason: string };

/** The change from `from` to `to` bytes of volume `what` (`pool/name`). */
export function capacityChange(what: string, from: number, to: number): CapacityChange {
  if (to === from) return { kind: "same" };
  if (to > from) return { kind: "grow", from, to };
  // formatted here by hand: this runs in the serialised provider too, away from spec/units
  const iec = (n: number) => {
    for (const [unit, size] of [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) if (n >= size && n % size === 0) return `${n / size}${unit}`;
    return `${n}B`;
  };
  return {
    kind: "shrink",
    reason:
      `volume ${what} cannot shrink from ${iec(from)} to ${iec(to)}: a smaller virtual size cuts off whatever the guest keeps at its end. ` +
      `Set size back to ${iec(from)} or more; to make it smaller, copy the data to a new, smaller volume`,
  };
}

/** How a volume was grown: offline by libvirt's storage driver, or live by the QEMU of the running domain using it. */
export type Growth = { how: "vol-resize" } | { how: "blockresize"; domain: string; target: string };

/**
 * Grows volume `name` of `pool` to `bytes`. A running domain that has it attached holds it
 * open (QEMU locks a qcow2 for writing), so there QEMU grows it (`virsh blockresize`, the
 * guest sees the new size at once); otherwise libvirt's storage driver does (`vol-resize`).
 */
export function growVolume(uri: string, pool: string, name: string, bytes: number): Growth {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const { XMLParser } = require("fast-xml-parser") as typeof import("fast-xml-parser");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const virsh = (...args: string[]) => execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] }).trim();
  const path = virsh("vol-path", "--pool", pool, name);
  type Disk = { "@_type"?: string; "@_device"?: string; source?: Record<string, string>; target?: { "@_dev"?: string } };
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseAttributeValue: false, isArray: (tag) => tag === "disk" });
  // a disk names the volume by pool and name, or by its path (file or block device)
  const isOurs = (d: Disk) =>
    d["@_device"] !== "cdrom" &&
    ((d["@_type"] === "volume" && d.source?.["@_pool"] === pool && d.source?.["@_volume"] === name) || d.source?.["@_file"] === path || d.source?.["@_dev"] === path);
  for (const domain of virsh("list", "--name").split("\n").map((d) => d.trim()).filter(Boolean)) {
    const xml = parser.parse(virsh("dumpxml", domain)) as { domain?: { devices?: { disk?: Disk[] } } };
    const disk = (xml.domain?.devices?.disk ?? []).find(isOurs);
    const target = disk?.target?.["@_dev"];
    if (target) {
      virsh("blockresize", domain, target, "--size", `${bytes}B`);
      return { how: "blockresize", domain, target };
    }
  }
  virsh("vol-resize", "--pool", pool, name, `${bytes}B`);
  return { how: "vol-resize" };
}

/** The virtual size of volume `name` of `pool`, as libvirt reports it. */
export function volumeCapacity(uri: string, pool: string, name: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const out = execFileSync("virsh", ["-q", "-c", uri, "vol-info", "--bytes", "--pool", pool, name], { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  const m = /^Capacity:\s+(\d+)/m.exec(out);
  if (!m) throw new Error(`virsh vol-info ${pool}/${name} gave no capacity`);
  return Number(m[1]);
}
