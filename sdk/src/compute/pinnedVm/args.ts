import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LibvirtName } from "../../schema/common";
import { MemorySpec } from "../../schema/memory";
import { HostdevSpec, NicModel, NicSpec } from "../../schema/network";
import { ExpanderBus } from "../../schema/platform";
import { DiskSpec } from "../../schema/storage";
import { VmSpecObject } from "../../schema/vm";
import { componentRef, hostRef, laterOr, secretArg, type ComponentContract } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { HugepageMemory } from "../hugepageMemory/HugepageMemory";
import { Qcow2Volume } from "../../storage/qcow2Volume/Qcow2Volume";
import { StorageSecret } from "../../storage/storageSecret/StorageSecret";
import { SriovNic } from "../../network/sriovNic/SriovNic";
import { PciPassthrough } from "../../network/pciPassthrough/PciPassthrough";
import { VirtualNetwork } from "../../network/virtualNetwork/VirtualNetwork";
import type { PinnedVm } from "./PinnedVm";

/**
 * Everything a PinnedVm takes, in one place: the VM spec's fields (documented on
 * `VmSpecObject` in schema/vm.ts), the options below, the host, and the fields where a
 * virtkit component may stand for plain spec input. The argument type, the package schema
 * and the component provider derive from it; validation is `plan.ts`'s, field by field.
 */

/** What a PinnedVm adds to a VM spec: what to call the domain and how to place it. */
export const PinnedVmOptions = z.object({
  /** libvirt domain name; default the component name. Changing it replaces the domain. */
  domainName: LibvirtName.optional(),
  /** Auto pinning: emulator and iothreads on the host's reserved CPUs (`housekeeping`, default) or on `dedicated` CPUs. */
  emulator: z.enum(["housekeeping", "dedicated"]).default("housekeeping"),
  /** An SR-IOV NIC or device on another NUMA node than the vCPUs is an error, not a warning. Default false. */
  strictLocality: z.boolean().default(false),
  /**
   * Apply a change of the pinning alone (vCPU, emulator and iothread pins) to the running
   * domain with `virsh vcpupin|emulatorpin|iothreadpin --live --config`, without the restart
   * provider v0.9.7 does on any domain update. Any other change still restarts the VM, and the
   * pins are re-applied after it. Default false.
   */
  livePinning: z.boolean().default(false),
  /**
   * Adopt a domain that already exists instead of creating one: `{ uuid }` is its libvirt UUID
   * (`virsh domuuid NAME`), the provider's import id. The first `pulumi up` imports the domain
   * (Pulumi's `import` resource option) and manages it from then on; the program must describe
   * it as it is, or the import stops with the differences. `virtkit import` writes it.
   */
  adopt: z.object({ uuid: z.guid({ message: "expected the domain's UUID, as `virsh domuuid NAME` prints it" }) }).optional(),
  /** Expander buses per guest NUMA cell: `"auto"` (default: one per cell holding passthrough devices), `"none"`, or explicit `{ guestNode, busNr? }`s. */
  // a list is checked item by item as the spec's expanderBuses, with their paths
  expanderBuses: z
    .custom<"auto" | "none" | z.input<typeof ExpanderBus>[]>((v) => v === "auto" || v === "none" || Array.isArray(v), {
      error: (i) => `${JSON.stringify(i.input)} is not an expander bus choice; expected "auto", "none" or a list of { guestNode, busNr? }`,
    })
    .default("auto"),
});
export type PinnedVmOptions = z.infer<typeof PinnedVmOptions>;

/** cloud-init for a PinnedVm: what the guest is told at first boot. Every value may be a Pulumi Input; a secret stays a secret. */
export const CloudInitArgsSchema = z.object({
  /**
   * User data as cloud-init reads it (`#cloud-config` YAML, a script, a MIME multipart).
   * Instead of this, give the simple form: `users`, `sshAuthorizedKeys`, `hostname`.
   */
  userData: laterOr(z.string()).optional().describe("User data as cloud-init reads it; or the simple form (users, sshAuthorizedKeys, hostname)."),
  /** Users to create, each with SSH keys and (default true) password-less sudo. */
  users: z
    .array(z.object({ name: z.string(), sshAuthorizedKeys: z.array(laterOr(z.string())), sudo: z.boolean().optional().describe("Password-less sudo; default true.") }))
    .optional(),
  /** SSH public keys for the image's default user (`debian` on Debian's cloud images). */
  sshAuthorizedKeys: z.array(laterOr(z.string())).optional().describe("SSH public keys for the image's default user."),
  /** The guest's host name (meta data `local-hostname`). Default: the domain name. */
  hostname: laterOr(z.string()).optional().describe("The guest's host name; default the domain name."),
  /** Meta data as cloud-init reads it. Default: `instance-id` the domain name, `local-hostname` the host name. */
  metaData: laterOr(z.string()).optional(),
  /** Network configuration (cloud-init's network config v1 or v2). Default: cloud-init's own (DHCP on the first NIC). */
  networkConfig: laterOr(z.string()).optional(),
  /** Storage pool for the seed ISO. Default: the pool of the VM's first Qcow2Volume, else `default`. */
  pool: z.string().optional().describe("Pool for the seed ISO; default the first Qcow2Volume's, else default."),
});
export type CloudInitArgs = z.input<typeof CloudInitArgsSchema>;

const virtualNetworkRef = componentRef<VirtualNetwork>("VirtualNetwork", (n) => n instanceof VirtualNetwork);

/**
 * A NIC on a VirtualNetwork, for `nics`: the network with the NIC's own settings. On a
 * `hostdev` pool the NIC is a VF, which has no model or queues.
 */
const VirtualNetworkNicSchema = z
  .object({
    network: virtualNetworkRef,
    /** Guest MAC address; default: libvirt picks one. */
    mac: z.string().optional().describe("Guest MAC address; default: libvirt picks one."),
    /** NIC model (`virtio`, default; `e1000`, `e1000e`, `rtl8139`); not on a `hostdev` pool. */
    model: NicModel.optional().describe("virtio (default), e1000, e1000e or rtl8139; not on a hostdev network."),
    /** virtio queue pairs; default one per vCPU for a pinned VM. Not on a `hostdev` pool. */
    queues: z.number().int().optional().describe("virtio queue pairs; default one per vCPU. Not on a hostdev network."),
    /** On a `hostdev` pool: let the guest change the VF's MAC and receive filters. Default false. */
    trust: z.boolean().optional().describe("On a hostdev network: let the guest change the VF's MAC and filters."),
  })
  .meta({ virtkitName: "VirtualNetwork" });
export type VirtualNetworkNic = z.input<typeof VirtualNetworkNicSchema>;

/** A disk of the spec, whose network-disk key may be a StorageSecret of the program. */
const DiskArgSchema = DiskSpec.extend({
  auth: z
    .object({
      username: DiskSpec.shape.auth.unwrap().shape.username,
      secret: z.union([componentRef<StorageSecret>("StorageSecret", (s) => s instanceof StorageSecret), DiskSpec.shape.auth.unwrap().shape.secret]),
    })
    .optional(),
});

/** A graphical display; the password is a secret for the provider alone. */
const GraphicsArgSchema = z.object({
  type: z.enum(["vnc", "spice"]).describe("vnc or spice."),
  listen: z.string().optional().describe("Host address to listen on; default 127.0.0.1."),
  password: secretArg(laterOr(z.string())).optional().describe("Display password (VNC: at most 8 characters)."),
});

const PinnedVmContractArgs = VmSpecObject.omit({ name: true, memory: true, disks: true, nics: true, hostdevs: true, expanderBuses: true, graphics: true })
  .extend(PinnedVmOptions.shape)
  .extend({
    /**
     * The host the VM runs on, or the hosts it may run on: virtkit places it on the first where
     * it fits (CPUs, NUMA nodes, hugepages, VFs, its volumes' and NICs' host), and the placement
     * lock keeps it there on later runs, whatever is added to the list or reordered.
     */
    host: z.union([hostRef<LibvirtHost>((h) => h instanceof LibvirtHost), z.array(hostRef<LibvirtHost>((h) => h instanceof LibvirtHost))]),
    /** Guest RAM: a HugepageMemory, or plain `{ size, locked?, nosharepages?, ... }`. */
    memory: z.union([componentRef<HugepageMemory>("HugepageMemory", (m) => m instanceof HugepageMemory), MemorySpec]),
    /**
     * Disks in guest order (vda, vdb, ...): Qcow2Volumes or `{ source: { pool, volume } | { file } |
     * { device } | { iscsi } | { rbd }, auth?: { username, secret: a StorageSecret } }`.
     */
    disks: z.array(z.union([componentRef<Qcow2Volume>("Qcow2Volume", (v) => v instanceof Qcow2Volume), DiskArgSchema])).optional(),
    /** NICs in guest order: SriovNics, VirtualNetworks (or `{ network: VirtualNetwork, mac?, model?, queues?, trust? }`), or `{ type: "network" | "bridge" | "direct" | "vhostuser" | "vf" | "hostdev-network", ... }`. */
    nics: z.array(z.union([componentRef<SriovNic>("SriovNic", (n) => n instanceof SriovNic), virtualNetworkRef, VirtualNetworkNicSchema, NicSpec])).optional(),
    /** Whole PCI devices passed through: PciPassthroughs or `{ address, managed? }`. */
    hostdevs: z.array(z.union([componentRef<PciPassthrough>("PciPassthrough", (h) => h instanceof PciPassthrough), HostdevSpec])).optional(),
    /** Expander buses per guest NUMA cell: `"auto"` (default), `"none"`, or explicit `{ guestNode, busNr? }`s. */
    expanderBuses: z.union([z.enum(["auto", "none"]), z.array(ExpanderBus)]).optional(),
    /**
     * A graphical display: `{ type: "vnc" | "spice", listen?, password? }`. `listen` defaults to
     * `127.0.0.1`; the password (a Pulumi secret, say) reaches the provider only, never `domainXml`.
     * A VNC password is at most 8 characters (VNC's own limit). Default none (the serial console
     * is the way in).
     */
    graphics: GraphicsArgSchema.optional(),
    /** What the guest is told at first boot (users, SSH keys, host name, network): a cloud-init seed on a CD-ROM. Default none. */
    cloudInit: CloudInitArgsSchema.optional(),
  });

/** A NIC whose MAC may arrive later (an Input): it is checked when it resolves. */
type WithInputMac<T> = T extends { mac?: string } ? Omit<T, "mac"> & { mac?: pulumi.Input<string> } : T;
type ContractInput = z.input<typeof PinnedVmContractArgs>;

/** A PinnedVm's arguments: the contract's input, where a NIC's MAC may also be a Pulumi Input. */
export type PinnedVmArgs = Omit<ContractInput, "nics"> & { nics?: WithInputMac<NonNullable<ContractInput["nics"]>[number]>[] };

/** A VM's arguments with the one host it was placed on: what planning and the component work on. */
export type OnOneHost = PinnedVmArgs & { host: LibvirtHost };

export const pinnedVmContract: ComponentContract<typeof PinnedVmContractArgs, PinnedVm> = {
  kind: "PinnedVm",
  description:
    "A VM with its vCPUs pinned to host CPUs, its memory on the right NUMA nodes, and its disks, NICs and passthrough devices; one libvirt domain.",
  args: PinnedVmContractArgs,
  outputs: {
    domainXml: { type: "string", description: "The domain XML virtkit decided on." },
    placement: { description: "vCPU to host CPU and NUMA node, memory per node, devices." },
    uuid: { type: "string", description: "The domain's UUID." },
  },
};
