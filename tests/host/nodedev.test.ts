import { buildHostModel, HostModelError, parseNodedevs } from "../../sdk/src/host";
import { formatPciAddress, parsePciAddress } from "../../sdk/src/schema/pci";
import { readFixture, twoSocketNodedevs } from "./fixtures";

const devices = parseNodedevs(twoSocketNodedevs());
const at = (a: string) => devices.find((d) => formatPciAddress(d.address) === a)!;

describe("parseNodedevs on the two-socket server", () => {
  test("finds both PFs, their 12 VFs and the GPU, sorted by address", () => {
    expect(devices.map((d) => formatPciAddress(d.address))).toEqual([
      "0000:3b:00.0",
      ...Array.from({ length: 8 }, (_, f) => `0000:3b:02.${f}`),
      "0000:af:00.0",
      ...Array.from({ length: 4 }, (_, f) => `0000:af:02.${f}`),
      "0000:d8:00.0",
    ]);
  });

  test("gives PF enp59s0f0 on node 0 its 8 VFs 0000:3b:02.0-02.7", () => {
    const pf = at("0000:3b:00.0");
    expect(pf).toMatchObject({ name: "pci_0000_3b_00_0", node: 0, iommuGroup: 36, netdevs: ["enp59s0f0"], vendor: "Intel Corporation" });
    expect(pf.sriov!.maxCount).toBe(64);
    expect(pf.sriov!.virtualFunctions.map(formatPciAddress)).toEqual(Array.from({ length: 8 }, (_, f) => `0000:3b:02.${f}`));
  });

  test("gives PF enp175s0f0 on node 1 its 4 VFs 0000:af:02.0-02.3", () => {
    const pf = at("0000:af:00.0");
    expect(pf).toMatchObject({ node: 1, netdevs: ["enp175s0f0"] });
    expect(pf.sriov!.virtualFunctions.map(formatPciAddress)).toEqual(["0000:af:02.0", "0000:af:02.1", "0000:af:02.2", "0000:af:02.3"]);
  });

  test("links each VF to its PF, on the PF's node, in an IOMMU group of its own", () => {
    const vf = at("0000:3b:02.3");
    expect(vf.physicalFunction).toEqual(parsePciAddress("0000:3b:00.0"));
    expect(vf).toMatchObject({ node: 0, iommuGroup: 143, netdevs: [], product: "Ethernet Virtual Function 700 Series" });
    expect(vf.sriov).toBeUndefined();
    const groups = devices.map((d) => d.iommuGroup);
    expect(new Set(groups).size).toBe(groups.length);
  });

  test("finds the GPU on node 1 with its IOMMU group", () => {
    expect(at("0000:d8:00.0")).toMatchObject({ node: 1, iommuGroup: 110, vendor: "NVIDIA Corporation", product: "TU104GL [Tesla T4]" });
  });

  test("gives the same result whatever the document order", () => {
    expect(parseNodedevs([...twoSocketNodedevs()].reverse())).toEqual(devices);
  });

  test("knows a PF's interface name only from its net child document", () => {
    const withoutNet = parseNodedevs(twoSocketNodedevs().filter((x) => !x.includes("<capability type='net'>")));
    expect(withoutNet.find((d) => d.name === "pci_0000_3b_00_0")!.netdevs).toEqual([]);
  });

  test("leaves the NUMA node undefined when the device reports none", () => {
    const xml = "<device><name>pci_0000_00_1f_6</name><capability type='pci'><domain>0</domain><bus>0</bus><slot>31</slot><function>6</function></capability></device>";
    expect(parseNodedevs([xml])[0]).toMatchObject({ node: undefined, iommuGroup: undefined, netdevs: [] });
  });

  test("ignores devices that are not PCI", () => {
    const usb = "<device><name>usb_1_1</name><parent>usb_usb1</parent><capability type='usb_device'><bus>1</bus><device>2</device></capability></device>";
    expect(parseNodedevs([usb])).toEqual([]);
  });
});

describe("parseNodedevs refuses what is not nodedev XML", () => {
  test("rejects capabilities output in the device list, naming the document", () => {
    const docs = [...twoSocketNodedevs().slice(0, 2), readFixture("two-socket", "capabilities.xml")];
    expect(() => parseNodedevs(docs)).toThrow(
      "nodedev document 2 has root element <capabilities>, expected <device> (that is `virsh capabilities` output, not `virsh nodedev-dumpxml`)",
    );
  });

  test("rejects a document that is not XML", () => {
    expect(() => parseNodedevs(["pci_0000_3b_00_0"])).toThrow(HostModelError);
  });

  test("rejects a device without a name", () => {
    expect(() => parseNodedevs(["<device><capability type='pci'/></device>"])).toThrow("nodedev document 0 has no <name>");
  });

  test("rejects the same PCI device given twice", () => {
    const pf = readFixture("two-socket", "nodedev", "pci_0000_3b_00_0.xml");
    expect(() => parseNodedevs([pf, pf])).toThrow("PCI device 0000:3b:00.0 is described by two nodedev documents");
  });

  test("rejects a PCI capability without a bus", () => {
    const xml = "<device><name>pci_x</name><capability type='pci'><domain>0</domain><slot>0</slot><function>0</function></capability></device>";
    expect(() => parseNodedevs([xml])).toThrow("nodedev pci_x: <capability type='pci'> has no valid <bus>");
  });
});

describe("buildHostModel", () => {
  test("joins CPUs, nodes and devices of one host", () => {
    const host = buildHostModel(readFixture("two-socket", "capabilities.xml"), twoSocketNodedevs());
    expect([host.cpus.length, host.nodes.length, host.pciDevices.length]).toEqual([64, 2, 15]);
  });

  test("refuses devices on a NUMA node the host does not have", () => {
    expect(() => buildHostModel(readFixture("test-default.capabilities.xml"), [
      "<device><name>pci_0000_01_00_0</name><capability type='pci'><domain>0</domain><bus>1</bus><slot>0</slot><function>0</function><numa node='3'/></capability></device>",
    ])).toThrow("nodedev pci_0000_01_00_0 is on NUMA node 3, but the capabilities list nodes 0,1; are the documents from the same host?");
  });
});
