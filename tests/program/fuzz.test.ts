import fc from "fast-check";
import { settle } from "../support/mocks";
import { virtXmlValidate } from "../support/libvirt";
import { capabilities, resources, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

/**
 * Hostile input: a valid PinnedVm's arguments with one part replaced by an arbitrary
 * JSON-shaped value (null, wrong types, empty and odd containers). Each case either plans
 * a VM whose domain XML libvirt's schema accepts, or throws a VirtkitValidationError naming
 * the VM, before any resource of it registers; never anything else.
 */
const valid = () => ({
  vcpus: 4,
  cpu: { mode: "host-passthrough", topology: { sockets: 1, cores: 2, threads: 2 }, features: [{ name: "invtsc", policy: "require" }] },
  pinning: "auto",
  iothreads: 1,
  memory: { size: "4GiB", hugepages: { pageSize: "1GiB" }, locked: true },
  numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }], mode: "strict", allowSpanning: true },
  disks: [{ source: { file: "/var/lib/libvirt/images/a.qcow2" }, iothread: 1 }],
  nics: [{ type: "network", network: "default", mac: "52:54:00:00:00:01" }],
  chipset: "q35",
  emulator: "housekeeping",
  expanderBuses: "auto",
  strictLocality: false,
  running: true,
});

/** Every path into the valid arguments: where a mutation may land. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  if (path.length === 0) return value as Record<string, unknown>;
  const copy = structuredClone(root);
  let node: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

const hostile = fc.oneof(
  fc.constantFrom(null, undefined, "", "abc", 0, -1, 1.5, 1e308, NaN, true, [], {}, [null], { x: null }, "auto", "none", "\u0001\u0002", "../etc", "4096"),
  fc.jsonValue({ maxDepth: 2 }),
);
const allPaths = paths(valid());
const mutation = fc.record({ path: fc.constantFrom(...allPaths), value: hostile });

describe("PinnedVm with one hostile part", () => {
  const accepted: string[] = [];
  let n = 0;

  it("plans or refuses with a VirtkitValidationError, registering nothing when it refuses", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async ({ path, value }) => {
        const name = `fuzz${++n}`;
        // a host of its own, so each case is judged on its input, not on a host filled by earlier cases
        const host = new virtkit.LibvirtHost(`fuzz-host${n}`, { uri: uniqueUri(), capabilities, reservedCpus: "0-1,32-33" });
        const args = { ...setAt(valid(), path, value), host };
        let vm: InstanceType<typeof virtkit.PinnedVm> | undefined;
        try {
          vm = new virtkit.PinnedVm(name, args as never);
        } catch (e) {
          if (!(e instanceof virtkit.VirtkitValidationError)) throw new Error(`${path.join(".")} = ${JSON.stringify(value)}: ${(e as Error).stack}`);
          expect(e.message).toContain(`PinnedVm "${name}"`);
          await settle();
          expect(resources.filter((r) => r.name === name)).toEqual([]);
          return;
        }
        const xml = virtkit.plannedVms().find((p) => p.component === `PinnedVm "${name}"`)!.domainXml;
        if (accepted.length < 40 && !accepted.includes(xml)) accepted.push(xml);
        expect(vm).toBeDefined();
      }),
      // npm run fuzz: 10,000 cases and a seed of its own; CI runs these 1,000, always the same
      { numRuns: Number(process.env.VIRTKIT_FUZZ_RUNS ?? 1000), seed: Number(process.env.VIRTKIT_FUZZ_SEED ?? 20261130) },
    );
    expect(accepted.length).toBeGreaterThan(0);
  }, 10 * 60 * 1000);

  it("and what it plans, libvirt's schema accepts", () => {
    for (const xml of accepted) expect(virtXmlValidate(xml, "domain").output).toContain("validates");
  });
});

describe("every component without a real host", () => {
  const hosts: [string, unknown][] = [
    ["a missing host", undefined],
    ["a string host", "hv1"],
    ["an Output host", undefined],
  ];
  it.each(hosts)("refuses %s, naming host, before registering", async (label, given) => {
    const host = label === "an Output host" ? (await import("@pulumi/pulumi")).output("hv1") : given;
    const makers: [string, () => unknown][] = [
      ["PinnedVm", () => new virtkit.PinnedVm(`h-vm-${label}`, { host, vcpus: 1, memory: { size: "1GiB" } } as never)],
      ["Qcow2Volume", () => new virtkit.Qcow2Volume(`h-vol-${label}`, { host, pool: "default", size: "1GiB" } as never)],
      ["SriovNic", () => new virtkit.SriovNic(`h-nic-${label}`, { host, pf: "enp59s0f0" } as never)],
      ["PciPassthrough", () => new virtkit.PciPassthrough(`h-pci-${label}`, { host, address: "0000:af:00.0" } as never)],
    ];
    for (const [kind, make] of makers) {
      expect(make).toThrow(new RegExp(`^${kind} "h-\\w+-${label}": host: expected a LibvirtHost: ${label === "an Output host" ? "an Output; virtkit places" : label === "a missing host" ? "missing" : "a string, not a LibvirtHost"}`));
    }
    await settle();
    expect(resources.filter((r) => r.name.includes(label))).toEqual([]);
  });
});
