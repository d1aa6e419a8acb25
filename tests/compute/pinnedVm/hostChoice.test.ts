import fc from "fast-check";
import { settle } from "../../support/mocks";
import { planOnFirstFit } from "../../../sdk/src/compute/pinnedVm/hostChoice";
import { planVm } from "../../../sdk/src/compute/pinnedVm/plan";
import { capabilities, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";
import { setProgramLock } from "../../../sdk/src/program/runContext";

useMockedVirtkit();

/** A host of the two-socket fixture (64 CPUs on 2 nodes). */
function hostWith(name: string) {
  return new virtkit.LibvirtHost(uniq(name), { uri: uniqueUri(), capabilities });
}
const domainOf = (vm: string) => resources.find((r) => r.type === "libvirt:index/domain:Domain" && r.name === vm);

describe("a VM that names several hosts", () => {
  it("is placed on the first host where it fits, and the next VM on the next when the first is full", async () => {
    const [a, b] = [hostWith("a"), hostWith("b")];
    // 30 vCPUs fill most of one node of 32 CPUs: two such VMs fill a, the third goes to b
    const vms = ["one", "two", "three"].map((n) => new virtkit.PinnedVm(uniq(n), { host: [a, b], vcpus: 30, memory: { size: "1GiB" } }));
    const hosts = await Promise.all(vms.map((vm) => new Promise<string>((r) => vm.placement.apply((p) => r((p as { host: string }).host)))));
    expect(hosts).toEqual([a.hostName, a.hostName, b.hostName]);
  });

  it("that fits on none is refused with each host's reason, before anything registers", async () => {
    const [a, b] = [hostWith("a"), hostWith("b")];
    const name = uniq("huge");
    let error: Error | undefined;
    try {
      new virtkit.PinnedVm(name, { host: [a, b], vcpus: 200, memory: { size: "1GiB" } });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(`host: does not fit on ${a.hostName}:`);
    expect(error?.message).toContain(`host: does not fit on ${b.hostName}:`);
    await settle();
    expect(domainOf(name)).toBeUndefined();
  });

  it("refuses an empty list and a hypervisor given twice, naming the field", () => {
    const a = hostWith("a");
    expect(() => new virtkit.PinnedVm(uniq("none"), { host: [], vcpus: 1, memory: { size: "1GiB" } })).toThrow(/host: an empty list of hosts/);
    expect(() => new virtkit.PinnedVm(uniq("twice"), { host: [a, a], vcpus: 1, memory: { size: "1GiB" } })).toThrow(/host\[1\]: .* is already host\[0\]; each hypervisor once/);
  });

  it("stays on the host the placement lock has it on, whatever the list's order; a lock naming a host no longer listed is an error", async () => {
    const [a, b] = [hostWith("a"), hostWith("b")];
    const name = uniq("kept");
    setProgramLock({ file: "virtkit.lock.json", stack: "test", exists: true, section: { hosts: { [b.hostName]: { vms: { [name]: {} } } } } as never });
    try {
      const vm = new virtkit.PinnedVm(name, { host: [a, b], vcpus: 2, memory: { size: "1GiB" } });
      const at = await new Promise((r) => vm.placement.apply(r));
      expect((at as { host: string }).host).toBe(b.hostName);
      const c = hostWith("c");
      expect(() => new virtkit.PinnedVm(name + "x", { host: [a, c], vcpus: 2, memory: { size: "1GiB" } })).not.toThrow();
      setProgramLock({ file: "virtkit.lock.json", stack: "test", exists: true, section: { hosts: { [b.hostName]: { vms: { [`${name}-gone`]: {} } } } } as never });
      expect(() => new virtkit.PinnedVm(`${name}-gone`, { host: [a, c], vcpus: 2, memory: { size: "1GiB" } })).toThrow(
        new RegExp(`host: the placement lock virtkit.lock.json has this VM on ${b.hostName}, which is not in its list of hosts`),
      );
    } finally {
      setProgramLock(null);
    }
  });
});

describe("first fit over a list of hosts rules full hosts out from free counts", () => {
  const shapes = [
    { vcpus: 2, memory: { size: "4GiB" } },
    { vcpus: 2, iothreads: 1, cpu: { topology: { sockets: 1, cores: 1, threads: 2 } }, memory: { size: "1GiB", hugepages: { pageSize: "2MiB" as const } } },
    { vcpus: 6, memory: { size: "2GiB", hugepages: { pageSize: "1GiB" as const } } },
    { vcpus: 8, cpu: { topology: { sockets: 1, cores: 4, threads: 2 } }, memory: { size: "2GiB" } },
    { vcpus: 24, numa: { allowSpanning: true, cells: [{ cpus: "0-11", memory: "1GiB" }, { cpus: "12-23", memory: "1GiB" }] }, memory: { size: "2GiB" } },
  ];

  it("picks the host a full plan on each host in order would pick, for random sequences of shapes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: shapes.length - 1 }), { minLength: 10, maxLength: 30 }), (picks) => {
        const hosts = [hostWith("p"), hostWith("q"), hostWith("r")];
        for (const k of picks) {
          const name = uniq("fit");
          const args = { host: hosts, ...shapes[k] };
          // the slow path, by definition: the first host whose full plan succeeds
          const expected = hosts.find((host) => {
            try {
              planVm(name, { ...args, host });
              return true;
            } catch {
              return false;
            }
          });
          let chosen: string | undefined;
          try {
            chosen = planOnFirstFit(name, args, `PinnedVm "${name}"`).host.hostName;
            new virtkit.PinnedVm(name, args);
          } catch {
            chosen = undefined;
          }
          expect(chosen).toBe(expected?.hostName);
        }
      }),
      { numRuns: 6 },
    );
  });

  it("still gives each host's reason from its full plan when the VM fits on none", () => {
    const [a, b] = [hostWith("a"), hostWith("b")];
    for (const host of [a, b]) for (let i = 0; i < 2; i++) new virtkit.PinnedVm(uniq("filler"), { host, vcpus: 32, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm(uniq("late"), { host: [a, b], vcpus: 2, memory: { size: "1GiB" } })).toThrow(
      new RegExp(`does not fit on ${a.hostName}: .*no single host node can hold 2 vCPUs.*\\n.*does not fit on ${b.hostName}: .*no single host node can hold 2 vCPUs`, "s"),
    );
  });
});
