import { HostModelError, parseCapabilities } from "../../sdk/src/host";
import { GiB, KiB, MiB } from "../../sdk/src/schema/units";
import { readFixture } from "./fixtures";

describe("parseCapabilities on the two-socket server", () => {
  const host = parseCapabilities(readFixture("two-socket", "capabilities.xml"));

  test("finds 64 CPUs on 2 NUMA nodes of 32", () => {
    expect(host.cpus).toHaveLength(64);
    expect(host.nodes.map((n) => [n.id, n.cpuIds.length])).toEqual([[0, 32], [1, 32]]);
  });

  test("numbers CPUs like a real Intel host: node 0 holds 0-15 and 32-47", () => {
    const expected = [...Array.from({ length: 16 }, (_, i) => i), ...Array.from({ length: 16 }, (_, i) => 32 + i)];
    expect(host.nodes[0].cpuIds).toEqual(expected);
  });

  test("makes CPU n and n+32 thread siblings", () => {
    for (let n = 0; n < 32; n++) {
      expect(host.cpus[n].siblings).toEqual([n, n + 32]);
      expect(host.cpus[n + 32].siblings).toEqual([n, n + 32]);
    }
  });

  test("keeps socket ids and the sparse core ids real Xeons report", () => {
    expect(host.cpus[22]).toMatchObject({ socketId: 1, dieId: 0, coreId: 8, node: 1 });
    expect(host.cpus[6].coreId).toBe(8);
    expect(host.cpus[38].coreId).toBe(8);
  });

  test("reads the page pools of each node in bytes and pages", () => {
    expect(host.nodes[0].pages).toEqual([
      { sizeBytes: 4 * KiB, count: 43866633 },
      { sizeBytes: 2 * MiB, count: 2048 },
      { sizeBytes: GiB, count: 16 },
    ]);
    expect(host.nodes[1].pages.slice(1)).toEqual([
      { sizeBytes: 2 * MiB, count: 4096 },
      { sizeBytes: GiB, count: 8 },
    ]);
  });

  test("reads node memory in bytes from KiB", () => {
    expect(host.nodes[0].memoryBytes).toBe(196438052 * KiB);
  });

  test("reads the node distances", () => {
    expect(host.nodes[0].distances).toEqual({ 0: 10, 1: 21 });
    expect(host.nodes[1].distances).toEqual({ 0: 21, 1: 10 });
  });

  test("has no PCI devices without nodedev documents", () => {
    expect(host.pciDevices).toEqual([]);
  });
});

describe("parseCapabilities on other hosts", () => {
  test("parses libvirt's test:///default host: 2 nodes, 16 CPUs, no SMT", () => {
    const host = parseCapabilities(readFixture("test-default.capabilities.xml"));
    expect(host.cpus).toHaveLength(16);
    expect(host.nodes.map((n) => n.cpuIds)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]);
    expect(host.cpus.every((c) => c.siblings.length === 1 && c.siblings[0] === c.id)).toBe(true);
    expect(host.nodes[1].memoryBytes).toBe(4 * GiB);
  });

  test("turns a host without <topology> into node 0 with the CPUs of <cpu><topology>", () => {
    const host = parseCapabilities(readFixture("no-topology.capabilities.xml"));
    expect(host.nodes).toHaveLength(1);
    expect(host.nodes[0].id).toBe(0);
    expect(host.nodes[0].cpuIds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(host.cpus[1].siblings).toEqual([1, 5]);
  });

  test("reports no free hugepages on a host without <topology>, as the pools are unknown", () => {
    const host = parseCapabilities(readFixture("no-topology.capabilities.xml"));
    expect(host.nodes[0].pages.map((p) => [p.sizeBytes, p.count])).toEqual([[4 * KiB, 0], [2 * MiB, 0], [GiB, 0]]);
  });

  test("gives a host without any topology one node 0 and no CPUs", () => {
    const host = parseCapabilities("<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>");
    expect(host.nodes.map((n) => n.id)).toEqual([0]);
    expect(host.cpus).toEqual([]);
  });

  test("treats a CPU without topology attributes as its own core", () => {
    const host = parseCapabilities(
      "<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='2'><cpu id='0'/><cpu id='1'/></cpus></cell></cells></topology></host></capabilities>",
    );
    expect(host.cpus.map((c) => [c.id, c.coreId, c.siblings])).toEqual([[0, 0, [0]], [1, 1, [1]]]);
  });
});

describe("parseCapabilities refuses what is not capabilities XML", () => {
  test("rejects text that is not XML, with the line", () => {
    expect(() => parseCapabilities("<capabilities><host></capabilities>")).toThrow(/capabilities document is not well-formed XML \(line 1/);
  });

  test("rejects an empty document", () => {
    expect(() => parseCapabilities("  ")).toThrow(new HostModelError("capabilities document is empty"));
  });

  test("rejects a nodedev document and says where it belongs", () => {
    expect(() => parseCapabilities(readFixture("two-socket", "nodedev", "pci_0000_3b_00_0.xml"))).toThrow(
      "capabilities document has root element <device>, expected <capabilities> (that is a nodedev document; pass it in the device list)",
    );
  });

  const cell = (cpu: string, memory = "<memory unit='KiB'>1024</memory>") =>
    `<capabilities><host><topology><cells num='1'><cell id='0'>${memory}<cpus num='1'>${cpu}</cpus></cell></cells></topology></host></capabilities>`;

  test.each([
    ["a negative CPU id", cell("<cpu id='-3'/>"), /<cpu> id: "-3" is not a whole number of zero or more/],
    ["a CPU id past libvirt's limit", cell("<cpu id='99999'/>"), /CPU id 99999 exceeds libvirt's limit of 16383/],
    ["a unit that is an Object property", cell("<cpu id='0'/>", "<memory unit='constructor'>1</memory>"), /unknown unit "constructor"/],
    [
      "a topology of millions of CPUs in a hundred bytes",
      "<capabilities><host><cpu><topology sockets='2048' cores='2048' threads='8'/></cpu></host></capabilities>",
      /2048×1×2048×8 CPUs exceed libvirt's limit of 16384/,
    ],
  ])("rejects %s: host facts are input too", (_label, xml, message) => {
    expect(() => parseCapabilities(xml)).toThrow(message);
  });

  test("rejects domain capabilities by name", () => {
    expect(() => parseCapabilities("<domainCapabilities/>")).toThrow(/use `virsh capabilities`/);
  });

  test("throws HostModelError, an Error", () => {
    let caught: unknown;
    try {
      parseCapabilities("<domain/>");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HostModelError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe("HostModelError");
  });

  test("rejects a CPU listed in two cells", () => {
    const xml =
      "<capabilities><host><topology><cells num='2'>" +
      "<cell id='0'><cpus num='1'><cpu id='0'/></cpus></cell>" +
      "<cell id='1'><cpus num='1'><cpu id='0'/></cpus></cell>" +
      "</cells></topology></host></capabilities>";
    expect(() => parseCapabilities(xml)).toThrow("host CPU 0 appears in two cells");
  });

  test("rejects a sibling that is no CPU of the host", () => {
    const xml =
      "<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='1'>" +
      "<cpu id='0' socket_id='0' core_id='0' siblings='0,8'/></cpus></cell></cells></topology></host></capabilities>";
    expect(() => parseCapabilities(xml)).toThrow("host CPU 0 lists sibling 8, which is not a CPU of any cell");
  });

  test("rejects a memory unit it does not know", () => {
    const xml = "<capabilities><host><topology><cells num='1'><cell id='0'><memory unit='parsecs'>1</memory></cell></cells></topology></host></capabilities>";
    expect(() => parseCapabilities(xml)).toThrow('capabilities cell 0 <memory>: unknown unit "parsecs"');
  });
});
