import { z } from "zod";
import { HostPath } from "./common";

/**
 * Direct kernel boot: QEMU loads a kernel (and an initramfs) from the host and starts it with
 * a command line, without firmware looking at the disks (`<os><kernel>/<initrd>/<cmdline>`).
 * For appliance VMs whose kernel lives with the host, and for test guests. The files are read
 * by QEMU when the domain starts, so a path that does not exist fails there (`pulumi up`, with
 * libvirt's message), not in validation: virtkit does not know the host's files.
 */
export const BootSpec = z.strictObject(
  {
    /**
     * The kernel image on the host: a bzImage, or an uncompressed ELF vmlinux that QEMU enters
     * at its PVH entry point (a kernel built with CONFIG_PVH). An absolute path, readable by QEMU.
     */
    kernel: HostPath,
    /** The initramfs on the host (cpio, optionally compressed). An absolute path. Default none. */
    initrd: HostPath.optional(),
    /**
     * The kernel command line, e.g. `console=ttyS0 root=/dev/vda1`. Default none (the
     * kernel's built-in one). At most 4096 characters and no control characters: it is one
     * line of XML, and x86 kernels take no more than 2048 bytes of it anyway.
     */
    cmdline: z
      .string({ error: "expected the kernel command line as a string" })
      .regex(/^[^\x00-\x1f\x7f]*$/, { message: "expected one line without control characters" })
      .max(4096, { message: "a kernel command line is at most 4096 characters" })
      .optional(),
  },
  // a misspelt field keeps zod's own message, which names it
  { error: (i) => (i.code === "invalid_type" ? "expected { kernel, initrd?, cmdline? }" : undefined) },
);

export type BootSpecInput = z.input<typeof BootSpec>;
export type BootSpec = z.infer<typeof BootSpec>;

/**
 * What `boot` asks of the rest of the VM. UEFI firmware (`firmware: "efi"`) can start a kernel
 * given this way only when it is an EFI-stub bzImage (OVMF's loader, not QEMU's, runs it), and
 * never a PVH vmlinux; virtkit cannot tell the two apart, and no test here has OVMF to prove
 * the one that works. So the combination is refused, naming both fields.
 */
export function checkBoot(vm: { boot?: unknown; firmware?: unknown }, ctx: z.RefinementCtx): void {
  if (vm.boot === undefined || vm.boot === null) return;
  if (vm.firmware === "efi") {
    ctx.addIssue({
      code: "custom",
      path: ["boot"],
      message: 'direct kernel boot needs firmware "bios" (the default): with "efi" only an EFI-stub kernel would start, and virtkit cannot check which kind boot.kernel is; drop firmware "efi" or boot from a disk',
    });
  }
}
