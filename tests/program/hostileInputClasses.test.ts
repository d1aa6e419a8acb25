import { settle } from "../support/mocks";
import { resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

/**
 * Classes of hostile programs that once got through (issue 20's held-out corpus): each is now
 * a clear error naming the component and the field, raised before anything registers.
 * Siblings, one class each: hostileNulls (null where an optional field is expected),
 * hostileCrossHost (a part of one host used on another), hostileFacts (a PF, VF or PCI device
 * the host's facts do not list), hostileSizes (sizes no host of the program could hold).
 */
const registered = (name: string) => resources.filter((r) => r.name.startsWith(name));

describe("hostile inputs refused before anything registers", () => {
  it("an empty component name, for every kind of component", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.LibvirtHost("", { uri: uniqueUri() })).toThrow(/LibvirtHost "": a component's name must be a non-empty string/);
    expect(() => new virtkit.HugepageMemory("", { size: "2GiB", pageSize: "2MiB" })).toThrow(/HugepageMemory "": a component's name must be a non-empty string/);
    expect(() => new virtkit.Qcow2Volume("", { host, pool: "default", size: "1GiB" })).toThrow(/Qcow2Volume "": .*non-empty/);
    expect(() => new virtkit.PinnedVm("", { host, vcpus: 1, memory: { size: "1GiB" } })).toThrow(/PinnedVm "": .*non-empty/);
    await settle();
    expect(resources.some((r) => r.name === "")).toBe(false);
  });

  it("one file attached twice to a VM, naming the second disk and the first", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("twice");
    expect(
      () =>
        new virtkit.PinnedVm(name, {
          host,
          vcpus: 1,
          memory: { size: "1GiB" },
          disks: [{ source: { file: "/var/lib/libvirt/images/a.qcow2" } }, { source: { file: "/var/lib/libvirt/images/b.qcow2" } }, { source: { file: "/var/lib/libvirt/images/a.qcow2" } }],
        }),
    ).toThrow(/disks\[2\]\.source: \/var\/lib\/libvirt\/images\/a\.qcow2 is already disks\[0\] of this VM/);
    // a volume of a pool, twice, likewise
    expect(
      () => new virtkit.PinnedVm(uniq("twice-vol"), { host, vcpus: 1, memory: { size: "1GiB" }, disks: [{ source: { pool: "default", volume: "x" } }, { source: { pool: "default", volume: "x" } }] }),
    ).toThrow(/disks\[1\]\.source: volume default\/x is already disks\[0\]/);
    await settle();
    expect(registered(name)).toEqual([]);
  });

  it("one explicit secret UUID on two encrypted volumes, or on a volume and a StorageSecret", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const secretUuid = "0f9d7c1e-7c2a-4a7e-9d55-4c3f0d6b2a10";
    const first = uniq("luks-a");
    new virtkit.Qcow2Volume(first, { host, pool: "default", size: "1GiB", encryption: { secretUuid, passphrase: "correct horse" } });
    const second = uniq("luks-b");
    expect(() => new virtkit.Qcow2Volume(second, { host, pool: "default", size: "1GiB", encryption: { secretUuid, passphrase: "battery staple" } })).toThrow(
      new RegExp(`Qcow2Volume "${second}": encryption.secretUuid: secret "${secretUuid}" on host \\S+ is already declared by Qcow2Volume "${first}"`),
    );
    expect(() => new virtkit.StorageSecret(uniq("key"), { host, type: "ceph", usage: "client.libvirt secret", value: "QVFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", uuid: secretUuid })).toThrow(
      /uuid: secret .* is already declared by Qcow2Volume/,
    );
    await settle();
    expect(registered(second)).toEqual([]);
  });
});
