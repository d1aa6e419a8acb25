import { HostLedger, parseCapabilities } from "../../sdk/src/host";
import { formatPciAddress } from "../../sdk/src/schema/pci";
import { GiB, MiB } from "../../sdk/src/schema/units";
import { RESERVED, readFixture, twoSocketHost, twoSocketLedger, vcpuHostCpus, vm } from "./fixtures";

const host = twoSocketHost();
const nodeOf = (cpu: number) => host.cpus[cpu].node;
const siblingsOf = (cpu: number) => host.cpus[cpu].siblings;
const anyVf = (owner: string) => ({ kind: "vf" as const, owner: `SriovNic "${owner}"`, path: "nics[0]" });
const vfOf = (owner: string, pf: string) => ({ ...anyVf(owner), pf });

describe("NUMA locality", () => {
  test("puts vCPUs, hugepage memory and the VF on one node", () => {
    const result = twoSocketLedger().place(vm("db", { vcpus: 8, memory: { bytes: 8 * GiB, pageSizeBytes: GiB }, devices: [anyVf("fast")] }));
    const p = result.placement!;
    expect(p.nodes).toHaveLength(1);
    const [node] = p.nodes;
    expect(vcpuHostCpus(p).every((c) => nodeOf(c) === node)).toBe(true);
    expect(p.memory).toEqual([{ node, bytes: 8 * GiB, pageSizeBytes: GiB, pages: 8 }]);
    expect(p.devices[0].node).toBe(node);
    expect(result.warnings).toEqual([]);
  });

  test("goes to the node of the requested PF (node 1 for enp175s0f0)", () => {
    const p = twoSocketLedger().place(vm("db", { vcpus: 4, devices: [vfOf("fast", "enp175s0f0")] })).placement!;
    expect(p.nodes).toEqual([1]);
    expect(p.devices[0]).toEqual({ path: "nics[0]", address: expect.anything(), node: 1, pf: "enp175s0f0" });
    expect(formatPciAddress(p.devices[0].address)).toBe("0000:af:02.0");
  });

  test("goes to the node of the requested PF when it is named by PCI address", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("busy-node-0", { vcpus: 2, memory: { bytes: GiB, hostNodes: [1] } }));
    const p = ledger.place(vm("db", { devices: [vfOf("fast", "0000:3b:00.0")] })).placement!;
    expect(p.nodes).toEqual([0]);
    expect(p.devices[0].pf).toBe("enp59s0f0");
  });

  test("hands out a PF's VFs in address order, the first free one each time", () => {
    const ledger = twoSocketLedger();
    const got = [0, 1, 2].map((i) => formatPciAddress(ledger.place(vm(`v${i}`, { devices: [vfOf(`n${i}`, "enp59s0f0")] })).placement!.devices[0].address));
    expect(got).toEqual(["0000:3b:02.0", "0000:3b:02.1", "0000:3b:02.2"]);
  });

  test("moves to the other node when the PF's node has no room, with a warning", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("big", { vcpus: 28, memory: { bytes: GiB, hostNodes: [1] } }));
    const result = ledger.place(vm("db", { vcpus: 4, devices: [vfOf("fast", "enp175s0f0")] }));
    expect(result.placement!.nodes).toEqual([0]);
    expect(result.warnings.map((w) => w.path)).toEqual(["nics[0]"]);
  });

  test("keeps memory and vCPUs on the nodes memory.hostNodes allows", () => {
    const p = twoSocketLedger().place(vm("db", { vcpus: 4, memory: { bytes: 4 * GiB, pageSizeBytes: 2 * MiB, hostNodes: [1] } })).placement!;
    expect(p.nodes).toEqual([1]);
    expect(p.memory).toEqual([{ node: 1, bytes: 4 * GiB, pageSizeBytes: 2 * MiB, pages: 2048 }]);
  });

  test("refuses a local VM that no single node can hold", () => {
    const result = twoSocketLedger().place(vm("huge", { vcpus: 40 }));
    expect(result.errors).toEqual([
      {
        owner: 'PinnedVm "huge"',
        path: "vcpus",
        reason: "no single host node can hold 40 vCPUs and 2GiB of memory: host node 0 has 28 free CPU(s), 40 needed; host node 1 has 28 free CPU(s), 40 needed",
      },
    ]);
  });

  test("spans nodes for a spread VM that no single node can hold, memory following the vCPUs", () => {
    const p = twoSocketLedger().place(vm("huge", { vcpus: 40, numa: "spread", memory: { bytes: 20 * GiB, pageSizeBytes: GiB } })).placement!;
    expect(p.nodes).toEqual([0, 1]);
    const perNode = [0, 1].map((n) => p.vcpus.filter((v) => v.node === n).length);
    expect(perNode[0] + perNode[1]).toBe(40);
    expect(p.memory.map((m) => [m.node, m.pages])).toEqual([[0, perNode[0] / 2], [1, perNode[1] / 2]]);
  });

  test("keeps a spread VM on one node when it fits there", () => {
    expect(twoSocketLedger().place(vm("db", { vcpus: 8, numa: "spread" })).placement!.nodes).toHaveLength(1);
  });

  test("puts each guest NUMA cell on its own host node, with its memory", () => {
    const p = twoSocketLedger().place(
      vm("db", {
        vcpus: 8,
        numa: "spread",
        guestCells: [{ vcpus: [0, 1, 2, 3], memoryBytes: 4 * GiB }, { vcpus: [4, 5, 6, 7], memoryBytes: 2 * GiB }],
        memory: { bytes: 6 * GiB, pageSizeBytes: GiB },
      }),
    ).placement!;
    expect(p.guestCells).toEqual([{ cell: 0, hostNode: p.vcpus[0].node }, { cell: 1, hostNode: p.vcpus[4].node }]);
    expect(p.vcpus[0].node).not.toBe(p.vcpus[4].node);
    expect(p.vcpus.slice(0, 4).every((v) => v.node === p.vcpus[0].node)).toBe(true);
    expect(p.memory).toEqual(
      [{ node: p.vcpus[0].node, bytes: 4 * GiB, pageSizeBytes: GiB, pages: 4 }, { node: p.vcpus[4].node, bytes: 2 * GiB, pageSizeBytes: GiB, pages: 2 }].sort((a, b) => a.node - b.node),
    );
  });
});

describe("CPU choice", () => {
  test("gives an SMT guest host sibling pairs, one whole core per guest core", () => {
    const p = twoSocketLedger().place(vm("db", { vcpus: 8, threadsPerCore: 2 })).placement!;
    const cpus = vcpuHostCpus(p);
    for (let k = 0; k < 8; k += 2) expect(siblingsOf(cpus[k])).toEqual([cpus[k], cpus[k + 1]].sort((a, b) => a - b));
    expect(new Set(cpus.map((c) => siblingsOf(c)[0])).size).toBe(4);
  });

  test("gives an SMT guest no core another VM already uses a thread of", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("odd", { vcpus: 3 }));
    const used = new Set(ledger.claims()[0].cpus.map((c) => c.cpu));
    const cpus = vcpuHostCpus(ledger.place(vm("db", { vcpus: 4, threadsPerCore: 2 })).placement!);
    expect(cpus.flatMap(siblingsOf).some((c) => used.has(c))).toBe(false);
  });

  test("fills both threads of a core before taking the next one for a non-SMT guest", () => {
    const cpus = vcpuHostCpus(twoSocketLedger().place(vm("db", { vcpus: 4 })).placement!);
    expect(new Set(cpus.map((c) => siblingsOf(c)[0])).size).toBe(2);
  });

  test("refuses an SMT guest on a host without SMT", () => {
    const ledger = new HostLedger("test", parseCapabilities(readFixture("test-default.capabilities.xml")));
    expect(ledger.place(vm("db", { vcpus: 2, threadsPerCore: 2 })).errors[0].reason).toContain("host node 0 has 1 thread(s) per core, the guest wants 2");
  });

  test("never gives a reserved CPU to a vCPU, even when the host fills up", () => {
    const ledger = twoSocketLedger();
    for (let i = 0; ledger.place(vm(`v${i}`, { vcpus: i % 2 ? 3 : 1, numa: "spread" })).placement; i++);
    const given = ledger.claims().flatMap((c) => c.cpus.map((x) => x.cpu));
    expect(given).toHaveLength(56);
    expect(given.filter((c) => RESERVED.includes(c))).toEqual([]);
  });

  test("runs the emulator on the reserved CPUs of the VM's node", () => {
    const p = twoSocketLedger().place(vm("db", { devices: [vfOf("x", "enp175s0f0")] })).placement!;
    expect(p.emulator).toEqual([16, 17, 48, 49]);
  });

  test("leaves the emulator unpinned on a host without reserved CPUs", () => {
    expect(twoSocketLedger([]).place(vm("db")).placement!.emulator).toEqual([]);
  });

  test("gives a dedicated emulator a CPU of its own on the VM's node", () => {
    const ledger = twoSocketLedger();
    const p = ledger.place(vm("db", { vcpus: 2, emulator: "dedicated" })).placement!;
    expect(p.emulator).toHaveLength(1);
    expect(vcpuHostCpus(p)).not.toContain(p.emulator[0]);
    expect(RESERVED).not.toContain(p.emulator[0]);
    expect(nodeOf(p.emulator[0])).toBe(p.nodes[0]);
    expect(ledger.cpuHolder(p.emulator[0])).toEqual({ owner: 'PinnedVm "db"', role: "emulator" });
  });

  test("gives a dedicated emulator of an SMT guest a whole core", () => {
    const p = twoSocketLedger().place(vm("db", { vcpus: 4, threadsPerCore: 2, emulator: "dedicated" })).placement!;
    expect(p.emulator).toEqual(siblingsOf(p.emulator[0]));
  });

  test("numbers iothreads from 1 and runs them on the housekeeping CPUs", () => {
    const p = twoSocketLedger().place(vm("db", { iothreads: 2, memory: { bytes: GiB, hostNodes: [0] } })).placement!;
    expect(p.iothreads).toEqual([{ id: 1, hostCpus: [0, 1, 32, 33] }, { id: 2, hostCpus: [0, 1, 32, 33] }]);
  });

  test("gives dedicated iothreads one CPU each", () => {
    const p = twoSocketLedger().place(vm("db", { iothreads: 2, emulator: "dedicated" })).placement!;
    const all = [...vcpuHostCpus(p), ...p.emulator, ...p.iothreads.flatMap((t) => t.hostCpus)];
    expect(p.iothreads.map((t) => t.hostCpus.length)).toEqual([1, 1]);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe("hosts without devices", () => {
  test("a VF on a host without nodedev documents is an error saying what to pass", () => {
    const ledger = new HostLedger("test", parseCapabilities(readFixture("test-default.capabilities.xml")));
    expect(ledger.place(vm("db", { devices: [anyVf("x")] })).errors[0].reason).toBe(
      "host test has no SR-IOV PF with VFs; pass the nodedev documents or name a VF address",
    );
  });

  test("places a VM on libvirt's test:///default host", () => {
    const ledger = new HostLedger("test", parseCapabilities(readFixture("test-default.capabilities.xml")), { reservedCpus: [0, 8] });
    const p = ledger.place(vm("db", { vcpus: 4 })).placement!;
    expect(vcpuHostCpus(p)).toHaveLength(4);
    expect(p.nodes).toHaveLength(1);
  });
});

describe("explicit pinning", () => {
  test("keeps the given host CPUs and puts memory on their node", () => {
    const p = twoSocketLedger().place(vm("db", { vcpus: 2, pinning: { vcpus: [[20], [52]] }, memory: { bytes: 2 * GiB, pageSizeBytes: GiB } })).placement!;
    expect(p.vcpus).toEqual([{ vcpu: 0, hostCpus: [20], node: 1 }, { vcpu: 1, hostCpus: [52], node: 1 }]);
    expect(p.memory).toEqual([{ node: 1, bytes: 2 * GiB, pageSizeBytes: GiB, pages: 2 }]);
    expect(p.emulator).toEqual([16, 17, 48, 49]);
  });

  test("puts each guest cell's memory on the node of its vCPUs", () => {
    const p = twoSocketLedger().place(
      vm("db", {
        vcpus: 2,
        numa: "spread",
        pinning: { vcpus: [[2], [18]] },
        guestCells: [{ vcpus: [0], memoryBytes: 3 * GiB }, { vcpus: [1], memoryBytes: GiB }],
        memory: { bytes: 4 * GiB, pageSizeBytes: GiB },
      }),
    ).placement!;
    expect(p.guestCells).toEqual([{ cell: 0, hostNode: 0 }, { cell: 1, hostNode: 1 }]);
    expect(p.memory.map((m) => [m.node, m.pages])).toEqual([[0, 3], [1, 1]]);
  });

  test("warns when explicit pins span nodes of a local VM", () => {
    const result = twoSocketLedger().place(vm("db", { vcpus: 2, pinning: { vcpus: [[2], [18]] } }));
    expect(result.placement!.nodes).toEqual([0, 1]);
    expect(result.warnings.map((w) => w.path)).toEqual(["pinning.vcpus"]);
  });
});
