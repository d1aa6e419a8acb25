import { join } from "node:path";

/**
 * Host facts for the examples. On a real host, collect them with
 * `virtkit facts --uri qemu+ssh://root@hv1/system --out hosts/hv1` and read them with
 * `virtkit.readHostFacts("hosts/hv1")`.
 */

/** A 2-socket server: 2 NUMA nodes × 16 cores × 2 threads, an SR-IOV PF per node, a GPU on node 1. */
export const TWO_SOCKET_SERVER = join(__dirname, "..", "tests", "fixtures", "hosts", "two-socket");

/**
 * A login on each example VM: user `ops` (password-less sudo) with the SSH key of stack config
 * `sshPublicKey` (`pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"`), and the
 * serial console every PinnedVm has (`virsh console NAME`). Without the key the user has none:
 * set it before `pulumi up`.
 */
export function login(cfg: { get(key: string): string | undefined }, hostname: string) {
  const key = cfg.get("sshPublicKey");
  return { users: [{ name: "ops", sshAuthorizedKeys: key ? [key] : [] }], hostname };
}
