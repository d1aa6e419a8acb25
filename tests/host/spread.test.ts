import { HostLedger, pickHostWithCapacity, SpreadError, spreadAcrossHosts } from "../../sdk/src/host";
import { twoSocketHost, vm } from "./fixtures";

describe("spreadAcrossHosts", () => {
  test("puts each VM on its own host while there are enough hosts", () => {
    expect(spreadAcrossHosts(["hv1", "hv2", "hv3"], ["db-0", "db-1", "db-2"])).toEqual({ "db-0": "hv1", "db-1": "hv2", "db-2": "hv3" });
  });

  test("goes round the hosts again when there are more VMs than hosts", () => {
    expect(spreadAcrossHosts(["hv1", "hv2"], ["a", "b", "c", "d", "e"])).toEqual({ a: "hv1", b: "hv2", c: "hv1", d: "hv2", e: "hv1" });
  });

  test("keeps earlier VMs on their hosts when a VM is appended", () => {
    const before = spreadAcrossHosts(["hv1", "hv2", "hv3"], ["a", "b"]);
    const after = spreadAcrossHosts(["hv1", "hv2", "hv3"], ["a", "b", "c"]);
    expect(after).toMatchObject(before);
  });

  test("refuses more VMs than hosts when strict", () => {
    expect(() => spreadAcrossHosts(["hv1", "hv2"], ["a", "b", "c"], { strict: true })).toThrow(
      new SpreadError("3 VMs cannot be kept apart on 2 hosts; add hosts or drop strict to let VMs share"),
    );
  });

  test("refuses a VM or host listed twice", () => {
    expect(() => spreadAcrossHosts(["hv1", "hv1"], ["a"])).toThrow('host "hv1" is listed twice');
    expect(() => spreadAcrossHosts(["hv1"], ["a", "a"])).toThrow('VM "a" is listed twice');
  });

  test("refuses VMs without hosts", () => {
    expect(() => spreadAcrossHosts([], ["a"])).toThrow("no hosts to spread 1 VMs over");
  });
});

describe("pickHostWithCapacity", () => {
  const hosts = () => ["hv1", "hv2", "hv3"].map((h) => new HostLedger(h, twoSocketHost(), { reservedCpus: [0, 32, 16, 48] }));

  test("returns the first host that can take the VM", () => {
    const ledgers = hosts();
    ledgers[0].place(vm("filler", { vcpus: 60, numa: "spread" }));
    expect(pickHostWithCapacity(ledgers, vm("db", { vcpus: 8 }))?.hostName).toBe("hv2");
  });

  test("claims nothing on any host", () => {
    const ledgers = hosts();
    pickHostWithCapacity(ledgers, vm("db", { vcpus: 8 }));
    expect(ledgers.map((l) => l.claims().length)).toEqual([0, 0, 0]);
    expect(ledgers[0].place(vm("db", { vcpus: 8 })).errors).toEqual([]);
  });

  test("returns undefined when no host can take the VM", () => {
    expect(pickHostWithCapacity(hosts(), vm("huge", { vcpus: 61, numa: "spread" }))).toBeUndefined();
  });
});
