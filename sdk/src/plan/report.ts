import { capacityReport, formatCapacityTable } from "../host/capacity";
import { formatCpuset } from "../spec/cpuset";
import { formatPciAddress } from "../spec/pci";
import { formatSize } from "../spec/units";
import type { ProgramPlan } from "./runProgram";

/** Plain-text table: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Components and the provider resources under them, in registration order. */
export function formatResources(plan: ProgramPlan): string {
  const rows = plan.resources.map((r) => [r.custom ? "resource" : "component", r.type, r.name]);
  return table(["kind", "type", "name"], rows);
}

/** One row per vCPU: VM, host, vCPU → host CPU, NUMA node; then memory and devices per VM. */
export function formatPlacement(plan: ProgramPlan): string {
  const rows: string[][] = [];
  for (const vm of plan.vms) {
    const p = vm.placement;
    if (!p) {
      rows.push([vm.component, vm.host, "-", "(host capabilities unknown: not placed)", "-", "-", "-"]);
      continue;
    }
    const memory = p.memory.map((m) => `node${m.node}: ${formatSize(m.bytes)}${m.pageSizeBytes ? ` (${m.pages} × ${formatSize(m.pageSizeBytes)})` : ""}`).join(", ");
    const devices = p.devices.map((d) => `${d.path} ${formatPciAddress(d.address)}${d.node === undefined ? "" : ` node${d.node}`}`).join(", ");
    p.vcpus.forEach((v, i) => {
      rows.push([
        i === 0 ? vm.component : "",
        i === 0 ? vm.host : "",
        String(v.vcpu),
        formatCpuset(v.hostCpus),
        String(v.node),
        i === 0 ? `emulator ${p.emulator.length ? formatCpuset(p.emulator) : "unpinned"}; ${memory}` : "",
        i === 0 ? devices || "-" : "",
      ]);
    });
  }
  return table(["VM", "host", "vCPU", "host CPU", "node", "emulator; hugepages per node", "VFs / devices"], rows);
}

export function formatCapacity(plan: ProgramPlan): string {
  const reports = plan.hosts.flatMap((h) => (h.ledger ? [capacityReport(h.ledger)] : []));
  return reports.length ? formatCapacityTable(reports) : "(no host with known capabilities)";
}
