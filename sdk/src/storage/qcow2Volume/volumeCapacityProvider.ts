import * as pulumi from "@pulumi/pulumi";
import { capacityChange, growVolume, volumeCapacity } from "../volumeGrowth";

/**
 * The capacity of a volume the provider made, owned by virtkit: provider v0.9.7 replaces a
 * volume on any change (upstream #1325), so the provider's volume ignores capacity changes
 * and this resource grows it in place (`virsh vol-resize`, or `blockresize` on the running
 * domain that has it). A shrink is refused in `diff`, so `preview` says why before anything
 * changes. Deleting it changes nothing: the volume goes with the provider's resource.
 */
export interface VolumeCapacityInputs {
  uri: string;
  pool: string;
  /** libvirt volume name in `pool`. */
  name: string;
  /** Virtual size in bytes. */
  capacity: number;
}

export interface VolumeCapacityOutputs extends VolumeCapacityInputs {
  /** How the last growth was made: `vol-resize`, or `blockresize <domain> <target>`. */
  grownBy?: string;
}

const IDENTITY = ["uri", "pool", "name"] as const;

export const volumeCapacityProvider: pulumi.dynamic.ResourceProvider = {
  /** The volume was just made at this capacity, or already exists (a program that adopts it): grow it when it is smaller. */
  async create(inputs: VolumeCapacityInputs) {
    const what = `${inputs.pool}/${inputs.name}`;
    const change = capacityChange(what, volumeCapacity(inputs.uri, inputs.pool, inputs.name), inputs.capacity);
    if (change.kind === "shrink") throw new Error(change.reason);
    const outs: VolumeCapacityOutputs = { ...inputs };
    if (change.kind === "grow") {
      const g = growVolume(inputs.uri, inputs.pool, inputs.name, inputs.capacity);
      outs.grownBy = g.how === "blockresize" ? `blockresize ${g.domain} ${g.target}` : g.how;
    }
    return { id: `${inputs.uri}|${what}`, outs };
  },

  async diff(_id: string, olds: VolumeCapacityOutputs, news: VolumeCapacityInputs) {
    const replaces = IDENTITY.filter((k) => olds[k] !== news[k]);
    // another volume: its capacity is that volume's business, judged when created
    if (replaces.length) return { changes: true, replaces: [...replaces], deleteBeforeReplace: true };
    const change = capacityChange(`${news.pool}/${news.name}`, olds.capacity, news.capacity);
    if (change.kind === "shrink") throw new Error(change.reason);
    return { changes: change.kind === "grow", replaces: [] };
  },

  async update(_id: string, olds: VolumeCapacityOutputs, news: VolumeCapacityInputs) {
    const change = capacityChange(`${news.pool}/${news.name}`, olds.capacity, news.capacity);
    if (change.kind === "shrink") throw new Error(change.reason);
    const g = growVolume(news.uri, news.pool, news.name, news.capacity);
    return { outs: { ...news, grownBy: g.how === "blockresize" ? `blockresize ${g.domain} ${g.target}` : g.how } };
  },

  async delete() {
    // the volume itself belongs to the provider's resource
  },
};

/** `virtkit:VolumeCapacity`: grows a volume in place; never shrinks or replaces it. */
export class VolumeCapacity extends pulumi.dynamic.Resource {
  declare readonly capacity: pulumi.Output<number>;
  declare readonly grownBy: pulumi.Output<string | undefined>;
  constructor(name: string, args: { [K in keyof VolumeCapacityInputs]: pulumi.Input<VolumeCapacityInputs[K]> }, opts: pulumi.CustomResourceOptions = {}) {
    super(volumeCapacityProvider, name, { ...args, grownBy: undefined }, opts, "virtkit", "VolumeCapacity");
  }
}
