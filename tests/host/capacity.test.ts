import { capacityReport, formatCapacityTable, HostLedger, parseCapabilities, type HostModel } from "../../sdk/src/host";
import { GiB, MiB } from "../../sdk/src/schema/units";
import { readFixture, twoSocketHost, twoSocketLedger, vm } from "./fixtures";

/** Two VMs on node 1: 8 SMT vCPUs on 1GiB pages with a VF, 4 vCPUs on 2MiB pages with a dedicated emulator. */
function busyLedger() {
  const ledger = twoSocketLedger();
  ledger.place(vm("db", { vcpus: 8, threadsPerCore: 2, memory: { bytes: 6 * GiB, pageSizeBytes: GiB }, devices: [{ kind: "vf", owner: 'SriovNic "fast"', path: "nics[0]", pf: "enp175s0f0" }] }));
  ledger.place(vm("web", { vcpus: 4, emulator: "dedicated", memory: { bytes: GiB, pageSizeBytes: 2 * MiB, hostNodes: [1] } }));
  return ledger;
}

describe("capacityReport", () => {
  test("counts CPUs per node as total, reserved, used and free", () => {
    const report = capacityReport(busyLedger());
    expect(report.nodes.map((n) => n.cpus)).toEqual([
      { total: 32, reserved: 4, used: 0, free: 28 },
      { total: 32, reserved: 4, used: 13, free: 15 },
    ]);
  });

  test("counts hugepages per node and size, leaving out the base pages", () => {
    const report = capacityReport(busyLedger());
    expect(report.nodes[1].hugepages).toEqual([
      { sizeBytes: 2 * MiB, total: 4096, used: 512, free: 3584 },
      { sizeBytes: GiB, total: 8, used: 6, free: 2 },
    ]);
    expect(report.nodes[0].hugepages.map((h) => h.used)).toEqual([0, 0]);
  });

  test("counts the VFs of each PF", () => {
    expect(capacityReport(busyLedger()).pfs.map((p) => [p.pf, p.node, p.vfs])).toEqual([
      ["enp59s0f0", 0, { total: 8, used: 0, free: 8, maxCount: 64 }],
      ["enp175s0f0", 1, { total: 4, used: 1, free: 3, maxCount: 64 }],
    ]);
  });

  test("counts ordinary guest memory per node", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("plain", { memory: { bytes: 3 * GiB, hostNodes: [0] } }));
    expect(capacityReport(ledger).nodes.map((n) => n.memory.ordinaryUsedBytes)).toEqual([3 * GiB, 0]);
  });

  test("counts all VFs of a PF passed through whole as used", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("router", { devices: [{ kind: "pci", owner: 'PciPassthrough "pf"', path: "hostdevs[0]", address: { domain: 0, bus: 0xaf, slot: 0, function: 0 } }] }));
    expect(capacityReport(ledger).pfs[1].vfs).toMatchObject({ used: 4, free: 0 });
  });
});

describe("formatCapacityTable", () => {
  test("prints one row per node and one per PF, columns aligned", () => {
    expect(formatCapacityTable([capacityReport(busyLedger())])).toBe(
      [
        "HOST  NODE  CPUS  RESERVED  USED  FREE  2MiB PAGES USED/TOTAL  1GiB PAGES USED/TOTAL",
        "hv1   0     32    4         0     28    0/2048                 0/16",
        "hv1   1     32    4         13    15    512/4096               6/8",
        "",
        "HOST  PF          ADDRESS       NODE  VFS USED/TOTAL  FREE",
        "hv1   enp59s0f0   0000:3b:00.0  0     0/8             8",
        "hv1   enp175s0f0  0000:af:00.0  1     1/4             3",
        "",
      ].join("\n"),
    );
  });

  test("marks page sizes a host lacks with a dash", () => {
    const base = twoSocketHost();
    const no1G: HostModel = { ...base, nodes: base.nodes.map((n) => ({ ...n, pages: n.pages.slice(0, 2) })) };
    const text = formatCapacityTable([capacityReport(new HostLedger("small", no1G)), capacityReport(twoSocketLedger())]);
    expect(text.split("\n").slice(1, 3)).toEqual([
      "small  0     32    0         0     32    0/2048                 -",
      "small  1     32    0         0     32    0/4096                 -",
    ]);
  });

  test("leaves out the PF table when no host has PFs", () => {
    const test = new HostLedger("test", parseCapabilities(readFixture("test-default.capabilities.xml")));
    expect(formatCapacityTable([capacityReport(test)])).not.toContain("VFS");
  });
});
