import type { VmSpec } from "../schema/vm";
import { el, textEl, type XmlElement } from "./xml";

/**
 * Direct kernel boot (`boot: { kernel, initrd?, cmdline? }`) in the domain's three views. The
 * model carries the host paths on `os`; the XML writes `<kernel>`, `<initrd>` and `<cmdline>`
 * where a VM that boots a disk writes `<boot dev='hd'/>`; the provider arguments set
 * `os.kernel`, `os.initrd` and `os.cmdline` (Optional strings in provider v0.9.7's schema) and
 * no `os.bootDevices`. QEMU loads the files when the domain starts, so libvirt's message about
 * a missing one arrives at `pulumi up`.
 */
export interface DirectBootModel {
  readonly kernel?: string;
  readonly initrd?: string;
  readonly cmdline?: string;
}

/** The model's `os` fields for a spec's `boot` (none without it). */
export function directBootModel(vm: Pick<VmSpec, "boot">): DirectBootModel {
  return vm.boot ? { kernel: vm.boot.kernel, initrd: vm.boot.initrd, cmdline: vm.boot.cmdline } : {};
}

/** What `<os>` holds after `<type>`: the kernel, initrd and command line, or the disk to boot. */
export function osBootXml(os: DirectBootModel): XmlElement[] {
  if (os.kernel === undefined) return [el("boot", { dev: "hd" })];
  return [textEl("kernel", os.kernel), os.initrd !== undefined && textEl("initrd", os.initrd), os.cmdline !== undefined && textEl("cmdline", os.cmdline)].filter(
    (e): e is XmlElement => !!e,
  );
}

/** The provider's `os` arguments for the same: `kernel`/`initrd`/`cmdline`, or `bootDevices`. */
export function osBootArgs(os: DirectBootModel): { kernel?: string; initrd?: string; cmdline?: string; bootDevices?: { dev: string }[] } {
  if (os.kernel === undefined) return { bootDevices: [{ dev: "hd" }] };
  return { kernel: os.kernel, initrd: os.initrd, cmdline: os.cmdline };
}
