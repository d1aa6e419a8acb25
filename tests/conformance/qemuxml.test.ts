import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderVm } from "../../sdk/src/render";
import type { VmSpecInput } from "../../sdk/src/schema/vm";
import { argValues, describeWith, hostHasKvm, jsonArgs, mountedHugepageSizes, qemuArgv } from "../support/libvirt";
import { vmSpec } from "../support/vms";

/**
 * libvirt's own QEMU-driver test cases (../shared/conformance/libvirt-qemuxml) as a peer's
 * test suite: for each case virtkit's typed API can express, the spec below says the same
 * thing as the case's XML, and the QEMU command line our XML gets from the real QEMU
 * driver must have the same structure as the one in libvirt's expected output (memory
 * backends, NUMA nodes, topology, CPU flags). Literal paths and ids differ by design
 * (libvirt's harness mocks hugetlbfs mounts at /dev/hugepages2M and a 4-node host).
 */
const corpus = join(__dirname, "..", "..", "..", "shared", "conformance", "libvirt-qemuxml");

const cases: Record<string, VmSpecInput> = {
  "hugepages-numa-default-2M": {
    name: "c1", vcpus: 2, domainType: "qemu", chipset: "i440fx",
    cpu: { mode: "custom", model: "qemu64", check: "none" },
    memory: { size: "1GiB", hugepages: { pageSize: "2MiB" } },
    numa: { cells: [{ cpus: "0", memory: "256MiB" }, { cpus: "1", memory: "768MiB" }] },
  },
  "hugepages-numa-nodeset-part": {
    name: "c2", vcpus: 2, domainType: "qemu", chipset: "i440fx",
    cpu: { mode: "custom", model: "qemu64", check: "none" },
    memory: { size: "1GiB", hugepages: { pageSize: "1GiB", guestNodes: "1" } },
    // cell 1 is 768 MiB in the case: not a whole number of 1 GiB pages, which virtkit refuses
    numa: { cells: [{ cpus: "0", memory: "256MiB" }, { cpus: "1", memory: "768MiB" }] },
  },
  "numatune-system-memory": {
    name: "c3", vcpus: 2, domainType: "qemu", chipset: "i440fx",
    cpu: { mode: "custom", model: "qemu64", check: "none" },
    memory: { size: "214MiB" },
    numa: { mode: "strict", hostNodes: "0" },
  },
  "cpu-topology2": {
    name: "c4", vcpus: 6, domainType: "qemu", chipset: "i440fx",
    cpu: { mode: "custom", model: "qemu64", check: "none", topology: { sockets: 1, dies: 1, cores: 2, threads: 3 } },
    memory: { size: 219100 * 1024 },
  },
  "cpu-host-passthrough-features": {
    name: "c5", vcpus: 1, domainType: "kvm", chipset: "i440fx",
    cpu: { mode: "host-passthrough", features: [{ name: "abm", policy: "require" }, { name: "ds", policy: "force" }, { name: "invtsc", policy: "disable" }] },
    memory: { size: 219100 * 1024 },
  },
};

/** The structure of a QEMU command line that a domain's compute and memory decide. */
function structure(argv: string[]) {
  const pageClass = (path: unknown) => (typeof path !== "string" ? undefined : /hugepages1G/.test(path) ? "1G" : /hugepages/.test(path) ? "2M" : "other");
  return {
    smp: argValues(argv, "-smp").map((s) => s.replace(",clusters=1", "")),
    cpu: argValues(argv, "-cpu"),
    numa: argValues(argv, "-numa"),
    backends: jsonArgs(argv, "-object")
      .filter((o) => String(o["qom-type"]).startsWith("memory-backend"))
      .map((o) => ({ type: o["qom-type"], id: o.id, size: o.size, pages: pageClass(o["mem-path"]), hostNodes: o["host-nodes"], policy: o.policy, share: o.share })),
  };
}

function expectedArgv(name: string): string[] {
  const line = readFileSync(join(corpus, `${name}.x86_64-latest.args`), "utf8").replace(/\\\n/g, " ");
  const words: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2]);
  return words;
}

if (!existsSync(corpus) && process.env.CI) throw new Error(`the conformance corpus is missing at ${corpus}`);

const describeCorpus = existsSync(corpus) ? (name: string, body: () => void) => describeWith("qemuDaemon", name, body) : describe.skip;

describeCorpus("libvirt's own QEMU-driver cases, said in virtkit's API", () => {
  it.each(Object.keys(cases).filter((c) => c !== "hugepages-numa-nodeset-part"))("%s: same QEMU command-line structure as libvirt's expected output", (name) => {
    const ours = structure(qemuArgv(renderVm(vmSpec(cases[name])).xml));
    const theirs = structure(expectedArgv(name));
    // Without KVM, a host-passthrough CPU is judged as its TCG counterpart (-cpu max), features
    // and all; `migratable` is a property of KVM's host CPU only.
    if (!hostHasKvm()) theirs.cpu = theirs.cpu.map((c) => c.replace(/^host(,migratable=on)?/, "max"));
    // pc.ram's size is rounded by QEMU's alignment in both; the harness's mocked host decides nothing here
    expect(ours).toEqual(theirs);
  });

  it("hugepages-numa-nodeset-part: the only difference is a cell virtkit refuses to leave on partial 1 GiB pages", () => {
    expect(() => vmSpec(cases["hugepages-numa-nodeset-part"])).toThrow(/numa.cells\[1\].memory: 768MiB is not a whole number of 1GiB pages/);
    const fixed = { ...cases["hugepages-numa-nodeset-part"], memory: { size: "1280MiB", hugepages: { pageSize: "1GiB" as const, guestNodes: "1" } }, numa: { cells: [{ cpus: "0", memory: "256MiB" }, { cpus: "1", memory: "1GiB" }] } };
    const theirs = structure(expectedArgv("hugepages-numa-nodeset-part"));
    const has1G = mountedHugepageSizes().includes(1024 ** 2);
    // Without a 1 GiB hugetlbfs mount libvirt refuses the pages, in its words; the layout is then judged on 2 MiB pages.
    if (!has1G) expect(() => qemuArgv(renderVm(vmSpec(fixed)).xml)).toThrow(/Unable to find any usable hugetlbfs mount for 1048576 KiB/);
    const onThisHost = has1G ? fixed : { ...fixed, memory: { ...fixed.memory, hugepages: { ...fixed.memory.hugepages, pageSize: "2MiB" as const } } };
    const ours = structure(qemuArgv(renderVm(vmSpec(onThisHost)).xml));
    expect(ours.backends.map((b) => [b.type, b.id, b.pages])).toEqual(theirs.backends.map((b) => [b.type, b.id, has1G || b.pages !== "1G" ? b.pages : "2M"]));
    expect(ours.numa).toEqual(theirs.numa);
  });
});
