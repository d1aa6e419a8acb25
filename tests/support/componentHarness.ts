import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { installMocks, type Registered } from "./mocks";

/**
 * The component tests' common ground: Pulumi's mock engine, virtkit loaded after it, the
 * two-socket host's facts, unique names. Exports are live bindings, set in beforeAll.
 */
export let virtkit: typeof import("../../sdk/src/index");
export let resources: Registered[];

export function useMockedVirtkit(): void {
  beforeAll(async () => {
    ({ resources } = await installMocks());
    virtkit = await import("../../sdk/src/index");
  });
}

const fixtures = join(__dirname, "../fixtures/hosts/two-socket");
export const capabilities = readFileSync(join(fixtures, "capabilities.xml"), "utf8");
export const devices = readdirSync(join(fixtures, "nodedev")).map((f) => readFileSync(join(fixtures, "nodedev", f), "utf8"));

export const domains = () => resources.filter((r) => r.type === "libvirt:index/domain:Domain");

let seq = 0;
/** A name no other test of the file uses (the mock engine, unlike the real one, would not object). */
export const uniq = (base: string) => `${base}${++seq}`;

let hosts = 0;
/**
 * A URI no other host of the file uses: under one program run, hosts of one URI are one
 * hypervisor with one ledger, and these tests mean distinct hosts.
 */
export const uniqueUri = () => `qemu+ssh://root@hv${++hosts}.test/system`;
