import * as pulumi from "@pulumi/pulumi";
import { registration, secretInput, valueOf } from "../../support/mocks";
import { capabilities, devices, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

const host = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });

describe("PinnedVm inputs known only at deployment", () => {
  it("takes a NIC's MAC as an Output: the provider gets it, a secret stays a secret, and domainXml has it once known", async () => {
    const name = uniq("late-mac");
    const vm = new virtkit.PinnedVm(name, {
      host: host(),
      vcpus: 1,
      memory: { size: "1GiB" },
      nics: [
        { type: "network", network: "default", mac: pulumi.output("52:54:00:AB:00:01") },
        { type: "network", network: "default", mac: pulumi.secret("52:54:00:ab:00:02") },
      ],
    });
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    // the MAC comes back parsed (lower case); the secret one makes the devices secret under the mock engine
    const devicesOf = d.inputs.devices.value ?? d.inputs.devices;
    expect(d.inputs.devices).toEqual(secretInput(expect.anything()));
    expect(devicesOf.interfaces.map((i: { mac: { address: string } }) => i.mac.address)).toEqual(["52:54:00:ab:00:01", "52:54:00:ab:00:02"]);
    const xml = await valueOf(vm.domainXml);
    expect(xml).toContain('<mac address="52:54:00:ab:00:01"/>');
  });

  it("takes an SriovNic's MAC as an Output", async () => {
    const h = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
    const nic = new virtkit.SriovNic(uniq("vf"), { host: h, pf: "enp59s0f0", mac: pulumi.output("52:54:00:cd:00:01") });
    const name = uniq("vf-vm");
    new virtkit.PinnedVm(name, { host: h, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] });
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    expect(d.inputs.devices.interfaces[0].mac).toEqual({ address: "52:54:00:cd:00:01" });
    expect(d.inputs.devices.interfaces[0].source.hostdev.pci.address.bus).toBe(0x3b);
  });

  it("refuses an Output where placement needs the value, saying why, every field at once", () => {
    const name = uniq("needs-plain");
    expect(
      () =>
        new virtkit.PinnedVm(name, {
          host: host(),
          vcpus: pulumi.output(2) as unknown as number,
          memory: { size: pulumi.output("1GiB") as unknown as string },
          pinning: Promise.resolve({ vcpus: ["0", "1"] }) as never,
        }),
    ).toThrow(
      new RegExp(
        `PinnedVm "${name}": [\\s\\S]*vcpus: must be a plain value, not an Output or a promise: virtkit validates and places the VM while the program runs[\\s\\S]*pinning: must be a plain value[\\s\\S]*memory.size: must be a plain value`,
      ),
    );
    expect(resources.some((r) => r.name === name)).toBe(false);
  });
});

describe("Qcow2Volume with a base image URL known only at deployment", () => {
  it("gets a base image of its own, downloaded from the URL once known, a secret URL staying secret", async () => {
    const h = host();
    const name = uniq("late-base");
    const url = "https://images.example/private/debian.qcow2?token=abc";
    new virtkit.Qcow2Volume(name, { host: h, pool: "default", size: "10GiB", baseImage: { url: pulumi.secret(url) } });
    const base = await registration(resources, "libvirt:index/volume:Volume", `${h.hostName}-base-of-${name}.qcow2`);
    expect(base.inputs.name).toBe(`base-of-${name}.qcow2`);
    expect(base.inputs.create).toEqual(secretInput({ content: { url } }));
  });
});
