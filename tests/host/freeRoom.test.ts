import fc from "fast-check";
import { HostLedger, lockedRequestOf, pickHostWithCapacity, type VmDemand } from "../../sdk/src/host";
import { GiB, MiB } from "../../sdk/src/schema/units";
import { RESERVED, twoSocketHost, vm } from "./fixtures";

/**
 * `HostLedger.ruledOut` skips full hosts in first fit from counts of free CPUs, pages and VFs.
 * It must never rule out a demand a dry run would place, or first fit would pick another host.
 */
const demandArb = (i: number) =>
  fc
    .record({
      cores: fc.integer({ min: 1, max: 8 }),
      smt: fc.boolean(),
      explicit: fc.option(fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 3 }), { freq: 6 }),
      gib: fc.integer({ min: 1, max: 8 }),
      page: fc.constantFrom(undefined, 2 * MiB, GiB),
      emulator: fc.constantFrom("housekeeping" as const, "dedicated" as const),
      numa: fc.constantFrom("local" as const, "spread" as const),
      hostNodes: fc.constantFrom(undefined, [0], [1]),
      cells: fc.boolean(),
      iothreads: fc.integer({ min: 0, max: 2 }),
      vfs: fc.array(fc.constantFrom("any", "enp59s0f0", "enp175s0f0"), { maxLength: 2 }),
    })
    .map((r): VmDemand => {
      const threads = r.smt ? 2 : 1;
      const vcpus = r.explicit ? r.explicit.length : r.cores * threads;
      const half = Math.ceil(vcpus / 2);
      const cells = r.cells && vcpus > 1 ? [{ vcpus: Array.from({ length: half }, (_, k) => k), memoryBytes: GiB }, { vcpus: Array.from({ length: vcpus - half }, (_, k) => half + k), memoryBytes: GiB }] : undefined;
      return {
        owner: `PinnedVm "vm${i}"`,
        vcpus,
        threadsPerCore: r.explicit ? 1 : threads,
        pinning: r.explicit ? { vcpus: r.explicit.map((c) => [c]) } : "auto",
        iothreads: r.iothreads,
        emulator: r.emulator,
        numa: r.numa,
        ...(cells ? { guestCells: cells } : {}),
        memory: { bytes: cells ? 2 * GiB : r.gib * GiB, ...(r.page ? { pageSizeBytes: r.page } : {}), ...(r.hostNodes ? { hostNodes: r.hostNodes } : {}) },
        devices: r.vfs.map((vf, k) => ({ kind: "vf" as const, owner: `SriovNic "nic${i}-${k}"`, path: `nics[${k}]`, ...(vf === "any" ? {} : { pf: vf }) })),
      };
    });

const demandsArb = fc.integer({ min: 5, max: 60 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => demandArb(i))));
const ledgers = (n: number) => Array.from({ length: n }, (_, h) => new HostLedger(`hv${h}`, twoSocketHost(), { reservedCpus: RESERVED }));

describe("ruling hosts out from free counts", () => {
  test("never rules out a demand the dry run places, as hosts fill up", () => {
    fc.assert(
      fc.property(demandsArb, (demands) => {
        const [ledger] = ledgers(1);
        for (const d of demands) {
          if (ledger.ruledOut(d) !== undefined) expect(ledger.canPlace(d)).toBe(false);
          ledger.place(d);
        }
      }),
      { numRuns: 150 },
    );
  });

  test("first fit picks the host a dry run on every host in order would pick", () => {
    fc.assert(
      fc.property(demandsArb, fc.integer({ min: 1, max: 4 }), (demands, hosts) => {
        const fast = ledgers(hosts);
        const slow = ledgers(hosts);
        for (const d of demands) {
          const picked = pickHostWithCapacity(fast, d);
          const expected = slow.find((l) => l.canPlace(d));
          expect(picked?.hostName).toBe(expected?.hostName);
          picked?.place(d);
          expected?.place(d);
        }
      }),
      { numRuns: 100 },
    );
  });

  test("a locked share counts as free: a host is not ruled out for what only the lock keeps", () => {
    // "kept" is locked on the whole of node 0's free CPUs; a new VM fits only there with takeLockedShares
    const kept = vm("kept", { vcpus: 28, memory: { bytes: GiB, hostNodes: [0] } });
    const first = new HostLedger("hv0", twoSocketHost(), { reservedCpus: RESERVED });
    const placement = first.place(kept).placement!;
    const locked = new Map([[kept.owner, { placement, request: lockedRequestOf(kept) }]]);
    const ledger = new HostLedger("hv0", twoSocketHost(), { reservedCpus: RESERVED, locked, takeLockedShares: true });
    const newcomer = vm("new", { vcpus: 4, memory: { bytes: GiB, hostNodes: [0] } });
    expect(ledger.ruledOut(newcomer)).toBeUndefined();
    expect(ledger.plan(newcomer).result.placement).toBeDefined();
  });

  test("says why a full host cannot take the VM", () => {
    const [ledger] = ledgers(1);
    for (let i = 0; i < 2; i++) ledger.place(vm(`big${i}`, { vcpus: 28 }));
    expect(ledger.ruledOut(vm("late", { vcpus: 2 }))).toMatch(/no host node has 2 free CPUs/);
    expect(ledger.canPlace(vm("late", { vcpus: 2 }))).toBe(false);
  });
});
