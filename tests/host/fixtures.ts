import { readFileSync, readdirSync } from "fs";
import { join } from "path";
import { buildHostModel, HostLedger, type HostModel, type VmDemand } from "../../sdk/src/host";
import { GiB } from "../../sdk/src/schema/units";

/** Fixtures shared by the host-layer tests. */
export const FIXTURES = join(__dirname, "..", "fixtures", "hosts");
const TWO_SOCKET = join(FIXTURES, "two-socket");

export const readFixture = (...parts: string[]) => readFileSync(join(FIXTURES, ...parts), "utf8");

/** All `virsh nodedev-dumpxml` documents of the two-socket host, in file-name order. */
export function twoSocketNodedevs(): string[] {
  const dir = join(TWO_SOCKET, "nodedev");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".xml"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"));
}

let cached: HostModel | undefined;
/** The two-socket server: 2 nodes × 16 cores × 2 threads, two X710 PFs and a T4 GPU. */
export function twoSocketHost(): HostModel {
  cached ??= buildHostModel(readFileSync(join(TWO_SOCKET, "capabilities.xml"), "utf8"), twoSocketNodedevs());
  return cached;
}

/** Housekeeping CPUs used across the tests: the first two cores of each socket, both threads. */
export const RESERVED = [0, 1, 32, 33, 16, 17, 48, 49];

export function twoSocketLedger(reservedCpus: number[] = RESERVED): HostLedger {
  return new HostLedger("hv1", twoSocketHost(), { reservedCpus });
}

/** A small auto-pinned VM; override what a test is about. */
export function vm(name: string, over: Partial<VmDemand> = {}): VmDemand {
  return {
    owner: `PinnedVm "${name}"`,
    vcpus: 2,
    threadsPerCore: 1,
    pinning: "auto",
    iothreads: 0,
    emulator: "housekeeping",
    numa: "local",
    memory: { bytes: 2 * GiB },
    devices: [],
    ...over,
  };
}

/** An explicitly pinned VM: `cpus[i]` is the host CPU of vCPU i. */
export function pinnedVm(name: string, cpus: number[], over: Partial<VmDemand> = {}): VmDemand {
  return vm(name, { vcpus: cpus.length, pinning: { vcpus: cpus.map((c) => [c]) }, ...over });
}

/** Host CPUs of all vCPUs of a placement, flattened. */
export const vcpuHostCpus = (p: { vcpus: readonly { hostCpus: readonly number[] }[] }) => p.vcpus.flatMap((v) => v.hostCpus);
