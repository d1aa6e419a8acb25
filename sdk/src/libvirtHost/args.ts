import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Cpuset } from "../schema/common";
import { laterOr, type ComponentContract } from "../program/componentContract";
import type { LibvirtHost } from "./LibvirtHost";

export const LibvirtUri = z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/, { message: 'expected a libvirt URI like "qemu+ssh://root@hv1/system"' });

export const LibvirtHostArgsSchema = z.object({
  /**
   * libvirt connection URI: `qemu:///system`, `qemu+ssh://root@hv1/system`, `test:///default`;
   * a string or a Pulumi Input (a secret from config, say). Each host gets its own provider for
   * it. Hosts of one URI (as written) share one ledger and one set of libvirt names, since they
   * are one hypervisor; a URI known only when the program deploys (an Output) is checked then.
   */
  uri: z.custom<pulumi.Input<string>>((u) => pulumi.Output.isInstance(u) || u instanceof Promise || LibvirtUri.safeParse(u).success, {
    error: (i) => (typeof i.input === "string" ? LibvirtUri.safeParse(i.input).error?.issues[0]?.message : undefined) ?? 'expected a libvirt URI like "qemu+ssh://root@hv1/system"',
  }),
  /** `virsh capabilities` XML of the host; enables host checks and `pinning: "auto"`. Without it virtkit cannot check placement against the host. */
  capabilities: z.string().optional(),
  /** `virsh nodedev-dumpxml` documents of the host's PCI devices (SR-IOV PFs and VFs, GPUs). */
  devices: z.array(z.string()).default([]),
  /** Host CPUs kept for the host and VMs' housekeeping threads (libvirt cpuset, e.g. `"0-1,32-33"`), never given to vCPUs. Default none. */
  reservedCpus: Cpuset.optional(),
  /** Use this libvirt provider instead of creating one for `uri` (a provider the program made itself). */
  provider: z.custom<pulumi.ProviderResource>((p) => pulumi.ProviderResource.isInstance(p), { error: "expected a libvirt provider resource (new libvirt.Provider(...))" }).optional(),
});

/** Everything a LibvirtHost takes: its own fields, with the URI described as the Pulumi Input of a string it is. */
const LibvirtHostContractArgs = LibvirtHostArgsSchema.extend({
  uri: laterOr(z.string()).describe("libvirt connection URI, e.g. qemu:///system or qemu+ssh://root@hv1/system."),
});

export type LibvirtHostArgs = z.input<typeof LibvirtHostContractArgs>;

export const libvirtHostContract: ComponentContract<typeof LibvirtHostContractArgs, LibvirtHost> = {
  kind: "LibvirtHost",
  description: "One libvirt host: a provider instance for its URI, what virtkit knows of its hardware, and the ledger of what the components on it claimed.",
  args: LibvirtHostContractArgs,
  outputs: {
    uri: { type: "string", field: "uriOutput" },
    capacity: { description: "CPUs, hugepages and VFs used and free per NUMA node (with capabilities)." },
  },
};
