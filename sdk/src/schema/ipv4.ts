/**
 * IPv4 addresses as 32-bit numbers, for the subnet arithmetic a virtual network's checks need
 * (is the DHCP range inside the subnet, does it hold the host's own address).
 */

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** `"192.168.10.1"` → 3232238081; throws with a reason written for the user. */
export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) {
    throw new Error(`"${text}" is not an IPv4 address; expected four numbers 0-255 like "192.168.10.1"`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** A host address inside its subnet, as CIDR says it: `192.168.10.1/24`. */
export interface Ipv4Interface {
  readonly address: string;
  readonly prefix: number;
}

/** The first and last address of the subnet `address/prefix` (its network and broadcast addresses). */
export function subnetBounds(address: number, prefix: number): { network: number; broadcast: number } {
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  return { network, broadcast: network + size - 1 };
}

/** `"10.0.0.1/24"` → `{ address: "10.0.0.1", prefix: 24 }`; the host part may be neither all zeros nor all ones. */
export function parseIpv4Interface(text: string, minPrefix: number, maxPrefix: number): Ipv4Interface {
  const m = /^([^/]*)\/(\d{1,2})$/.exec(text);
  if (!m) throw new Error(`"${text}" is not an IPv4 address with its prefix length; expected CIDR like "192.168.10.1/24"`);
  const address = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (prefix < minPrefix || prefix > maxPrefix) throw new Error(`prefix length /${prefix} is out of range; a virtual network's subnet is /${minPrefix} to /${maxPrefix}`);
  const { network, broadcast } = subnetBounds(address, prefix);
  if (address === network) throw new Error(`${m[1]} is the network address of ${formatIpv4(network)}/${prefix}; give the host's own address in it, e.g. ${formatIpv4(network + 1)}/${prefix}`);
  if (address === broadcast) throw new Error(`${m[1]} is the broadcast address of ${formatIpv4(network)}/${prefix}; give the host's own address in it, e.g. ${formatIpv4(network + 1)}/${prefix}`);
  return { address: m[1], prefix };
}
