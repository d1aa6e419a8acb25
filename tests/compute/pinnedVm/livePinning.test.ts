import { captureChildren, registration } from "../../support/mocks";
import { resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

const DOMAIN = "libvirt:index/domain:Domain";
const LIVE_PINNING = "pulumi-nodejs:dynamic/virtkit:LivePinning";
const spec = { vcpus: 2, memory: { size: "1GiB" }, pinning: { vcpus: ["2", "3"], emulator: "0-1", iothreads: ["0-1"] }, iothreads: 1 };

describe("PinnedVm livePinning", () => {
  it("leaves the pins to a LivePinning resource that depends on the domain, which ignores pin changes", async () => {
    const domain = captureChildren(DOMAIN);
    const pinning = captureChildren(LIVE_PINNING);
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("vm");
    const vm = new virtkit.PinnedVm(name, { host, ...spec, domainName: `${name}-dom`, livePinning: true }, { transformations: [domain.transformation, pinning.transformation] });
    expect(domain.byName(name)?.opts.ignoreChanges).toEqual(["cpuTune.vcpuPins", "cpuTune.emulatorPin", "cpuTune.ioThreadPins"]);
    expect(domain.byName(name)?.opts.replaceOnChanges).toEqual(["name", "type"]);
    expect(pinning.byName(`${name}-pinning`)?.opts.dependsOn).toEqual([vm.domain]);
    expect(vm.livePinning).toBeDefined();
    const pins = await registration(resources, LIVE_PINNING, `${name}-pinning`);
    expect(pins.inputs).toMatchObject({
      uri: host.uri,
      domain: `${name}-dom`,
      vcpuPins: [{ vcpu: 0, cpuSet: "2" }, { vcpu: 1, cpuSet: "3" }],
      emulatorPin: "0-1",
      ioThreadPins: [{ ioThread: 1, cpuSet: "0-1" }],
    });
    // the digest of the domain's other inputs: a pin change leaves it, any other change moves it
    expect(pins.inputs.domainDigest).not.toMatch(/vcpuPins|emulatorPin|ioThreadPins/);
    expect(pins.inputs.domainDigest).toContain('"vcpu":2');
    const { plannedVms } = await import("../../../sdk/src/program/runContext");
    expect(plannedVms().find((v) => v.name === name)?.livePinning).toBe(true);
  });

  it("without it, the provider owns the pins: no ignoreChanges, no LivePinning", async () => {
    const domain = captureChildren(DOMAIN);
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("vm");
    const vm = new virtkit.PinnedVm(name, { host, ...spec }, { transformations: [domain.transformation] });
    await registration(resources, DOMAIN, name);
    expect(domain.byName(name)?.opts.ignoreChanges).toBeUndefined();
    expect(vm.livePinning).toBeUndefined();
    expect(resources.filter((r) => r.type === LIVE_PINNING && r.name === `${name}-pinning`)).toEqual([]);
    const { plannedVms } = await import("../../../sdk/src/program/runContext");
    expect(plannedVms().find((v) => v.name === name)?.livePinning).toBe(false);
  });

  it("a pin-only change since the lock is applied live with it, a restart without it", async () => {
    const registry = await import("../../../sdk/src/program/runContext");
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const locked = uniq("vm");
    new virtkit.PinnedVm(locked, { host, ...spec });
    const digest = registry.plannedVms().find((v) => v.name === locked)!.digest!;
    const [live, restarted] = [uniq("vm"), uniq("vm")];
    // the lock has each VM as `locked` was: the same but for its name
    const vms = Object.fromEntries([live, restarted].map((n) => [n, { domain: { ...digest, name: n } }]));
    registry.setProgramLock({ file: "virtkit.lock.json", stack: "dev", exists: true, section: { hosts: { [host.hostName]: { vms } }, volumes: {} } as never });
    try {
      const moved = { ...spec, pinning: { vcpus: ["4", "5"], emulator: "2-3", iothreads: ["2-3"] } };
      new virtkit.PinnedVm(live, { host, ...moved, livePinning: true });
      new virtkit.PinnedVm(restarted, { host, ...moved });
    } finally {
      registry.setProgramLock(null);
    }
    const changeOf = (n: string) => registry.plannedVms().find((v) => v.name === n)?.change;
    const fields = ["cpuTune.emulatorPin", "cpuTune.ioThreadPins", "cpuTune.vcpuPins"];
    expect(changeOf(live)).toMatchObject({ class: "live", fields });
    expect(changeOf(restarted)).toMatchObject({ class: "restart", fields });
  });

  it("refuses a livePinning that is not a boolean", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host, ...spec, livePinning: "yes" as unknown as boolean })).toThrow(/livePinning/);
  });
});
