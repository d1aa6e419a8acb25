import { buildDomainModel, layoutFromSpec, renderDomainArgs, renderVm } from "../../sdk/src/render";
import { VirtkitValidationError } from "../../sdk/src/errors";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { VmSpec, type VmSpecInput } from "../../sdk/src/schema/vm";
import { argValues, describeWith, qemuArgv, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { domainOf } from "../support/domainFacts";
import { schemaProblems } from "../support/providerSchema";
import { vmSpec } from "../support/vms";

/**
 * Direct kernel boot (`boot: { kernel, initrd?, cmdline? }`): checked like every host path,
 * rendered to `<os><kernel>/<initrd>/<cmdline>` in place of `<boot dev='hd'/>`, and to the
 * provider's `os.kernel/initrd/cmdline` in place of `os.bootDevices`.
 */
const appliance = (over: Partial<VmSpecInput> = {}): VmSpecInput => ({
  name: "appliance",
  vcpus: 1,
  domainType: "qemu",
  memory: { size: "128MiB" },
  disks: [{ source: { file: "/var/lib/libvirt/images/appliance.qcow2" } }],
  boot: { kernel: "/var/lib/virtkit/vmlinuz", initrd: "/var/lib/virtkit/initrd.img", cmdline: "console=ttyS0 root=/dev/vda rw" },
  ...over,
});

/** The issues a spec's validation reports, as `path: reason`. */
function issuesOf(input: unknown): string[] {
  try {
    parseOrThrow(VmSpec, input, "test VM");
  } catch (e) {
    if (e instanceof VirtkitValidationError) return e.issues.map((i) => `${i.path}: ${i.reason}`);
    throw e;
  }
  return [];
}

describe("boot: the spec", () => {
  it("takes a kernel alone, or with an initrd and a command line", () => {
    expect(vmSpec(appliance({ boot: { kernel: "/boot/vmlinuz" } })).boot).toEqual({ kernel: "/boot/vmlinuz" });
    expect(vmSpec(appliance()).boot).toEqual({ kernel: "/var/lib/virtkit/vmlinuz", initrd: "/var/lib/virtkit/initrd.img", cmdline: "console=ttyS0 root=/dev/vda rw" });
  });

  it.each([
    ["a relative kernel path", { kernel: "vmlinuz" }, "boot.kernel", /absolute path/],
    ["a kernel path with a newline", { kernel: "/boot/vmlinuz\n" }, "boot.kernel", /without control characters/],
    ["no kernel", { initrd: "/boot/initrd.img" }, "boot.kernel", /absolute path/],
    ["a relative initrd", { kernel: "/boot/vmlinuz", initrd: "initrd.img" }, "boot.initrd", /absolute path/],
    ["an initrd that is not a string", { kernel: "/boot/vmlinuz", initrd: 7 }, "boot.initrd", /absolute path/],
    ["a command line of two lines", { kernel: "/boot/vmlinuz", cmdline: "console=ttyS0\ninit=/bin/sh" }, "boot.cmdline", /one line without control characters/],
    ["a command line past 4096 characters", { kernel: "/boot/vmlinuz", cmdline: "x".repeat(4097) }, "boot.cmdline", /at most 4096/],
    ["a misspelt field", { kernel: "/boot/vmlinuz", initramfs: "/boot/initrd.img" }, "boot", /initramfs/],
    ["not an object", "/boot/vmlinuz", "boot", /kernel, initrd\?, cmdline\?/],
  ])("refuses %s, naming the field", (_title, boot, path, reason) => {
    const issues = issuesOf({ name: "vm", vcpus: 1, memory: { size: "64MiB" }, boot });
    expect(issues).toHaveLength(1);
    expect(issues[0].startsWith(`${path}: `)).toBe(true);
    expect(issues[0]).toMatch(reason);
  });

  it('refuses firmware "efi", naming boot, and says why', () => {
    expect(issuesOf(appliance({ firmware: "efi" }))).toEqual([expect.stringMatching(/^boot: direct kernel boot needs firmware "bios".*EFI-stub/)]);
    // reported with the other problems of the same spec
    expect(issuesOf({ ...appliance({ firmware: "efi" }), vcpus: 0 })).toEqual([expect.stringMatching(/^vcpus: /), expect.stringMatching(/^boot: /)]);
  });
});

describe("boot: the model, the XML and the provider arguments", () => {
  it("puts the kernel, initrd and command line in <os>, and no boot device", () => {
    const { model, xml } = renderVm(vmSpec(appliance()));
    expect(model.os).toEqual({ machine: "q35", firmware: undefined, kernel: "/var/lib/virtkit/vmlinuz", initrd: "/var/lib/virtkit/initrd.img", cmdline: "console=ttyS0 root=/dev/vda rw" });
    const os = domainOf(xml).os;
    expect([os.kernel, os.initrd, os.cmdline]).toEqual(["/var/lib/virtkit/vmlinuz", "/var/lib/virtkit/initrd.img", "console=ttyS0 root=/dev/vda rw"]);
    expect(os.boot).toBeUndefined();
    // without boot, a VM boots its first disk as before
    expect(domainOf(renderVm(vmSpec(appliance({ boot: undefined }))).xml).os.boot).toEqual({ "@_dev": "hd" });
  });

  it("escapes what XML must not carry raw", () => {
    const xml = renderVm(vmSpec(appliance({ boot: { kernel: "/srv/a&b/<k>", cmdline: `x="1" y='2' & z<3` } }))).xml;
    expect(xml).toContain("<kernel>/srv/a&amp;b/&lt;k&gt;</kernel>");
    expect(domainOf(xml).os.cmdline).toBe(`x="1" y='2' & z<3`);
  });

  it("gives the provider os.kernel, os.initrd and os.cmdline, in its schema, and no bootDevices", () => {
    const vm = vmSpec(appliance());
    const args = renderDomainArgs(buildDomainModel(vm, layoutFromSpec(vm))) as unknown as { os: Record<string, unknown> };
    expect(args.os).toEqual({ type: "hvm", typeArch: "x86_64", typeMachine: "q35", kernel: "/var/lib/virtkit/vmlinuz", initrd: "/var/lib/virtkit/initrd.img", cmdline: "console=ttyS0 root=/dev/vda rw" });
    expect(schemaProblems("libvirt_domain", args)).toEqual([]);
    const kernelOnly = vmSpec(appliance({ boot: { kernel: "/boot/vmlinuz" } }));
    expect((renderDomainArgs(buildDomainModel(kernelOnly, layoutFromSpec(kernelOnly))) as unknown as { os: Record<string, unknown> }).os).toEqual({ type: "hvm", typeArch: "x86_64", typeMachine: "q35", kernel: "/boot/vmlinuz" });
  });
});

describeWith("virtXmlValidate", "boot: against libvirt's schema", () => {
  it.each([
    ["kernel, initrd and command line", appliance()],
    ["a kernel alone, no disk, on i440fx", appliance({ boot: { kernel: "/boot/vmlinuz" }, disks: [], chipset: "i440fx" })],
  ])("%s validates", (_label, input) => {
    expect(virtXmlValidate(renderVm(vmSpec(input)).xml, "domain").output).toContain("validates");
  });
});

describeWith("virsh", "boot: on libvirt's test hypervisor", () => {
  it("defines and starts; libvirt keeps the kernel, initrd and command line (and adds its default boot device, which QEMU's -kernel outranks)", () => {
    const out = virsh("test:///default", [`define ${tempXml(renderVm(vmSpec(appliance())).xml)}`, "start appliance", "dumpxml appliance"]);
    const os = domainOf(out.slice(out.indexOf("<domain"))).os;
    expect([os.kernel, os.initrd, os.cmdline]).toEqual(["/var/lib/virtkit/vmlinuz", "/var/lib/virtkit/initrd.img", "console=ttyS0 root=/dev/vda rw"]);
    expect(os.boot).toEqual({ "@_dev": "hd" });
  });
});

describeWith("qemuDaemon", "boot: through the real QEMU driver", () => {
  it("gives QEMU -kernel, -initrd and -append", () => {
    const argv = qemuArgv(renderVm(vmSpec(appliance())).xml);
    expect(argValues(argv, "-kernel")).toEqual(["/var/lib/virtkit/vmlinuz"]);
    expect(argValues(argv, "-initrd")).toEqual(["/var/lib/virtkit/initrd.img"]);
    expect(argValues(argv, "-append")).toEqual(["console=ttyS0 root=/dev/vda rw"]);
  });
});
