import { capacityReport, HostLedger, LedgerClaimError, lockedRequestOf, placeWithLock, planPlacementWithLock, type LockedEntry, type VmDemand } from "../../sdk/src/host";
import { GiB } from "../../sdk/src/schema/units";
import { RESERVED, twoSocketHost, twoSocketLedger, vm } from "./fixtures";

const snapshot = (ledger: HostLedger) => JSON.stringify([ledger.claims(), capacityReport(ledger)]);
const nic = (owner: string) => ({ kind: "vf" as const, owner: `SriovNic "${owner}"`, path: "nics[0]", pf: "enp59s0f0" });

describe("HostLedger.plan and commit: planning claims nothing, commit claims exactly the plan", () => {
  const demand = vm("db", { vcpus: 4, memory: { bytes: 4 * GiB, pageSizeBytes: GiB }, devices: [nic("fast")] });

  it("plan leaves the ledger as it was", () => {
    const ledger = twoSocketLedger();
    const before = snapshot(ledger);
    const claim = ledger.plan(demand);
    expect(claim.result.errors).toEqual([]);
    expect(claim.result.placement?.vcpus).toHaveLength(4);
    expect(snapshot(ledger)).toBe(before);
  });

  it("commit writes the planned CPUs, pages and VF, and equals place", () => {
    const ledger = twoSocketLedger();
    const claim = ledger.plan(demand);
    expect(ledger.commit(claim)).toBe(claim.result);
    const placed = twoSocketLedger();
    placed.place(demand);
    expect(snapshot(ledger)).toBe(snapshot(placed));
    expect(ledger.claims()[0].placement).toBe(claim.result.placement);
    expect(ledger.deviceHolder(claim.result.placement!.devices[0].address)?.vm).toBe(demand.owner);
  });

  it("refuses a claim planned before another commit, and leaves the ledger as the first commit left it", () => {
    const ledger = twoSocketLedger();
    const a = ledger.plan(vm("a", { vcpus: 4 }));
    const b = ledger.plan(vm("b", { vcpus: 4 }));
    // both were planned on the same free CPUs
    expect(b.result.placement!.vcpus[0].hostCpus).toEqual(a.result.placement!.vcpus[0].hostCpus);
    ledger.commit(a);
    const after = snapshot(ledger);
    expect(() => ledger.commit(b)).toThrow(LedgerClaimError);
    expect(() => ledger.commit(b)).toThrow('the claim of PinnedVm "b" on host hv1 was planned before the ledger last changed (a commit or the placement lock); plan it again');
    expect(snapshot(ledger)).toBe(after);
    expect(ledger.commit(ledger.plan(vm("b", { vcpus: 4 }))).errors).toEqual([]);
  });

  it("refuses the same claim committed twice", () => {
    const ledger = twoSocketLedger();
    const claim = ledger.plan(vm("a"));
    ledger.commit(claim);
    expect(() => ledger.commit(claim)).toThrow(LedgerClaimError);
    expect(ledger.claims()).toHaveLength(1);
  });

  it("refuses a claim planned on another ledger", () => {
    const claim = twoSocketLedger().plan(vm("a"));
    expect(() => twoSocketLedger().commit(claim)).toThrow('the claim of PinnedVm "a" was planned on host hv1, not on this ledger of host hv1');
  });

  it("commits a claim that does not fit as nothing, returning its errors", () => {
    const ledger = twoSocketLedger();
    const claim = ledger.plan(vm("huge", { vcpus: 500, numa: "spread" }));
    const before = snapshot(ledger);
    expect(ledger.commit(claim).errors.length).toBeGreaterThan(0);
    expect(snapshot(ledger)).toBe(before);
  });
});

describe("taking a locked VM's share is a typed field, not a message to match", () => {
  const big = (name: string, node: number): VmDemand => vm(name, { vcpus: 24, threadsPerCore: 2, memory: { bytes: GiB, hostNodes: [node] } });
  const [a, b, c] = [big("a", 0), big("b", 1), big("c", 0)];
  const lockOf = (demands: VmDemand[]): Map<string, LockedEntry> => {
    const ledger = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED });
    return new Map(demands.map((d) => [d.owner, { placement: ledger.place(d).placement!, request: lockedRequestOf(d) }]));
  };
  const locked = lockOf([a, b]);

  it("marks the warning took-locked-share and says so in placeWithLock's result", () => {
    const ledger = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked, takeLockedShares: true });
    const r = placeWithLock(ledger, c);
    expect(r.placement).toBeDefined();
    expect(r.tookLockedShare).toBe(true);
    expect(r.warnings.filter((w) => w.kind === "took-locked-share").map((w) => w.owner)).toEqual([c.owner]);
  });

  it("is false for a VM kept where the lock says, and for one refused the share", () => {
    const taking = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked, takeLockedShares: true });
    expect(placeWithLock(taking, b)).toMatchObject({ lock: "kept", tookLockedShare: false });
    const strict = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked });
    const refused = placeWithLock(strict, c);
    expect(refused.placement).toBeUndefined();
    expect(refused.tookLockedShare).toBe(false);
    expect(refused.errors.some((e) => e.kind !== undefined)).toBe(false);
  });
});

describe("planPlacementWithLock: the lock's two steps", () => {
  const db = vm("db", { vcpus: 4, threadsPerCore: 2 });
  // locked where an earlier run put it: after another VM took the first free cores
  const earlier = twoSocketLedger();
  earlier.place(vm("first", { vcpus: 8 }));
  const lockedPlacement = earlier.place(db).placement!;
  const locked = new Map<string, LockedEntry>([[db.owner, { placement: lockedPlacement, request: lockedRequestOf(db) }]]);

  it("plans the locked placement and claims nothing until the claim is committed", () => {
    const ledger = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked });
    const before = snapshot(ledger);
    const { result, claim } = planPlacementWithLock(ledger, db);
    expect(result.lock).toBe("kept");
    expect(JSON.stringify(result.placement)).toBe(JSON.stringify(lockedPlacement));
    expect(snapshot(ledger)).toBe(before);
    ledger.commit(claim);
    expect(ledger.claims().map((c) => c.owner)).toEqual([db.owner]);
    expect(JSON.stringify(ledger.claims()[0].placement)).toBe(JSON.stringify(lockedPlacement));
  });

  it("gives the same result as placeWithLock", () => {
    const one = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked });
    const two = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked });
    const planned = planPlacementWithLock(one, db);
    one.commit(planned.claim);
    expect(planned.result).toEqual(placeWithLock(two, db));
    expect(snapshot(one)).toBe(snapshot(two));
  });
});
