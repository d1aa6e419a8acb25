import { capacityReport, formatCapacityTable } from "../../host/capacity";
import { ruledTable as table } from "../../table";
import type { ProgramPlan } from "./runProgram";
import type { ResourceChange } from "./planChanges";

export { table };

/** Components and the provider resources under them, in registration order. */
export function formatResources(plan: ProgramPlan): string {
  const rows = plan.resources.map((r) => [r.custom ? "resource" : "component", r.type, r.name]);
  return table(["kind", "type", "name"], rows);
}

/** One row per vCPU: VM, host, vCPU → host CPU, NUMA node; then memory and devices per VM. */
export function formatPlacement(plan: ProgramPlan): string {
  const rows: string[][] = [];
  for (const vm of plan.vms) {
    const r = vm.report;
    const where = (node: number | undefined) => (node === undefined ? "" : `node${node}: `);
    const memory = r.memory.map((m) => `${where(m.node)}${m.size}${m.pages ? ` (${m.pages} × ${m.pageSize})` : m.pageSize ? ` on ${m.pageSize} pages` : ""}`).join(", ");
    const devices = r.devices.map((d) => `${d.path} ${d.address}${d.node === undefined ? "" : ` node${d.node}`}`).join(", ") || "-";
    const first = [vm.component, vm.host];
    const summary = [`emulator ${r.emulator ?? "unpinned"}; ${memory}`, devices];
    if (r.vcpus.length === 0) rows.push([...first, "-", "unpinned", "-", ...summary]);
    r.vcpus.forEach((v, i) => {
      rows.push([...(i === 0 ? first : ["", ""]), String(v.vcpu), v.hostCpus, v.node === undefined ? "?" : String(v.node), ...(i === 0 ? summary : ["", ""])]);
    });
  }
  return table(["VM", "host", "vCPU", "host CPU", "node", "emulator; memory per node", "VFs / devices"], rows);
}

export function formatCapacity(plan: ProgramPlan): string {
  // hosts of one URI share a ledger: report it once
  const reports = [...new Set(plan.hosts.flatMap((h) => (h.ledger ? [h.ledger] : [])))].map(capacityReport);
  return reports.length ? formatCapacityTable(reports) : "(no host with known capabilities)";
}

const OUTCOMES = { kept: "kept its locked placement", new: "new: placed on what the lock leaves free", "re-placed": "re-placed: its locked placement no longer fits (see warnings)" };

/** Per VM, whether it kept its locked placement. */
export function formatLockOutcomes(plan: ProgramPlan): string {
  const rows = plan.vms.map((vm) => [vm.component, vm.host, vm.lockOutcome ? OUTCOMES[vm.lockOutcome] : "not locked: its host's capabilities are unknown"]);
  return rows.length ? table(["VM", "host", "placement"], rows) : "(no VMs)";
}

/** One row per resource: what its change does, and the input fields that changed. */
export function formatChanges(changes: readonly ResourceChange[]): string {
  if (!changes.length) return "(nothing to compare)";
  return table(["resource", "change", "what it does", "changed fields"], changes.map((c) => [c.resource, c.class, c.effect, c.fields.join(", ") || "-"]));
}
