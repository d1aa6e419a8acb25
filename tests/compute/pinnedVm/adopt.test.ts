import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importDomain } from "../../../sdk/src/import";
import { renderImported } from "../../../sdk/src/cli/import/importRoundTrip";
import { captureChildren, registration, settle, valueOf } from "../../support/mocks";
import { resources, uniq, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

const UUID = "6f1c2a4e-3b7d-4c2a-9e51-0a8d2f4b7c19";

describe("PinnedVm adopt: an existing domain imported, not created", () => {
  it("registers its Domain with Pulumi's import option set to the domain's UUID", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const domain = captureChildren("libvirt:index/domain:Domain");
    const name = uniq("adopted");
    const vm = new virtkit.PinnedVm(name, { host, vcpus: 2, pinning: { vcpus: ["2", "3"] }, memory: { size: "1GiB" }, adopt: { uuid: UUID } }, { transformations: [domain.transformation] });
    await valueOf(vm.domainXml);
    expect((domain.byName(name)?.opts as { import?: string } | undefined)?.import).toBe(UUID);
    // the component's own inputs stay empty: the UUID is an option of the Domain, not state
    expect((await registration(resources, "virtkit:index:PinnedVm", name)).inputs).toEqual({});
  });

  it("leaves a VM without adopt to be created", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const domain = captureChildren("libvirt:index/domain:Domain");
    const name = uniq("fresh");
    const vm = new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" } }, { transformations: [domain.transformation] });
    await valueOf(vm.domainXml);
    expect((domain.byName(name)?.opts as { import?: string } | undefined)?.import).toBeUndefined();
  });

  it("refuses what is no UUID, naming the field, before anything registers", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const name = uniq("bad");
    expect(() => new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" }, adopt: { uuid: "42" } })).toThrow(/adopt\.uuid: expected the domain's UUID/);
    await settle();
    expect(resources.some((r) => r.name === name)).toBe(false);
  });

  it("given what virtkit import read, registers the domain XML the pure mapping renders", async () => {
    const imported = importDomain(readFileSync(join(__dirname, "..", "..", "fixtures", "import", "nfv-guest.xml"), "utf8"));
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const s = imported.spec;
    const memory = new virtkit.HugepageMemory(uniq("mem"), imported.hugepageMemory!);
    const nics = (s.nics ?? []).map((n) => (n.type === "vf" ? new virtkit.SriovNic(uniq("vf"), { host, vf: { address: n.address }, mac: n.mac, vlan: n.vlan, trust: n.trust }) : n));
    const hostdevs = (s.hostdevs ?? []).map((h) => new virtkit.PciPassthrough(uniq("dev"), { host, address: h.address }));
    const vm = new virtkit.PinnedVm(uniq("nfv"), { ...s, name: undefined, domainName: imported.domainName, host, memory, nics, hostdevs, adopt: { uuid: imported.uuid! } } as never);
    expect(await valueOf(vm.domainXml)).toBe(renderImported(imported));
  });
});
