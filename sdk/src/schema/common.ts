import { z } from "zod";
import { parseCpuset } from "./cpuset";
import { parsePciAddress, type PciAddress } from "./pci";
import { parseSize } from "./units";

/**
 * Shared zod building blocks. Each turns user text into a typed value and reports
 * a reason written for the user (the path is added by zod).
 */

/** Runs a throwing parser inside zod, turning its exception into an issue at the current path. */
function parsed<T>(parse: (v: never) => T) {
  return (value: unknown, ctx: z.RefinementCtx): T => {
    try {
      return parse(value as never);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  };
}

/** A size in bytes, from a number of bytes or an IEC string ("512MiB"). */
export const Size = z
  .union([z.number(), z.string()], { error: "expected a size: bytes or a string like \"512MiB\"" })
  .transform(parsed(parseSize));

/** A size of guest memory: libvirt counts it in KiB, so it must be a whole number of them. */
export const MemorySize = Size.superRefine((bytes, ctx) => {
  if (bytes % 1024 !== 0) ctx.addIssue({ code: "custom", message: `${bytes} bytes is not a whole number of KiB, the unit libvirt counts memory in` });
});

/** An absolute path on the host: no control characters, which XML 1.0 cannot carry. */
export const HostPath = z
  .string({ error: "expected an absolute path string" })
  .regex(/^\/[^\x00-\x1f\x7f]*$/, { message: "expected an absolute path without control characters" })
  .max(4096, { message: "a path is at most 4096 characters (PATH_MAX)" });

/** A libvirt cpuset ("0-3,^2,8") parsed to sorted CPU ids. */
export const Cpuset = z.string({ error: "expected a cpuset string like \"0-3,^2,8\"" }).transform(parsed(parseCpuset));

export const PciAddressText = z
  .string({ error: "expected a PCI address string like \"0000:3b:02.1\"" })
  .transform(parsed((t: string): PciAddress => parsePciAddress(t)));

/** Whole number in [min, max], with a reason that names the bounds. */
export function int(min: number, max: number, what = "value") {
  return z.number({ error: `expected a whole number ${what}` }).superRefine((n, ctx) => {
    if (!Number.isInteger(n)) ctx.addIssue({ code: "custom", message: `${n} is not a whole number; expected a whole number ${what}` });
    else if (n < min || n > max) ctx.addIssue({ code: "custom", message: `${n} is out of range; ${what} must be ${min}..${max}` });
  });
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
const NAME_HINT = 'use letters, digits, "-", "_", "." and "+", starting with a letter or digit';

/**
 * Names of domains, volumes, pools and networks. libvirt itself only forbids "/" in
 * some of them, but these names also become file names, XML and shell arguments, so we
 * accept a portable set and say which character is the problem.
 */
export const LibvirtName = z.string({ error: "expected a name string" }).superRefine((name, ctx) => {
  if (name.length === 0) return void ctx.addIssue({ code: "custom", message: `name is empty; ${NAME_HINT}` });
  if (name.length > 64) {
    return void ctx.addIssue({ code: "custom", message: `"${name}" is ${name.length} characters long; at most 64` });
  }
  if (NAME.test(name)) return;
  const bad = [...name].find((c, i) => !/[A-Za-z0-9_.+-]/.test(c) || (i === 0 && !/[A-Za-z0-9]/.test(c)));
  const shown = bad === undefined ? "" : JSON.stringify(bad);
  ctx.addIssue({ code: "custom", message: `"${name}" contains ${shown || "a character"} which is not allowed in names; ${NAME_HINT}` });
});

/** A host network interface name, as the kernel allows it (at most 15 characters). */
export const InterfaceName = z
  .string({ error: "expected a host interface name" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, { message: 'expected a host interface name like "br0" or "enp59s0f0": at most 15 letters, digits, "_", "." or "-" (an alias like "eth0:1" is not an interface)' });

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** A unicast Ethernet MAC address, normalised to lower case. */
export const MacAddress = z
  .string({ error: "expected a MAC address string like \"52:54:00:12:34:56\"" })
  .superRefine((mac, ctx) => {
    if (!MAC.test(mac)) {
      return void ctx.addIssue({ code: "custom", message: `"${mac}" is not a MAC address; expected six hex octets like "52:54:00:12:34:56"` });
    }
    if (parseInt(mac.slice(0, 2), 16) & 1) {
      ctx.addIssue({ code: "custom", message: `"${mac}" is a multicast address (lowest bit of the first octet set); a NIC needs a unicast MAC` });
    } else if (/^(00:){5}00$/.test(mac)) {
      ctx.addIssue({ code: "custom", message: `"${mac}" is the all-zero address, which no NIC may use` });
    }
  })
  .transform((mac) => mac.toLowerCase());
