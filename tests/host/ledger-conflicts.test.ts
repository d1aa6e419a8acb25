import { HostLedger, HostModelError, type HostModel } from "../../sdk/src/host";
import { formatCpuset } from "../../sdk/src/schema/cpuset";
import { parsePciAddress } from "../../sdk/src/schema/pci";
import { GiB } from "../../sdk/src/schema/units";
import { RESERVED, pinnedVm, twoSocketHost, twoSocketLedger, vm } from "./fixtures";

const vf = (owner: string, extra: { pf?: string; address?: string } = {}) => ({
  kind: "vf" as const,
  owner: `SriovNic "${owner}"`,
  path: "nics[0]",
  ...(extra.pf ? { pf: extra.pf } : {}),
  ...(extra.address ? { address: parsePciAddress(extra.address) } : {}),
});
const gpu = (owner: string, address = "0000:d8:00.0") => ({ kind: "pci" as const, owner: `PciPassthrough "${owner}"`, path: "hostdevs[0]", address: parsePciAddress(address) });

describe("explicit pinning conflicts", () => {
  test("a host CPU pinned by another VM is an error naming both VMs, the vCPU and the holder's vCPU", () => {
    const ledger = twoSocketLedger([0, 1, 32, 33]);
    expect(ledger.place(pinnedVm("cache", [16, 17])).errors).toEqual([]);
    const result = ledger.place(pinnedVm("db", [4, 5, 6, 17]));
    expect(result.placement).toBeUndefined();
    expect(result.errors).toEqual([
      { owner: 'PinnedVm "db"', path: "pinning.vcpus[3]", reason: 'host CPU 17 is already pinned by PinnedVm "cache" (vcpu 1)', other: 'PinnedVm "cache"' },
    ]);
  });

  test("a reserved host CPU is refused for a vCPU", () => {
    const result = twoSocketLedger().place(pinnedVm("db", [2, 32]));
    expect(result.errors.map((e) => [e.path, e.reason])).toEqual([
      ["pinning.vcpus[1]", `host CPU 32 is reserved for host housekeeping (reservedCpus ${formatCpuset(RESERVED)}); pick another CPU or take it out of reservedCpus`],
    ]);
  });

  test("a host CPU the host does not have is refused", () => {
    const result = twoSocketLedger().place(pinnedVm("db", [2, 64]));
    expect(result.errors[0]).toMatchObject({ path: "pinning.vcpus[1]", reason: "host CPU 64 does not exist on host hv1 (its CPUs are 0-63)" });
  });

  test("the emulator may share the reserved CPUs but not another VM's vCPUs", () => {
    const ledger = twoSocketLedger();
    ledger.place(pinnedVm("cache", [20, 21]));
    const ok = ledger.place(pinnedVm("a", [2, 3], { pinning: { vcpus: [[2], [3]], emulator: [0, 1] } }));
    expect(ok.placement!.emulator).toEqual([0, 1]);
    const bad = ledger.place(pinnedVm("b", [4, 5], { pinning: { vcpus: [[4], [5]], emulator: [21] } }));
    expect(bad.errors).toEqual([
      { owner: 'PinnedVm "b"', path: "pinning.emulator", reason: 'host CPU 21 is already pinned by PinnedVm "cache" (vcpu 1)', other: 'PinnedVm "cache"' },
    ]);
  });

  test("a cpuset count that differs from the vCPU count is an error", () => {
    const result = twoSocketLedger().place(vm("db", { vcpus: 4, pinning: { vcpus: [[2], [3]] } }));
    expect(result.errors[0]).toMatchObject({ path: "pinning.vcpus", reason: "has 2 cpusets for 4 vCPUs; give one per vCPU" });
  });

  test("a failed placement claims nothing", () => {
    const ledger = twoSocketLedger();
    ledger.place(pinnedVm("cache", [20]));
    expect(ledger.place(pinnedVm("db", [2, 3, 20], { devices: [vf("fast", { pf: "enp59s0f0" })] })).errors).toHaveLength(1);
    expect([2, 3].map((c) => ledger.cpuHolder(c))).toEqual([undefined, undefined]);
    expect(ledger.deviceHolder(parsePciAddress("0000:3b:02.0"))).toBeUndefined();
    expect(ledger.claims().map((c) => c.owner)).toEqual(['PinnedVm "cache"']);
    expect(ledger.place(pinnedVm("db", [2, 3], { devices: [vf("fast", { pf: "enp59s0f0" })] })).errors).toEqual([]);
  });

  test("the same component name twice on one host is refused", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("db"));
    expect(ledger.place(vm("db")).errors[0]).toMatchObject({ path: "", reason: "is already placed on host hv1; names must be unique per host" });
  });

  test("reserving a CPU the host does not have throws, as a problem of the reserved CPUs", () => {
    let error: unknown;
    try {
      new HostLedger("hv1", twoSocketHost(), { reservedCpus: [0, 70, 71] });
    } catch (e) {
      error = e;
    }
    expect(error).toEqual(new HostModelError(`host hv1 has no CPU ${formatCpuset([70, 71])} (its CPUs are 0-63)`));
    expect((error as HostModelError).source).toBe("reservedCpus");
  });
});

describe("hugepage conflicts", () => {
  test("asking beyond a node's pool names the other claimants on that node", () => {
    const ledger = twoSocketLedger();
    const huge = (name: string, gib: number) => vm(name, { memory: { bytes: gib * GiB, pageSizeBytes: GiB, hostNodes: [0] } });
    expect(ledger.place(huge("a", 10)).errors).toEqual([]);
    expect(ledger.place(huge("b", 4)).errors).toEqual([]);
    const result = ledger.place(huge("c", 4));
    expect(result.errors).toEqual([
      {
        owner: 'PinnedVm "c"',
        path: "memory",
        reason: 'no single host node can hold 2 vCPUs and 4GiB of memory: host node 0 has 2 of 16 1GiB pages free, 4 needed; claimed by PinnedVm "a" (10), PinnedVm "b" (4)',
        other: 'PinnedVm "a"',
      },
    ]);
  });

  test("a page size the node has no pool of is an error", () => {
    const result = twoSocketLedger().place(vm("a", { memory: { bytes: GiB, pageSizeBytes: 16 * GiB } }));
    expect(result.errors[0].path).toBe("memory");
    expect(result.errors[0].reason).toContain("host node 0 has no 16GiB pages (the pool is empty or absent)");
  });

  test("explicitly pinned VMs are held to the pool of their vCPUs' node", () => {
    const ledger = twoSocketLedger();
    expect(ledger.place(pinnedVm("a", [20, 21], { memory: { bytes: 6 * GiB, pageSizeBytes: GiB } })).errors).toEqual([]);
    const result = ledger.place(pinnedVm("b", [22, 23], { memory: { bytes: 4 * GiB, pageSizeBytes: GiB } }));
    expect(result.errors).toEqual([
      { owner: 'PinnedVm "b"', path: "memory", reason: 'host node 1 has 2 of 8 1GiB pages free, 4 needed; claimed by PinnedVm "a" (6)', other: 'PinnedVm "a"' },
    ]);
  });
});

describe("SR-IOV and PCI device conflicts", () => {
  test("more VFs than the PF has is an error naming the holders", () => {
    const ledger = twoSocketLedger();
    for (let i = 0; i < 4; i++) {
      expect(ledger.place(vm(`vm${i}`, { devices: [vf(`n${i}`, { pf: "enp175s0f0" })] })).errors).toEqual([]);
    }
    const result = ledger.place(vm("vm4", { devices: [vf("n4", { pf: "enp175s0f0" })] }));
    expect(result.errors).toEqual([
      {
        owner: 'SriovNic "n4"',
        path: "nics[0]",
        reason:
          'PF enp175s0f0 (0000:af:00.0) has no free VF: all 4 are taken by SriovNic "n0" (PinnedVm "vm0") ×1, SriovNic "n1" (PinnedVm "vm1") ×1, SriovNic "n2" (PinnedVm "vm2") ×1, SriovNic "n3" (PinnedVm "vm3") ×1',
        other: 'SriovNic "n0"',
      },
    ]);
  });

  test("the same VF for two VMs is an error naming the holder", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("a", { devices: [vf("x", { address: "0000:3b:02.1" })] }));
    const result = ledger.place(vm("b", { devices: [vf("y", { address: "0000:3b:02.1" })] }));
    expect(result.errors).toEqual([
      { owner: 'SriovNic "y"', path: "nics[0]", reason: 'VF 0000:3b:02.1 is already assigned to PinnedVm "a" by SriovNic "x" (nics[0])', other: 'SriovNic "x"' },
    ]);
  });

  test("the same VF twice in one VM is an error naming both devices", () => {
    const result = twoSocketLedger().place(
      vm("a", { devices: [vf("x", { address: "0000:3b:02.1" }), { ...vf("y", { address: "0000:3b:02.1" }), path: "nics[1]" }] }),
    );
    expect(result.errors).toEqual([
      { owner: 'SriovNic "y"', path: "nics[1]", reason: 'VF 0000:3b:02.1 is requested twice for PinnedVm "a": also by SriovNic "x" (nics[0])', other: 'SriovNic "x"' },
    ]);
  });

  test("a PCI device passed through to two VMs is an error naming the holder", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("a", { devices: [gpu("t4")] }));
    expect(ledger.place(vm("b", { devices: [gpu("t4-again")] })).errors[0]).toMatchObject({
      owner: 'PciPassthrough "t4-again"',
      reason: 'PCI device 0000:d8:00.0 is already assigned to PinnedVm "a" by PciPassthrough "t4" (hostdevs[0])',
      other: 'PciPassthrough "t4"',
    });
  });

  test("one device component attached to two VMs is an error", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("a", { devices: [vf("fast", { pf: "enp59s0f0" })] }));
    expect(ledger.place(vm("b", { devices: [vf("fast", { pf: "enp59s0f0" })] })).errors[0]).toMatchObject({
      owner: 'SriovNic "fast"',
      reason: 'is already attached to PinnedVm "a"; a device serves one VM',
      other: 'PinnedVm "a"',
    });
  });

  test("a VF of a PF passed through whole is refused", () => {
    const ledger = twoSocketLedger();
    ledger.place(vm("a", { devices: [{ kind: "pci", owner: 'PciPassthrough "pf"', path: "hostdevs[0]", address: parsePciAddress("0000:af:00.0") }] }));
    expect(ledger.place(vm("b", { devices: [vf("x", { address: "0000:af:02.0" })] })).errors[0].reason).toBe(
      'VF 0000:af:02.0 belongs to PF 0000:af:00.0, which PciPassthrough "pf" passes through whole to PinnedVm "a"',
    );
  });

  test("a device sharing an IOMMU group with another VM's device is refused", () => {
    const base = twoSocketHost();
    const audio = { ...base.pciDevices.find((d) => d.name === "pci_0000_d8_00_0")!, name: "pci_0000_d8_00_1", address: parsePciAddress("0000:d8:00.1") };
    const host: HostModel = { ...base, pciDevices: [...base.pciDevices, audio] };
    const ledger = new HostLedger("hv1", host);
    ledger.place(vm("a", { devices: [gpu("t4")] }));
    expect(ledger.place(vm("b", { devices: [gpu("t4-audio", "0000:d8:00.1")] })).errors[0].reason).toBe(
      'PCI device 0000:d8:00.1 shares IOMMU group 110 with 0000:d8:00.0, assigned to PinnedVm "a" by PciPassthrough "t4"; VFIO gives a whole group to one VM',
    );
  });

  test("an unknown PF is an error listing the host's PFs", () => {
    expect(twoSocketLedger().place(vm("a", { devices: [vf("x", { pf: "eth9" })] })).errors[0].reason).toBe(
      'no SR-IOV PF "eth9" on host hv1 (its SR-IOV PFs: enp59s0f0 at 0000:3b:00.0 (8 VFs, 0000:3b:02.0 to 0000:3b:02.7), enp175s0f0 at 0000:af:00.0 (4 VFs, 0000:af:02.0 to 0000:af:02.3))',
    );
  });

  test("a VF address that is no VF of the host is an error listing the host's PFs and their VFs", () => {
    expect(twoSocketLedger().place(vm("a", { devices: [vf("x", { address: "0000:3b:03.0" })] })).errors[0].reason).toBe(
      "no SR-IOV VF at 0000:3b:03.0 on host hv1 (its SR-IOV PFs: enp59s0f0 at 0000:3b:00.0 (8 VFs, 0000:3b:02.0 to 0000:3b:02.7), enp175s0f0 at 0000:af:00.0 (4 VFs, 0000:af:02.0 to 0000:af:02.3))",
    );
  });

  test("a NIC on another node than the vCPUs is a warning", () => {
    const result = twoSocketLedger().place(vm("a", { memory: { bytes: GiB, hostNodes: [1] }, devices: [vf("x", { pf: "enp59s0f0" })] }));
    expect(result.placement!.nodes).toEqual([1]);
    expect(result.warnings).toEqual([
      {
        owner: 'SriovNic "x"',
        path: "nics[0]",
        reason: 'VF 0000:3b:02.0 of enp59s0f0 is on host NUMA node 0, but PinnedVm "a" runs its vCPUs on node 1; DMA and interrupts will cross the socket interconnect',
      },
    ]);
  });

  test("a NIC on another node than the vCPUs is an error with strictLocality", () => {
    const result = twoSocketLedger().place(
      vm("a", { strictLocality: true, memory: { bytes: GiB, hostNodes: [1] }, devices: [vf("x", { pf: "enp59s0f0" })] }),
    );
    expect(result.placement).toBeUndefined();
    expect(result.errors.map((e) => e.path)).toEqual(["nics[0]"]);
    expect(result.warnings).toEqual([]);
  });
});
