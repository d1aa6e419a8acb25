import { describeHostFailure, engineTakesErrorHooks, looksUnreachable, reachErrorOf } from "../../sdk/src/libvirtHost/hostFailures";
import { useMockedVirtkit } from "../support/componentHarness";

useMockedVirtkit();

/** What libvirt said, through provider 0.9.7, in the fault suite when hv1's daemon was stopped mid-up. */
const daemonGone =
  "failed to connect to libvirt: failed to dial libvirt: dial unix /tmp/fleet/hv1/run/libvirt-sock: connect: no such file or directory: Failed to connect socket to '/tmp/fleet/hv1/run/libvirt-sock': No such file or directory";

describe("naming the host of a failed operation", () => {
  it("says which host and URI, what could not be done to what, and libvirt's words", () => {
    const line = describeHostFailure("hv1", "qemu:///system?socket=/tmp/s", {
      type: "libvirt:index/domain:Domain",
      name: "a",
      failedOperation: "create",
      errors: ["operation failed: domain 'a' already exists with uuid 1234", "older error"],
    });
    expect(line).toBe('on host hv1 (qemu:///system?socket=/tmp/s): Domain "a" could not be created: operation failed: domain \'a\' already exists with uuid 1234.');
  });

  it("adds the way out when the daemon cannot be reached, and not otherwise", () => {
    const gone = describeHostFailure("hv1", "qemu:///system", { type: "libvirt:index/volume:Volume", name: "a-root", failedOperation: "delete", errors: [daemonGone] });
    expect(gone).toMatch(/Volume "a-root" could not be deleted/);
    expect(gone).toMatch(/libvirt daemon of hv1 cannot be reached: start it .*pulumi up --continue-on-error/);
    expect(looksUnreachable("Storage pool not found: no storage pool with matching name 'x'")).toBe(false);
    expect(looksUnreachable(daemonGone)).toBe(true);
  });

  it("the provider's words hide a daemon gone mid-run ('invalid argument'): asking the host says so, and the line gives the way out", async () => {
    const reachError = await reachErrorOf("qemu:///system?socket=/nonexistent/virtkit/libvirt-sock");
    expect(reachError).toMatch(/Failed to connect socket to '\/nonexistent\/virtkit\/libvirt-sock'/);
    // the test driver answers: nothing to add
    expect(await reachErrorOf("test:///default")).toBeUndefined();
    const words = "Domain Creation Failed: Failed to define domain in libvirt: invalid argument";
    const line = describeHostFailure("hv1", "qemu:///system?socket=/x", { type: "libvirt:index/domain:Domain", name: "a", failedOperation: "create", errors: [words] }, reachError);
    expect(line).toContain(`Domain "a" could not be created: ${words}. The libvirt daemon of hv1 cannot be reached (Failed to connect socket`);
  });

  it("names a dynamic resource by its kind, and leaves out a URI known only at deployment", () => {
    const line = describeHostFailure("hv2", undefined, { type: "pulumi-nodejs:dynamic/virtkit:LivePinning", name: "db-pinning", failedOperation: "update", errors: [] });
    expect(line).toBe('on host hv2: LivePinning "db-pinning" could not be updated: no error text.');
  });

  it("attaches no hook under the mock engine, which has no call to register one", () => {
    expect(engineTakesErrorHooks()).toBe(false);
  });
});
