import { COMPONENTS } from "../../sdk/src/components";
import { joinPath } from "../../sdk/src/errors";
import { argSchemas, optionalObjectFields } from "../../sdk/src/program/nullArgs";
import type { ComponentKind } from "../../sdk/src/program/componentContract";
import { settle } from "../support/mocks";
import { capabilities, devices, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

/**
 * Issue 20, first class: `null` where an optional field is expected. TypeScript's `?:` takes
 * undefined only; null once crashed some components (`cloudInit: null`, `boot: null`) and was
 * taken as "absent" by others (`cpu: null`, `encryption: null`). Every optional object field
 * of every component's contract is tried, so a field added later is tried too.
 */

/** Valid arguments of each kind, on a fresh host with the two-socket facts. */
function validArgs(kind: ComponentKind): Record<string, unknown> {
  const host = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
  const of: Record<ComponentKind, () => Record<string, unknown>> = {
    LibvirtHost: () => ({ uri: uniqueUri(), capabilities, devices }),
    HugepageMemory: () => ({ size: "2GiB", pageSize: "2MiB" }),
    Qcow2Volume: () => ({ host: host(), pool: "default", size: "1GiB" }),
    SriovNic: () => ({ host: host(), pf: "enp59s0f0" }),
    PciPassthrough: () => ({ host: host(), address: "0000:d8:00.0" }),
    PinnedVm: () => ({ host: host(), vcpus: 1, memory: { size: "1GiB" } }),
    VirtualNetwork: () => ({ host: host(), mode: "nat", ipv4: { address: "192.168.100.1/24" } }),
    StoragePool: () => ({ host: host(), type: "dir", path: "/srv/images" }),
    StorageSecret: () => ({ host: host(), type: "ceph", usage: "client.libvirt secret", value: "QVFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=" }),
  };
  return of[kind]();
}

/** `args` with `null` at `path`, the containers on the way made (an object, or a list of one). */
function withNullAt(args: Record<string, unknown>, path: (string | number)[]): Record<string, unknown> {
  let at: Record<string | number, unknown> = args;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      at[segment] = null;
      return;
    }
    const next = path[i + 1];
    const existing = at[segment];
    if (typeof next === "number") at[segment] = Array.isArray(existing) && typeof existing[0] === "object" ? existing : [{}];
    else if (typeof existing !== "object" || existing === null || Array.isArray(existing)) at[segment] = {};
    else at[segment] = { ...existing };
    at = at[segment] as Record<string | number, unknown>;
  });
  return args;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// every optional field (the object ones are what issue 20 found; the others cost nothing more)
const cases = COMPONENTS.flatMap(({ contract, construct }) => {
  const objects = new Set(optionalObjectFields(argSchemas(contract)).map(joinPath));
  const optional = optionalObjectFields(argSchemas(contract), 4, false);
  return optional.map((path) => ({ kind: contract.kind, construct, path, object: objects.has(joinPath(path)) }));
});

describe("null where an optional object is expected", () => {
  it("finds the optional object fields of the contracts (the loop below is not empty)", () => {
    const paths = cases.filter((c) => c.object).map((c) => `${c.kind}.${joinPath(c.path)}`);
    for (const known of ["PinnedVm.cpu", "PinnedVm.cpu.topology", "PinnedVm.boot", "PinnedVm.cloudInit", "PinnedVm.memory.hugepages", "PinnedVm.nics[0].virtualport", "Qcow2Volume.encryption", "Qcow2Volume.baseImage", "SriovNic.vf", "VirtualNetwork.ipv4.dhcp"]) {
      expect(paths).toContain(known);
    }
  });

  it.each(cases.map((c) => [`${c.kind} ${joinPath(c.path)}`, c] as const))("%s: null is refused at its path, before anything registers", async (_, { kind, construct, path, object }) => {
    const name = uniq(`null-${kind.toLowerCase()}-`);
    const args = withNullAt(validArgs(kind), path);
    const before = resources.length;
    let error: unknown;
    try {
      construct(name, args as never, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(virtkit.VirtkitValidationError);
    const expected = object ? "(an object|.* or an object|an object or .*)" : ".+";
    expect((error as Error).message).toMatch(new RegExp(`${kind} "${escape(name)}": .*${escape(joinPath(path))}: expected ${expected}, got null \\(null is not absent`));
    await settle();
    expect(resources.slice(before).filter((r) => r.name.startsWith(name))).toEqual([]);
  });

  it("null in a field of another type is refused too, saying what the field takes", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
    const vm = (extra: Record<string, unknown>) => () => new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, ...extra } as never);
    expect(vm({ running: null })).toThrow(/running: expected true or false, got null/);
    expect(vm({ disks: null })).toThrow(/disks: expected a list, got null/);
    expect(vm({ disks: [null] })).toThrow(/disks\[0\]: expected a Qcow2Volume or an object, got null/);
    expect(vm({ chipset: null })).toThrow(/chipset: expected one of "q35", "i440fx", got null/);
    expect(() => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities: null } as never)).toThrow(/capabilities: expected a string, got null/);
    expect(() => new virtkit.HugepageMemory(uniq("mem"), { size: "2GiB", pageSize: "2MiB", hostNodes: null } as never)).toThrow(/hostNodes: .*got null/);
  });

  it("null once taken as absent is refused: pinning, a user's sudo, a network's or pool's name, another NIC type's field", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
    const vm = (extra: Record<string, unknown>) => () => new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, ...extra } as never);
    // these planned a VM (unpinned; sudo on) as if the field were left out
    expect(vm({ pinning: null })).toThrow(/pinning: expected .*, got null/);
    expect(vm({ cloudInit: { users: [{ name: "ops", sshAuthorizedKeys: [], sudo: null }] } })).toThrow(/cloudInit\.users\[0\]\.sudo: expected true or false, got null/);
    expect(vm({ nics: [{ type: "network", network: "default", vlan: null }] })).toThrow(/nics\[0\]\.vlan: expected a number, got null/);
    // these named the libvirt object after the component
    expect(() => new virtkit.VirtualNetwork(uniq("net"), { host, mode: "isolated", name: null } as never)).toThrow(/VirtualNetwork .*: name: expected a string, got null/);
    expect(() => new virtkit.StoragePool(uniq("pool"), { host, type: "dir", path: "/srv/x", name: null } as never)).toThrow(/StoragePool .*: name: expected a string, got null/);
  });

  it("every null of one program is listed in one error", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, cpu: null, boot: null, cloudInit: null } as never)).toThrow(
      /3 problems\n {2}- cpu: expected an object, got null.*\n {2}- boot: expected an object, got null.*\n {2}- cloudInit: expected an object, got null/,
    );
  });
});
