import { checkWithLibvirt } from "../../../sdk/src/cli/plan/libvirtCheck";
import type { PlannedVm } from "../../../sdk/src/program/runContext";
import { describeWith } from "../../support/libvirt";

/** A planned VM of its bare domain XML: what checkWithLibvirt reads. */
function planned(component: string, domainName: string, body: string, type = "qemu"): PlannedVm {
  const domainXml = `<domain type="${type}"><name>${domainName}</name><memory unit="MiB">64</memory><vcpu>1</vcpu><os><type arch="x86_64" machine="q35">hvm</type></os>${body}</domain>`;
  return { component, host: "h", domainName, domainXml, placement: undefined, report: {} as PlannedVm["report"], warnings: [] };
}
const good = (i: number, name = `ok-${i}`) => planned(`PinnedVm "${name}"`, name, "");
/** Valid to the schema; every libvirt driver refuses two disks on one target. */
const disk = `<disk type="file" device="disk"><source file="/var/lib/libvirt/images/x.qcow2"/><target dev="vda" bus="virtio"/></disk>`;
const twoOnVda = (name: string) => planned(`PinnedVm "${name}"`, name, `<devices>${disk}${disk}</devices>`);
/** Not even the schema accepts a memory size of words. */
const badSchema = (name: string) => ({ ...good(0, name), domainXml: good(0, name).domainXml.replace(">64<", ">lots<") });

describeWith("qemuDaemon", "libvirt judges a large plan in batches, each domain under its own name", () => {
  // more domains than one batch holds, refusals on both sides of the batch boundaries, and
  // one domain name on two hosts (each host may have its "db")
  const vms = Array.from({ length: 430 }, (_, i) => good(i));
  vms[0] = badSchema("first");
  vms[199] = twoOnVda("last-of-batch");
  vms[200] = twoOnVda("first-of-batch");
  vms[300] = planned('PinnedVm "db-hv1"', "db", "");
  vms[301] = planned('PinnedVm "db-hv2"', "db", "");
  vms[429] = badSchema("last");
  const refused = new Set([0, 199, 200, 429]);

  it("on the test hypervisor: each verdict is that domain's own, in libvirt's words", () => {
    const verdicts = checkWithLibvirt(vms, "test:///default");
    expect(verdicts.map((v) => v.vm)).toEqual(vms.map((v) => v.component));
    expect(verdicts.flatMap((v, i) => (v.ok ? [] : [i]))).toEqual([...refused]);
    expect(verdicts[0]).toMatchObject({ checks: ["schema"], message: expect.stringMatching(/fails to validate/) });
    expect(verdicts[199].checks).toEqual(["schema", "define+start on test:///default"]);
    expect(verdicts[200].message).toMatch(/target 'vda' duplicated/);
    expect(verdicts[301]).toMatchObject({ ok: true, message: "defined and running" });
  });

  it("on the QEMU driver: domxml-to-native of each, refusals quoted", () => {
    const verdicts = checkWithLibvirt(vms, "qemu:///system");
    expect(verdicts.flatMap((v, i) => (v.ok ? [] : [i]))).toEqual([...refused]);
    expect(verdicts[199].message).toMatch(/target 'vda' duplicated/);
    expect(verdicts[1]).toMatchObject({ ok: true, message: "QEMU command line built" });
  });
});
