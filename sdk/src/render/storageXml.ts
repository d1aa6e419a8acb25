import { poolTargetPath, type PoolSpec, type VolumeSpec } from "../schema/storage";
import { el, textEl, toXml } from "./xml";

/** `virsh vol-create` XML: a qcow2/raw volume, optionally a copy-on-write overlay and LUKS-encrypted. */
export function renderVolumeXml(vol: VolumeSpec): string {
  return toXml(
    el(
      "volume",
      { type: vol.type },
      textEl("name", vol.name),
      textEl("capacity", vol.capacity, { unit: "bytes" }),
      el(
        "target",
        {},
        // a logical volume has no format of its own
        vol.type === "file" && el("format", { type: vol.format }),
        vol.encryption && el("encryption", { format: "luks" }, el("secret", { type: "passphrase", uuid: vol.encryption.secretUuid })),
      ),
      vol.backingStore && el("backingStore", {}, textEl("path", vol.backingStore.path), el("format", { type: vol.backingStore.format })),
    ),
  );
}

/** `virsh pool-define` XML of a dir, logical (LVM) or iSCSI pool. */
export function renderPoolXml(pool: PoolSpec): string {
  const target = el("target", {}, textEl("path", poolTargetPath(pool)));
  switch (pool.type) {
    case "dir":
      return toXml(el("pool", { type: "dir" }, textEl("name", pool.name), target));
    case "logical":
      return toXml(
        el(
          "pool",
          { type: "logical" },
          textEl("name", pool.name),
          el("source", {}, pool.devices.map((d) => el("device", { path: d })), textEl("name", pool.volumeGroup ?? pool.name), el("format", { type: "lvm2" })),
          target,
        ),
      );
    case "iscsi":
      return toXml(
        el(
          "pool",
          { type: "iscsi" },
          textEl("name", pool.name),
          el(
            "source",
            {},
            el("host", { name: pool.portal.host, port: pool.portal.port }),
            el("device", { path: pool.target }),
            pool.initiator && el("initiator", {}, el("iqn", { name: pool.initiator })),
          ),
          target,
        ),
      );
  }
}
