import fc from "fast-check";
import { capacityReport, type HostLedger, type VmDemand } from "../../sdk/src/host";
import { GiB, MiB } from "../../sdk/src/schema/units";
import { RESERVED, twoSocketLedger } from "./fixtures";

/**
 * Random demand lists against the two-socket host: auto and explicit pinning, SMT and not,
 * hugepages of both sizes, VFs by PF or any. Lists are long enough to fill the host, so
 * conflicts and refusals are part of every run.
 */
const demandArb = (i: number) =>
  fc
    .record({
      cores: fc.integer({ min: 1, max: 6 }),
      smt: fc.boolean(),
      explicit: fc.option(fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 4 }), { freq: 4 }),
      gib: fc.integer({ min: 1, max: 6 }),
      page: fc.constantFrom(undefined, 2 * MiB, GiB),
      emulator: fc.constantFrom("housekeeping" as const, "dedicated" as const),
      numa: fc.constantFrom("local" as const, "spread" as const),
      iothreads: fc.integer({ min: 0, max: 2 }),
      vf: fc.constantFrom(undefined, "any", "enp59s0f0", "enp175s0f0"),
    })
    .map((r): VmDemand => {
      const threads = r.smt ? 2 : 1;
      const vcpus = r.explicit ? r.explicit.length : r.cores * threads;
      return {
        owner: `PinnedVm "vm${i}"`,
        vcpus,
        threadsPerCore: r.explicit ? 1 : threads,
        pinning: r.explicit ? { vcpus: r.explicit.map((c) => [c]) } : "auto",
        iothreads: r.iothreads,
        emulator: r.emulator,
        numa: r.numa,
        memory: { bytes: r.gib * GiB, ...(r.page ? { pageSizeBytes: r.page } : {}) },
        devices: r.vf ? [{ kind: "vf", owner: `SriovNic "nic${i}"`, path: "nics[0]", ...(r.vf === "any" ? {} : { pf: r.vf }) }] : [],
      };
    });

const demandsArb = fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => demandArb(i))));

const placeAll = (demands: readonly VmDemand[], ledger = twoSocketLedger()) => ({ ledger, results: demands.map((d) => ledger.place(d)) });

/** Exclusive CPUs of every VM, as the ledger lists them. */
const heldCpus = (ledger: HostLedger) => ledger.claims().map((c) => c.cpus.map((x) => x.cpu));

describe("placement properties", () => {
  test("placing the same demand list twice gives equal results", () => {
    fc.assert(
      fc.property(demandsArb, (demands) => {
        expect(placeAll(demands).results).toEqual(placeAll(demands).results);
      }),
      { numRuns: 60 },
    );
  });

  test("placing one more VM leaves the placements of the first N unchanged", () => {
    fc.assert(
      fc.property(demandsArb, demandArb(99), (demands, extra) => {
        const { ledger, results } = placeAll(demands);
        const count = ledger.claims().length;
        const before = JSON.stringify(ledger.claims());
        const snapshot = JSON.stringify(results.map((r) => r.placement ?? null));
        ledger.place(extra);
        expect(JSON.stringify(ledger.claims().slice(0, count))).toBe(before);
        expect(JSON.stringify(results.map((r) => r.placement ?? null))).toBe(snapshot);
        expect(placeAll([...demands, extra]).results.slice(0, -1)).toEqual(results);
      }),
      { numRuns: 60 },
    );
  });

  test("never gives one host CPU to two VMs, nor a reserved CPU to a vCPU", () => {
    fc.assert(
      fc.property(demandsArb, (demands) => {
        const { ledger, results } = placeAll(demands);
        const all = heldCpus(ledger).flat();
        expect(new Set(all).size).toBe(all.length);
        expect(all.filter((c) => RESERVED.includes(c))).toEqual([]);
        const vcpuCpus = results.flatMap((r) => (r.placement ? [new Set(r.placement.vcpus.flatMap((v) => v.hostCpus))] : []));
        const flat = vcpuCpus.flatMap((s) => [...s]);
        expect(new Set(flat).size).toBe(flat.length);
      }),
      { numRuns: 100 },
    );
  });

  test("a refused demand changes nothing in the ledger", () => {
    fc.assert(
      fc.property(demandsArb, (demands) => {
        const ledger = twoSocketLedger();
        for (const d of demands) {
          const before = JSON.stringify([ledger.claims(), capacityReport(ledger)]);
          if (ledger.place(d).placement === undefined) expect(JSON.stringify([ledger.claims(), capacityReport(ledger)])).toBe(before);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("the capacity report adds up: used + free = total for CPUs (with reserved), hugepages and VFs", () => {
    fc.assert(
      fc.property(demandsArb, (demands) => {
        const { ledger } = placeAll(demands);
        const report = capacityReport(ledger);
        for (const n of report.nodes) {
          expect(n.cpus.reserved + n.cpus.used + n.cpus.free).toBe(n.cpus.total);
          expect(n.cpus.free).toBeGreaterThanOrEqual(0);
          for (const h of n.hugepages) {
            expect(h.used + h.free).toBe(h.total);
            expect(h.free).toBeGreaterThanOrEqual(0);
          }
        }
        for (const p of report.pfs) {
          expect(p.vfs.used + p.vfs.free).toBe(p.vfs.total);
          expect(p.vfs.free).toBeGreaterThanOrEqual(0);
        }
        const usedCpus = report.nodes.reduce((s, n) => s + n.cpus.used, 0);
        expect(usedCpus).toBe(heldCpus(ledger).flat().length);
        const usedPages = report.nodes.flatMap((n) => n.hugepages).reduce((s, h) => s + h.used * h.sizeBytes, 0);
        const claimedPages = ledger.claims().flatMap((c) => c.placement.memory).reduce((s, m) => s + (m.pages ?? 0) * (m.pageSizeBytes ?? 0), 0);
        expect(usedPages).toBe(claimedPages);
      }),
      { numRuns: 100 },
    );
  });
});
