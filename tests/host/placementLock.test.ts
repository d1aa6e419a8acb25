import fc from "fast-check";
import {
  HostLedger,
  LockFileError,
  emptyLock,
  formatLockFile,
  lockedPlacementOf,
  lockedRequestOf,
  parseLockFile,
  placeWithLock,
  placementOfLock,
  type LockedEntry,
  type Placement,
  type VmDemand,
} from "../../sdk/src/host";
import { GiB, MiB } from "../../sdk/src/schema/units";
import { RESERVED, twoSocketHost, vm } from "./fixtures";

/** Places demands in order on a fresh ledger honouring `lock`; returns placements by owner and the warnings. */
function run(demands: readonly VmDemand[], lock: ReadonlyMap<string, LockedEntry> = new Map(), takeLockedShares = false) {
  const ledger = new HostLedger("hv1", twoSocketHost(), { reservedCpus: RESERVED, locked: lock, takeLockedShares });
  const placements = new Map<string, Placement>();
  const warnings: string[] = [];
  const errors: string[] = [];
  const outcomes = new Map<string, string>();
  for (const d of demands) {
    const r = placeWithLock(ledger, d);
    if (r.placement) placements.set(d.owner, r.placement);
    outcomes.set(d.owner, r.lock);
    warnings.push(...r.warnings.map((w) => `${w.owner}: ${w.reason}`));
    errors.push(...r.errors.map((e) => `${e.owner}: ${e.reason}`));
  }
  return { placements, warnings, errors, outcomes, ledger };
}

/** The lock a run leaves behind, as `virtkit plan` writes it (through the file format and back). */
function lockOf(demands: readonly VmDemand[], placements: ReadonlyMap<string, Placement>): Map<string, LockedEntry> {
  const entries = demands.filter((d) => placements.has(d.owner)).map((d) => [d.owner, { placement: lockedPlacementOf(placements.get(d.owner)!), request: lockedRequestOf(d) }] as const);
  const file = { ...emptyLock(), stacks: { dev: { hosts: { hv1: { vms: Object.fromEntries(entries) } }, volumes: {} } } };
  const back = parseLockFile(formatLockFile(file), "virtkit.lock.json").stacks.dev.hosts.hv1.vms;
  return new Map(Object.entries(back).map(([owner, e]) => [owner, { placement: placementOfLock(e.placement), request: e.request }]));
}

const json = (p: Placement | undefined) => JSON.stringify(p);
const smt = (name: string, vcpus: number, over: Partial<VmDemand> = {}) => vm(name, { vcpus, threadsPerCore: 2, memory: { bytes: 4 * GiB, pageSizeBytes: GiB }, ...over });

describe("the placement lock keeps a locked VM where it was", () => {
  const db = smt("db", 4);
  const web = smt("web", 4);
  const cache = smt("cache", 4);
  const first = run([db, web]);
  const lock = lockOf([db, web], first.placements);

  test.each([
    ["a new VM declared before them", [cache, db, web]],
    ["the two in the other order", [web, db]],
    ["a new VM between them", [db, cache, web]],
    ["a neighbour removed", [web]],
    ["a neighbour renamed (a new name, the old entry left unused)", [smt("database", 4), web]],
  ])("%s", (_, demands) => {
    const after = run(demands, lock);
    for (const d of demands) {
      if (!first.placements.has(d.owner)) continue;
      expect(json(after.placements.get(d.owner))).toBe(json(first.placements.get(d.owner)));
      expect(after.outcomes.get(d.owner)).toBe("kept");
    }
    expect(after.warnings).toEqual([]);
  });

  test("without the lock, a VM declared first moves db (the issue as reported)", () => {
    const unlocked = run([cache, db, web]);
    expect(json(unlocked.placements.get(db.owner))).not.toBe(json(first.placements.get(db.owner)));
  });

  test("a new VM takes what is free, never a locked VM's CPUs, pages or VFs", () => {
    const nic = { kind: "vf" as const, owner: 'SriovNic "n"', path: "nics[0]", pf: "enp59s0f0" };
    const dbNic = { ...db, devices: [{ ...nic, owner: 'SriovNic "db-n"' }] };
    const locked = lockOf([dbNic], run([dbNic]).placements);
    const after = run([vm("new", { vcpus: 4, devices: [nic] }), dbNic], locked);
    const newCpus = after.placements.get('PinnedVm "new"')!.vcpus.flatMap((v) => v.hostCpus);
    const dbCpus = locked.get(db.owner)!.placement.vcpus.flatMap((v) => v.hostCpus);
    expect(newCpus.filter((c) => dbCpus.includes(c))).toEqual([]);
    expect(after.placements.get('PinnedVm "new"')!.devices[0].address).not.toEqual(locked.get(db.owner)!.placement.devices[0].address);
    expect(json(after.placements.get(db.owner))).toBe(json(locked.get(db.owner)!.placement));
  });

  describe("a removed VM's share", () => {
    const big = (name: string, node: number) => smt(name, 24, { memory: { bytes: GiB, hostNodes: [node] } });
    const a = big("a", 0);
    const b = big("b", 1);
    const locked = lockOf([a, b], run([a, b]).placements);

    test("is kept from a new VM while the lock has it, and the refusal says whose it is and what to do", () => {
      const after = run([big("c", 0), b], locked);
      expect(after.placements.has('PinnedVm "c"')).toBe(false);
      expect(after.errors.join("\n")).toMatch(/PinnedVm "c": it fits only in the share the placement lock keeps for PinnedVm "a", PinnedVm "b", not declared before it: if they are removed, `virtkit plan` drops them from the lock/);
    });

    test("is taken, with a warning, when the ledger may take locked shares (virtkit plan's first pass)", () => {
      const after = run([big("c", 0), b], locked, true);
      expect(after.placements.has('PinnedVm "c"')).toBe(true);
      expect(after.warnings.join("\n")).toMatch(/PinnedVm "c": fits only in the share the placement lock keeps for PinnedVm "a", PinnedVm "b", not declared before it; took it/);
    });

    test("is free once the lock no longer lists the VM", () => {
      const pruned = new Map([...locked].filter(([owner]) => owner !== a.owner));
      const after = run([big("c", 0), b], pruned);
      expect(after.errors).toEqual([]);
      expect(json(after.placements.get(b.owner))).toBe(json(locked.get(b.owner)!.placement));
    });
  });
});

describe("a locked placement that no longer fits is re-placed, with a warning naming the VM and why", () => {
  const db = smt("db", 4);
  const web = smt("web", 4);
  const lock = lockOf([db, web], run([db, web]).placements);

  test("the VM grew", () => {
    const after = run([smt("db", 8), web], lock);
    expect(after.outcomes.get(db.owner)).toBe("re-placed");
    expect(after.warnings).toEqual([expect.stringMatching(/^PinnedVm "db": its locked placement no longer fits \(vcpus 4 → 8\); re-placed from host CPUs [\d,]+ \(node \d\) to host CPUs [\d,]+ \(node \d\)$/)]);
    expect(json(after.placements.get(web.owner))).toBe(json(lock.get(web.owner)!.placement));
  });

  test("an explicit pin of another VM declared first took one of its CPUs", () => {
    const taken = lock.get(db.owner)!.placement.vcpus[0].hostCpus[0];
    const after = run([vm("pinned", { vcpus: 1, pinning: { vcpus: [[taken]] } }), db, web], lock);
    expect(after.placements.get('PinnedVm "pinned"')!.vcpus[0].hostCpus).toEqual([taken]);
    expect(after.warnings.join("\n")).toMatch(new RegExp(`PinnedVm "db": its locked placement no longer fits \\(pinning.vcpus\\[0\\]: host CPU ${taken} is already pinned by PinnedVm "pinned"`));
  });

  test("the host changed: a locked CPU is now reserved", () => {
    const cpu = lock.get(db.owner)!.placement.vcpus[0].hostCpus[0];
    const ledger = new HostLedger("hv1", twoSocketHost(), { reservedCpus: [...RESERVED, cpu], locked: lock });
    const r = placeWithLock(ledger, db);
    expect(r.lock).toBe("re-placed");
    expect(r.warnings[0].reason).toMatch(new RegExp(`host CPU ${cpu} is reserved for host housekeeping`));
    expect(r.placement!.vcpus.flatMap((v) => v.hostCpus)).not.toContain(cpu);
  });

  test("more hugepages than its node has left keeps nothing it cannot have", () => {
    const after = run([smt("db", 4, { memory: { bytes: 400 * GiB, pageSizeBytes: GiB } })], lock);
    expect(after.placements.has(db.owner)).toBe(false);
  });

  test("explicit pins in the spec win over the lock", () => {
    const after = run([{ ...db, pinning: { vcpus: [[20], [52], [21], [53]] } }], lock);
    expect(after.placements.get(db.owner)!.vcpus.flatMap((v) => v.hostCpus)).toEqual([20, 52, 21, 53]);
    expect(after.outcomes.get(db.owner)).toBe("kept");
  });
});

describe("a lock file virtkit cannot use is an error naming file and entry, never rewritten", () => {
  const db = smt("db", 4);
  const good = () => JSON.parse(formatLockFile({ ...emptyLock(), stacks: { dev: { hosts: { hv1: { vms: { 'PinnedVm "db"': { placement: lockedPlacementOf(run([db]).placements.get(db.owner)!), request: lockedRequestOf(db) } } } }, volumes: {} } } }));

  test("not JSON", () => {
    expect(() => parseLockFile("{ nope", "/p/virtkit.lock.json")).toThrow(/^\/p\/virtkit.lock.json: is not JSON \(.*\); fix the entry or delete it/);
  });
  test("a host CPU that is not a number", () => {
    const f = good();
    f.stacks.dev.hosts.hv1.vms['PinnedVm "db"'].placement.vcpus[1].hostCpus = ["x"];
    const e = (() => { try { parseLockFile(JSON.stringify(f), "virtkit.lock.json"); } catch (err) { return err; } })() as LockFileError;
    expect(e).toBeInstanceOf(LockFileError);
    expect(e.entry).toBe('stacks.dev.hosts.hv1.vms.PinnedVm "db".placement.vcpus[1].hostCpus[0]');
    expect(e.message).toMatch(/^virtkit.lock.json: stacks.dev.hosts.hv1.vms.PinnedVm "db".placement.vcpus\[1\].hostCpus\[0\]: /);
  });
  test("two VMs locked on one host CPU", () => {
    const f = good();
    f.stacks.dev.hosts.hv1.vms['PinnedVm "web"'] = f.stacks.dev.hosts.hv1.vms['PinnedVm "db"'];
    expect(() => parseLockFile(JSON.stringify(f), "virtkit.lock.json")).toThrow(/vms.PinnedVm "web".placement.vcpus: host CPU \d+ is also locked for VM "PinnedVm "db""/);
  });
  test("a bad PCI address, an unknown field, another version", () => {
    const f = good();
    f.stacks.dev.hosts.hv1.vms['PinnedVm "db"'].placement.devices = [{ path: "nics[0]", address: "3b:02.0" }];
    expect(() => parseLockFile(JSON.stringify(f), "l")).toThrow(/placement.devices\[0\].address: expected a PCI address/);
    expect(() => parseLockFile(JSON.stringify({ ...good(), extra: 1 }), "l")).toThrow(/^l: .*extra/);
    expect(() => parseLockFile(JSON.stringify({ ...good(), lockfileVersion: 2 }), "l")).toThrow(/^l: lockfileVersion: /);
  });
  test("the file format round-trips byte for byte", () => {
    const text = formatLockFile(good());
    expect(formatLockFile(parseLockFile(text, "l"))).toBe(text);
  });
});

describe("properties: random add, remove and reorder never move a locked VM", () => {
  const demandArb = (i: number) =>
    fc.record({ cores: fc.integer({ min: 1, max: 4 }), smt: fc.boolean(), gib: fc.integer({ min: 1, max: 4 }), page: fc.constantFrom(undefined, 2 * MiB, GiB), vf: fc.constantFrom(undefined, "enp59s0f0", "enp175s0f0"), spread: fc.boolean() }).map(
      (r): VmDemand => ({
        ...vm(`vm${i}`, { vcpus: r.cores * (r.smt ? 2 : 1), threadsPerCore: r.smt ? 2 : 1, numa: r.spread ? "spread" : "local", memory: { bytes: r.gib * GiB, ...(r.page ? { pageSizeBytes: r.page } : {}) } }),
        devices: r.vf ? [{ kind: "vf", owner: `SriovNic "nic${i}"`, path: "nics[0]", pf: r.vf }] : [],
      }),
    );
  const pool = fc.tuple(...Array.from({ length: 16 }, (_, i) => demandArb(i)));
  const step = fc.record({ keep: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), order: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }) });

  test("over a sequence of edits, each run keeps every VM the lock had, byte for byte", () => {
    fc.assert(
      fc.property(pool, fc.array(step, { minLength: 1, maxLength: 4 }), (demands, steps) => {
        let lock = new Map<string, LockedEntry>();
        for (const { keep, order } of steps) {
          const declared = demands.filter((_, i) => keep[i]).map((d, i) => ({ d, k: order[i] })).sort((a, b) => a.k - b.k).map((x) => x.d);
          const { placements } = run(declared, lock);
          for (const d of declared) {
            const was = lock.get(d.owner);
            if (was) expect(json(placements.get(d.owner))).toBe(json(was.placement));
          }
          lock = lockOf(declared, placements);
        }
      }),
      { numRuns: 60 },
    );
  });
});
