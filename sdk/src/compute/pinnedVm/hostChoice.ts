import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import { LibvirtHost, requireHost } from "../../libvirtHost/LibvirtHost";
import type { OnOneHost, PinnedVmArgs } from "./args";
import { demandOfVm, planVm } from "./plan";
import { pinnedVmContract } from "./args";
import { refuseNulls } from "../../program/nullArgs";


/**
 * The hosts a VM may run on: its `host`, or each of its `host: [h1, h2, ...]`, in the order to
 * try them. A host the placement lock already has the VM on comes first, so a placed VM stays
 * where it is whatever is added to the list or reordered.
 * @throws VirtkitValidationError for an empty list, a host given twice, or one that is no LibvirtHost
 */
export function candidateHosts(name: string, args: PinnedVmArgs, component: string): LibvirtHost[] {
  refuseNulls(pinnedVmContract, component, args);
  const given = (args as { host?: unknown }).host;
  if (!Array.isArray(given)) return [requireHost(args, component)];
  const issues: ValidationIssue[] = [];
  if (given.length === 0) issues.push({ path: "host", reason: "an empty list of hosts; give a LibvirtHost, or the LibvirtHosts the VM may run on" });
  const seen = new Map<string, number>();
  given.forEach((h, i) => {
    if (!(h instanceof LibvirtHost)) {
      issues.push({ path: `host[${i}]`, reason: "expected a LibvirtHost" });
      return;
    }
    // hosts of one URI are one hypervisor: listing it twice is a mistake, not a second chance
    const key = typeof h.uri === "string" ? h.uri : `LibvirtHost:${h.hostName}`;
    const first = seen.get(key);
    if (first !== undefined) issues.push({ path: `host[${i}]`, reason: `${typeof h.uri === "string" ? h.uri : h.hostName} is already host[${first}]; each hypervisor once` });
    else seen.set(key, i);
  });
  if (issues.length) throw new VirtkitValidationError(component, issues);
  const hosts = given as LibvirtHost[];
  const lock = hosts[0].run.lock();
  const lockedOn = Object.entries(lock?.section?.hosts ?? {}).find(([, h]) => h.vms[name] !== undefined)?.[0];
  if (lockedOn === undefined) return hosts;
  const locked = hosts.find((h) => h.hostName === lockedOn);
  if (!locked) {
    // moving a placed VM is a decision: the lock says where it is, the list no longer has it
    throw new VirtkitValidationError(component, [
      { path: "host", reason: `the placement lock ${lock!.file} has this VM on ${lockedOn}, which is not in its list of hosts; add ${lockedOn} back, or delete the VM's entry from the lock to place it afresh` },
    ]);
  }
  return [locked, ...hosts.filter((h) => h !== locked)];
}

/**
 * Plans the VM on the first of its hosts where it fits (CPUs, NUMA nodes, hugepages, VFs, its
 * parts' host), claiming nothing; with one host, that host's plan or its errors as they are.
 * @throws VirtkitValidationError naming each host and why the VM does not fit there
 */
export function planOnFirstFit(name: string, args: PinnedVmArgs, component: string): { host: LibvirtHost; args: OnOneHost; plan: ReturnType<typeof planVm> } {
  const hosts = candidateHosts(name, args, component);
  if (hosts.length === 1) {
    const one = { ...args, host: hosts[0] };
    return { host: hosts[0], args: one, plan: planVm(name, one) };
  }
  // A full plan refuses a full host only after validating the VM again: with many hosts full,
  // that was hundreds of plans per VM. The VM's demand (one validation) rules hosts out from their
  // free counts instead, which never rule out a host where the plan would succeed; a host with
  // the VM in its placement lock is always planned (the lock may pin it where counts cannot see).
  const withLedger = hosts.find((h) => h.ledger);
  const demand = withLedger && demandOfVm(name, { ...args, host: withLedger });
  for (const host of hosts) {
    if (demand && host.ledger && !host.ledger.lockedPlacement(demand.owner) && host.ledger.ruledOut(demand) !== undefined) continue;
    const one = { ...args, host };
    try {
      return { host, args: one, plan: planVm(name, one) };
    } catch (e) {
      if (!(e instanceof VirtkitValidationError)) throw e;
    }
  }
  return planOnEach(name, args, hosts, component);
}

/**
 * The first host whose full plan succeeds, or every host's reason in one error. First fit ends
 * here only when it found no host, so the error says what the full plans say, host by host,
 * those ruled out by counts included.
 */
function planOnEach(name: string, args: PinnedVmArgs, hosts: readonly LibvirtHost[], component: string): { host: LibvirtHost; args: OnOneHost; plan: ReturnType<typeof planVm> } {
  const refusals: ValidationIssue[] = [];
  for (const host of hosts) {
    const one = { ...args, host };
    try {
      return { host, args: one, plan: planVm(name, one) };
    } catch (e) {
      if (!(e instanceof VirtkitValidationError)) throw e;
      refusals.push({ path: "host", reason: `does not fit on ${host.hostName}: ${e.issues.map((i) => (i.path ? `${i.path}: ${i.reason}` : i.reason)).join("; ")}` });
    }
  }
  throw new VirtkitValidationError(component, refusals);
}
