import { createHash } from "node:crypto";

/**
 * A UUID derived from `name` alone: the SHA-1 of the name laid out as a name-based (version 5)
 * UUID, so the same name gives the same UUID on every run. Callers prefix the name with what it
 * identifies (`virtkit-luks:…`, `virtkit/ovs/…`), so different kinds never share a UUID.
 */
export function nameBasedUuid(name: string): string {
  const h = createHash("sha1").update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
