import { table } from "../table";
import { formatPciAddress, type PciAddress } from "../schema/pci";
import { formatSize } from "../schema/units";
import type { HostLedger } from "./ledger";

/** CPUs, memory and hugepages of one host NUMA node. */
export interface NodeCapacity {
  readonly node: number;
  /** Host CPUs: `reserved + used + free = total`; `used` are held exclusively by VMs. */
  readonly cpus: { readonly total: number; readonly reserved: number; readonly used: number; readonly free: number };
  /** Node memory in bytes, and the ordinary (non-hugepage) guest memory placed on it. */
  readonly memory: { readonly totalBytes: number; readonly ordinaryUsedBytes: number };
  /** Hugepage pools by page size (the base page size left out): `used + free = total`, in pages. */
  readonly hugepages: readonly { readonly sizeBytes: number; readonly total: number; readonly used: number; readonly free: number }[];
}

/** VFs of one SR-IOV physical function: `used + free = total`. */
export interface PfCapacity {
  /** Interface name of the PF, else its PCI address. */
  readonly pf: string;
  readonly address: PciAddress;
  readonly node: number | undefined;
  /** `total` counts the VFs enabled now; `maxCount` how many the PF could have. */
  readonly vfs: { readonly total: number; readonly used: number; readonly free: number; readonly maxCount: number };
}

/** What is left on one host. */
export interface HostCapacity {
  readonly host: string;
  /** VMs placed on the host. */
  readonly vms: number;
  readonly nodes: readonly NodeCapacity[];
  readonly pfs: readonly PfCapacity[];
}

/** Totals, claims and free room per node and per PF of a ledger's host. */
export function capacityReport(ledger: HostLedger): HostCapacity {
  const { host } = ledger;
  const claims = ledger.claims();
  const nodes = host.nodes.map((n): NodeCapacity => {
    const total = n.cpuIds.length;
    const reserved = n.cpuIds.filter((c) => ledger.reserved.has(c)).length;
    const used = n.cpuIds.filter((c) => ledger.cpuHolder(c) !== undefined).length;
    const ordinaryUsedBytes = claims
      .flatMap((c) => c.placement.memory)
      .filter((m) => m.node === n.id && m.pageSizeBytes === undefined)
      .reduce((s, m) => s + m.bytes, 0);
    // The smallest pool is the base page size (4 KiB on x86): not hugepages, and not claimed.
    const hugepages = n.pages.slice(1).map((p) => {
      const usedPages = ledger.pageClaims(n.id, p.sizeBytes).reduce((s, c) => s + c.pages, 0);
      return { sizeBytes: p.sizeBytes, total: p.count, used: usedPages, free: p.count - usedPages };
    });
    return {
      node: n.id,
      cpus: { total, reserved, used, free: total - reserved - used },
      memory: { totalBytes: n.memoryBytes, ordinaryUsedBytes },
      hugepages,
    };
  });
  const pfs = host.pciDevices
    .filter((d) => d.sriov)
    .map((d): PfCapacity => {
      const vfs = d.sriov!.virtualFunctions;
      // A PF passed through whole takes all its VFs with it.
      const used = ledger.deviceHolder(d.address) ? vfs.length : vfs.filter((v) => ledger.deviceHolder(v)).length;
      return {
        pf: d.netdevs[0] ?? formatPciAddress(d.address),
        address: d.address,
        node: d.node,
        vfs: { total: vfs.length, used, free: vfs.length - used, maxCount: d.sriov!.maxCount },
      };
    });
  return { host: ledger.hostName, vms: claims.length, nodes, pfs };
}

/**
 * Capacity reports as plain-text tables for a CLI: one row per host node (CPUs, and
 * used/total pages of each hugepage size found on any host), then one row per SR-IOV PF.
 */
export function formatCapacityTable(reports: readonly HostCapacity[]): string {
  const sizes = [...new Set(reports.flatMap((r) => r.nodes.flatMap((n) => n.hugepages.map((h) => h.sizeBytes))))].sort((a, b) => a - b);
  const nodeRows = reports.flatMap((r) =>
    r.nodes.map((n) => [
      r.host,
      String(n.node),
      String(n.cpus.total),
      String(n.cpus.reserved),
      String(n.cpus.used),
      String(n.cpus.free),
      ...sizes.map((s) => {
        const pool = n.hugepages.find((h) => h.sizeBytes === s);
        return pool ? `${pool.used}/${pool.total}` : "-";
      }),
    ]),
  );
  const out = [table(["HOST", "NODE", "CPUS", "RESERVED", "USED", "FREE", ...sizes.map((s) => `${formatSize(s)} PAGES USED/TOTAL`)], nodeRows)];
  const pfRows = reports.flatMap((r) =>
    r.pfs.map((p) => [r.host, p.pf, formatPciAddress(p.address), p.node === undefined ? "-" : String(p.node), `${p.vfs.used}/${p.vfs.total}`, String(p.vfs.free)]),
  );
  if (pfRows.length > 0) out.push(table(["HOST", "PF", "ADDRESS", "NODE", "VFS USED/TOTAL", "FREE"], pfRows));
  return out.join("\n\n") + "\n";
}
