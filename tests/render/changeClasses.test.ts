import { buildDomainModel, layoutFromSpec, renderDomainArgs } from "../../sdk/src/render";
import { classifyDomainChange, classifyVolumeChange, describeChange, inputDigest } from "../../sdk/src/render/changes";
import { VmSpec, type VmSpecInput } from "../../sdk/src/schema/vm";

/** The digest of the provider inputs virtkit renders for a VM. */
function digestOf(over: Partial<VmSpecInput> = {}) {
  const spec = VmSpec.parse({ name: "db", vcpus: 2, memory: { size: "1GiB" }, pinning: { vcpus: ["2", "3"], emulator: "0-1" }, ...over });
  return inputDigest(renderDomainArgs(buildDomainModel(spec, layoutFromSpec(spec))) as unknown as Record<string, unknown>);
}

describe("what a change does to a domain (provider v0.9.7)", () => {
  const before = digestOf();

  test("unchanged: the same inputs", () => {
    expect(classifyDomainChange(before, digestOf())).toEqual({ class: "unchanged", fields: [], effect: "unchanged" });
  });

  test("restart: any update, pinning included, stops, redefines and starts a running domain", () => {
    const vcpus = classifyDomainChange(before, digestOf({ vcpus: 3, pinning: { vcpus: ["2", "3", "4"], emulator: "0-1" } }));
    expect(vcpus.class).toBe("restart");
    expect(vcpus.fields).toEqual(["cpuTune.vcpuPins", "vcpu"]);
    const pins = classifyDomainChange(before, digestOf({ pinning: { vcpus: ["4", "5"], emulator: "0-1" } }));
    expect(pins).toMatchObject({ class: "restart", fields: ["cpuTune.vcpuPins"] });
    expect(describeChange(pins)).toBe("restarts the VM: provider v0.9.7 stops a running domain, undefines, redefines and starts it on any update (changed: cpuTune.vcpuPins)");
  });

  test("applied live: a pinning-only change when virtkit applies pinning live", () => {
    const pins = digestOf({ pinning: { vcpus: ["4", "5"], emulator: "2-3" } });
    expect(classifyDomainChange(before, pins, { livePinning: true })).toMatchObject({ class: "live", fields: ["cpuTune.emulatorPin", "cpuTune.vcpuPins"] });
    // anything else with it still needs the restart
    expect(classifyDomainChange(before, digestOf({ vcpus: 3, pinning: { vcpus: ["2", "3", "4"] } }), { livePinning: true }).class).toBe("restart");
  });

  test("applied at the next start: a domain that is not running only gets its new definition", () => {
    const stopped = digestOf({ running: false });
    expect(classifyDomainChange(stopped, digestOf({ running: false, memory: { size: "2GiB" } }))).toMatchObject({ class: "next-start", fields: ["memory"] });
    // starting it is a change of its own, applied now
    expect(classifyDomainChange(stopped, digestOf({ memory: { size: "2GiB" } })).class).toBe("restart");
  });

  test.each([
    ["name", { name: "db2" }, "name"],
    ["hypervisor type", { domainType: "qemu" as const }, "type"],
  ])("replaces the domain: %s (the provider requires replacement)", (_, over, field) => {
    const c = classifyDomainChange(before, digestOf(over));
    expect(c.class).toBe("replace-domain");
    expect(c.fields).toContain(field);
    expect(c.effect).toBe("replaces the domain (a new VM; its volumes stay)");
  });

  // provider v0.9.7 applies these as an update: the domain is redefined under its UUID
  test.each([
    ["chipset", { chipset: "i440fx" as const }, "os.typeMachine"],
    ["firmware", { firmware: "efi" as const }, "os.firmware"],
  ])("restarts the domain under its UUID: %s", (_, over, field) => {
    const c = classifyDomainChange(before, digestOf(over));
    expect(c.class).toBe("restart");
    expect(c.fields).toContain(field);
  });

  test("created and deleted", () => {
    expect(classifyDomainChange(undefined, before).class).toBe("create");
    expect(classifyDomainChange(before, undefined).class).toBe("delete");
  });

  test("a disk's LUKS secret usage (the volume's path) is judged with the volume, not the domain", () => {
    const disk = { source: { pool: "default", volume: "v.qcow2" } };
    const args = (usage: string) => ({ name: "db", devices: { disks: [{ ...disk, encryption: { secrets: [{ usage }] } }] } });
    expect(inputDigest(args("/a/v.qcow2"))).toEqual(inputDigest(args("/b/v.qcow2")));
  });
});

describe("what a change does to a volume (provider v0.9.7 cannot update one in place)", () => {
  const volume = (capacity: number) => inputDigest({ name: "db-root.qcow2", pool: "default", capacity, format: "qcow2", baseImage: { url: "https://x/debian.qcow2" } });

  test("unchanged", () => {
    expect(classifyVolumeChange(volume(1), volume(1), { protected: true }).class).toBe("unchanged");
  });
  test("replaces the volume, losing its data: refused while protected", () => {
    expect(classifyVolumeChange(volume(1), volume(2), { protected: true })).toEqual({
      class: "replace-volume",
      fields: ["capacity"],
      refused: true,
      effect: "replaces the volume: its data is lost; refused while the volume is protected (allowReplace: true accepts the loss)",
    });
  });
  test("replaces the volume when allowed", () => {
    expect(classifyVolumeChange(volume(1), volume(2), { protected: false })).toMatchObject({ class: "replace-volume", refused: false, effect: "replaces the volume: its data is lost" });
  });
  test("grows an unencrypted Qcow2Volume in place, keeping its data; a shrink is refused", () => {
    expect(classifyVolumeChange(volume(1), volume(2), { protected: true, growsInPlace: true })).toMatchObject({ class: "grow-volume", fields: ["capacity"] });
    expect(classifyVolumeChange(volume(2), volume(1), { protected: false, growsInPlace: true })).toMatchObject({ class: "replace-volume", refused: true, effect: expect.stringMatching(/^a shrink: refused/) });
  });
  test("a passphrase (a secret, encrypted in a stack export) is not compared", () => {
    expect(inputDigest({ name: "v", passphrase: "a" })).toEqual(inputDigest({ name: "v", passphrase: { ciphertext: "b" } }));
  });
});
