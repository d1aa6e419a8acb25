import type { VolumeSpec } from "../spec/storage";
import { el, textEl, toXml } from "./xml";

/** `virsh vol-create` XML: a qcow2/raw volume, optionally a copy-on-write overlay and LUKS-encrypted. */
export function renderVolumeXml(vol: VolumeSpec): string {
  return toXml(
    el(
      "volume",
      { type: "file" },
      textEl("name", vol.name),
      textEl("capacity", vol.capacity, { unit: "bytes" }),
      el(
        "target",
        {},
        el("format", { type: vol.format }),
        vol.encryption && el("encryption", { format: "luks" }, el("secret", { type: "passphrase", uuid: vol.encryption.secretUuid })),
      ),
      vol.backingStore && el("backingStore", {}, textEl("path", vol.backingStore.path), el("format", { type: vol.backingStore.format })),
    ),
  );
}
