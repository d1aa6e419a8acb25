import { z } from "zod";
import { HostPath, LibvirtName } from "./common";

/**
 * What makes a guest usable: a console to log in on, an optional graphical display, and
 * read-only CD-ROMs (the cloud-init seed among them).
 */

/** A graphical display (`<graphics>`): a VNC or SPICE server on the host. */
export const GraphicsSpec = z.object({
  /** `vnc` or `spice`. */
  type: z.enum(["vnc", "spice"], { error: 'expected graphics type "vnc" or "spice"' }),
  /**
   * Host address the server listens on. Default `127.0.0.1`: reachable through an SSH tunnel
   * only, since a display is a keyboard on the guest. `0.0.0.0` or `::` listen everywhere.
   */
  listen: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IP address to listen on, like "127.0.0.1" or "0.0.0.0"' }).default("127.0.0.1"),
});
export type GraphicsSpec = z.infer<typeof GraphicsSpec>;

/** A read-only CD-ROM on the SATA bus: an ISO image in a pool or a host file. */
export const CdromSpec = z.object({
  source: z.union([z.object({ pool: LibvirtName, volume: LibvirtName }), z.object({ file: HostPath })], {
    error: "expected { pool, volume } or { file }",
  }),
});
export type CdromSpec = z.infer<typeof CdromSpec>;

/** A login name as cloud-init and Linux take it. */
export const UserName = z
  .string({ error: "expected a user name string" })
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: 'expected a user name like "debian" or "ops": lower-case letters, digits, "_" and "-", at most 32 characters' });

/** An OpenSSH public key line: `TYPE BASE64 [comment]`. */
export const SshPublicKey = z
  .string({ error: "expected an SSH public key string" })
  .regex(/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/, {
    message: 'expected an OpenSSH public key line like "ssh-ed25519 AAAA... user@host" (one key, on one line)',
  });

/** A host name as cloud-init sets it (RFC 1123 labels). */
export const GuestHostname = z
  .string({ error: "expected a host name string" })
  .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, {
    message: 'expected a host name like "web-1" or "web-1.example.org": letters, digits and "-" in dot-separated labels of at most 63',
  });
