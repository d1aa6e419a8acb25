import { driverOffer, fitToDriver } from "../../../sdk/src/cli/plan/qemuDriver";
import { domainOf } from "../../support/domainFacts";
import { renderVm } from "../../../sdk/src/render";
import { vmSpec } from "../../support/vms";

/** The fitting rule itself, for both kinds of machine, whichever this one is. */
const capabilities = (types: string[]) =>
  `<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest><os_type>hvm</os_type><arch name='x86_64'>${types.map((t) => `<domain type='${t}'/>`).join("")}</arch></guest></capabilities>`;
const kvmDomain = renderVm(vmSpec({ name: "fit", vcpus: 2, memory: { size: "256MiB" }, cpu: { features: [{ name: "abm", policy: "require" }] } })).xml;

describe("fitting a domain to the QEMU driver that judges it", () => {
  it("reads the domain types a driver offers per architecture", () => {
    expect([...driverOffer(capabilities(["qemu", "kvm"])).domainTypes]).toEqual([["x86_64", ["qemu", "kvm"]]]);
  });

  it("leaves a kvm domain as it is where the driver offers KVM", () => {
    expect(fitToDriver(kvmDomain, driverOffer(capabilities(["qemu", "kvm"])))).toEqual({ xml: kvmDomain, adaptations: [] });
  });

  it("judges a kvm domain as qemu, host-passthrough as maximum with its features, where the driver offers no KVM", () => {
    const { xml, adaptations } = fitToDriver(kvmDomain, driverOffer(capabilities(["qemu"])));
    expect(adaptations).toEqual(["as type='qemu': this host's QEMU driver offers no KVM for x86_64", "cpu mode 'host-passthrough' as 'maximum'"]);
    const d = domainOf(xml);
    expect(d["@_type"]).toBe("qemu");
    expect(d.cpu["@_mode"]).toBe("maximum");
    expect(d.cpu.feature).toEqual([{ "@_policy": "require", "@_name": "abm" }]);
    // nothing else changes
    expect({ ...domainOf(kvmDomain), "@_type": "qemu", cpu: { ...domainOf(kvmDomain).cpu, "@_mode": "maximum" } }).toEqual(d);
  });

  it("leaves a domain alone when the driver's capabilities say nothing of its architecture", () => {
    expect(fitToDriver(kvmDomain, { domainTypes: new Map() }).adaptations).toEqual([]);
  });
});
