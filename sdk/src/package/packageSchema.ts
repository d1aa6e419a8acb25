import { z } from "zod";
import { VmSpecObject, PinnedVmOptions } from "../schema/vm";
import { ExpanderBus } from "../schema/platform";
import { HugepageMemoryArgsSchema } from "../compute/hugepageMemory/HugepageMemory";
import { LibvirtHostArgsSchema } from "../libvirtHost/LibvirtHost";
import { Qcow2VolumeArgsSchema } from "../storage/qcow2Volume/Qcow2Volume";
import { SriovNicArgsSchema } from "../network/sriovNic/SriovNic";
import { PciPassthroughArgsSchema } from "../network/pciPassthrough/PciPassthrough";
import { NetworkSpec } from "../schema/network";
import { PoolSpec } from "../schema/storage";
import { StorageSecretArgsSchema } from "../storage/storageSecret/StorageSecret";

/**
 * virtkit's Pulumi package schema, generated from the components' zod argument schemas, so
 * a program in any language Pulumi supports (Pulumi YAML first) declares the same arguments
 * the TypeScript components take. `npm run schema` writes it to schema.json; a test keeps
 * that file current. Validation stays virtkit's own: the schema gives shapes (what a
 * language checks or generates types from), the component gives VirtkitValidationError.
 */

export const PACKAGE = "virtkit";
const MODULE = `${PACKAGE}:index`;

/** A Pulumi schema type reference (the subset virtkit uses). */
export interface TypeSpec {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
  items?: TypeSpec;
  additionalProperties?: TypeSpec;
  $ref?: string;
  oneOf?: TypeSpec[];
}
export interface PropertySpec extends TypeSpec {
  description?: string;
  secret?: boolean;
}
export interface ObjectTypeSpec {
  type: "object";
  properties: Record<string, PropertySpec>;
  required?: string[];
}
export interface ResourceSpec {
  isComponent: true;
  description: string;
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
  required: string[];
}
export interface PackageSchema {
  name: string;
  displayName: string;
  version?: string;
  description: string;
  license: string;
  keywords: string[];
  types: Record<string, ObjectTypeSpec>;
  resources: Record<string, ResourceSpec>;
  language: Record<string, unknown>;
}

type Json = { [k: string]: unknown };
const ANY: TypeSpec = { $ref: "pulumi.json#/Any" };
export const resourceRef = (component: string): TypeSpec => ({ $ref: `#/resources/${MODULE}:${component}` });
const pascal = (s: string) => s.replace(/(^|[-_ ])([a-z0-9])/gi, (_, _sep, c: string) => c.toUpperCase());

/**
 * Turns zod's JSON Schema (input side) into Pulumi type specs. Objects become named types
 * (`virtkit:index:<Component><Path>`) collected in `types`; enums and patterns are left to
 * virtkit's own validation (a Pulumi schema has no inline enums); what zod cannot describe
 * (a value that may be a Pulumi Input or a component) is `Any`.
 */
export class Converter {
  readonly types: Record<string, ObjectTypeSpec> = {};

  fromZod(schema: z.ZodType, name: string): TypeSpec {
    return this.convert(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json, name);
  }

  /** Properties of a zod object, each converted. */
  properties(shape: Record<string, z.ZodType>, name: string): Record<string, PropertySpec> {
    const out: Record<string, PropertySpec> = {};
    for (const [key, field] of Object.entries(shape)) out[key] = this.fromZod(field, `${name}${pascal(key)}`);
    return out;
  }

  /**
   * A discriminated union's variants as one set of properties (a component's inputs are one
   * object): each key once, the discriminator naming the variant; which keys go with which
   * variant is virtkit's own check.
   */
  unionProperties(union: z.ZodDiscriminatedUnion<z.ZodObject[]>, name: string, omit: string[] = []): Record<string, PropertySpec> {
    const out: Record<string, PropertySpec> = {};
    for (const variant of union.options) {
      const shape = Object.fromEntries(Object.entries(variant.shape).filter(([k]) => !omit.includes(k) && !(k in out)));
      Object.assign(out, this.properties(shape as Record<string, z.ZodType>, name));
    }
    const key = union._zod.def.discriminator;
    const values = union.options.map((v) => (v.shape[key] as z.ZodLiteral<string>).value);
    out[key] = { type: "string", description: `${values.slice(0, -1).join(", ")} or ${values.at(-1)}.` };
    return out;
  }

  /** Replaces a property of a named type already converted (a spec field that may also be a component). */
  widen(type: string, key: string, widen: (converted: PropertySpec) => TypeSpec): void {
    const t = this.types[`${MODULE}:${type}`];
    if (!t?.properties[key]) throw new Error(`package schema: no ${type}.${key} to widen`);
    t.properties[key] = widen(t.properties[key]);
  }

  /** A named object type of the package, by reference. */
  object(name: string, properties: Record<string, PropertySpec>, required: string[] = []): TypeSpec {
    const token = `${MODULE}:${name}`;
    this.types[token] = { type: "object", properties, ...(required.length ? { required } : {}) };
    return { $ref: `#/types/${token}` };
  }

  convert(js: Json, name: string): TypeSpec {
    const variants = (js.anyOf ?? js.oneOf) as Json[] | undefined;
    if (variants) return this.union(variants.map((v, i) => this.convert(v, `${name}${variantName(v, i)}`)));
    const type = js.type;
    if (Array.isArray(type)) return this.union(type.map((t) => this.convert({ ...js, type: t }, name)));
    switch (type) {
      case "string":
      case "boolean":
      case "number":
        return { type };
      case "integer":
        return { type: "integer" };
      case "array":
        return { type: "array", items: js.items ? this.convert(js.items as Json, name.replace(/s$/, "")) : ANY };
      case "object": {
        const props = js.properties as Record<string, Json> | undefined;
        if (!props) return { type: "object", additionalProperties: js.additionalProperties ? this.convert(js.additionalProperties as Json, name) : ANY };
        const properties: Record<string, PropertySpec> = {};
        for (const [key, p] of Object.entries(props)) {
          // a LUKS passphrase (Qcow2Volume.encryption) is a string the engine keeps secret
          properties[key] = key === "passphrase" ? { type: "string", secret: true } : this.convert(p, `${name}${pascal(key)}`);
        }
        return this.object(name, properties, Array.isArray(js.required) ? (js.required as string[]) : []);
      }
      default:
        return ANY;
    }
  }

  union(specs: TypeSpec[]): TypeSpec {
    if (specs.some((s) => s === ANY || s.$ref === ANY.$ref)) return ANY;
    return specs.length === 1 ? specs[0] : { oneOf: specs };
  }
}

/** A union variant's name: its `type` constant (NICs), else its required keys, else its index. */
function variantName(v: Json, i: number): string {
  const props = v.properties as Record<string, Json> | undefined;
  const discriminator = props?.type?.const;
  if (typeof discriminator === "string") return pascal(discriminator);
  const required = v.required as string[] | undefined;
  if (required?.length) return required.map(pascal).join("");
  return v.type === "object" ? `Variant${i}` : "";
}

/** The components of the package: argument schemas, references between them, outputs. */
export interface ComponentSpec {
  name: string;
  description: string;
  /** Every argument, as a Pulumi property (references to other components included). */
  inputs(c: Converter): Record<string, PropertySpec>;
  required: string[];
  outputs: Record<string, PropertySpec>;
}

/** PinnedVm's arguments that are plain spec fields (the rest are references or options). */
export const PINNED_VM_SPEC_FIELDS = VmSpecObject.omit({ name: true, memory: true, disks: true, nics: true, hostdevs: true, expanderBuses: true, graphics: true });
const host = { host: { ...resourceRef("LibvirtHost"), description: "The LibvirtHost this is on." } };

export const COMPONENTS: ComponentSpec[] = [
  {
    name: "LibvirtHost",
    description: "One libvirt host: a provider instance for its URI, what virtkit knows of its hardware, and the ledger of what the components on it claimed.",
    inputs: (c) => ({ ...c.properties(LibvirtHostArgsSchema.shape, "LibvirtHost"), uri: { type: "string", description: "libvirt connection URI, e.g. qemu:///system or qemu+ssh://root@hv1/system." } }),
    required: ["uri"],
    outputs: { uri: { type: "string" }, capacity: { ...ANY, description: "CPUs, hugepages and VFs used and free per NUMA node (with capabilities)." } },
  },
  {
    name: "HugepageMemory",
    description: "The hugepage-backed RAM of one VM; the PinnedVm that uses it claims its pages from the host's pools.",
    inputs: (c) => c.properties(HugepageMemoryArgsSchema.shape, "HugepageMemory"),
    required: ["size", "pageSize"],
    outputs: { sizeBytes: { type: "number" }, pageSizeBytes: { type: "number" }, pages: { type: "number" } },
  },
  {
    name: "Qcow2Volume",
    description: "A qcow2 volume in a pool of a host, optionally a copy-on-write overlay over a base image, optionally LUKS-encrypted.",
    inputs: (c) => ({
      ...c.properties(Qcow2VolumeArgsSchema.shape, "Qcow2Volume"),
      ...host,
      pool: { ...c.union([{ type: "string" }, resourceRef("StoragePool")]), description: "A libvirt pool's name (default), or a StoragePool." },
      baseImage: c.union([
        c.object("Qcow2VolumeBaseImageUrl", { url: { type: "string", description: "http(s) URL, file:// URL or absolute path of the image." } }, ["url"]),
        c.object("Qcow2VolumeBaseImageVolume", { volume: resourceRef("Qcow2Volume") }, ["volume"]),
      ]),
    }),
    required: ["host", "pool", "size"],
    outputs: { path: { type: "string" }, volumeXml: { type: "string" }, passphrase: { type: "string", secret: true } },
  },
  {
    name: "SriovNic",
    description: "An SR-IOV virtual function for one VM: a given VF, or one of a PF's.",
    inputs: (c) => ({ ...c.properties(SriovNicArgsSchema.shape, "SriovNic"), ...host }),
    required: ["host"],
    outputs: {},
  },
  {
    name: "PciPassthrough",
    description: "A whole PCI device (GPU, NIC PF, NVMe) passed through to one VM.",
    inputs: (c) => ({ ...c.properties(PciPassthroughArgsSchema.shape, "PciPassthrough"), ...host }),
    required: ["host", "address"],
    outputs: {},
  },
  {
    name: "PinnedVm",
    description: "A VM with its vCPUs pinned to host CPUs, its memory on the right NUMA nodes, and its disks, NICs and passthrough devices; one libvirt domain.",
    inputs: (c) => {
      const spec = VmSpecObject.shape;
      const list = (item: TypeSpec): TypeSpec => ({ type: "array", items: item });
      const disk = c.fromZod(spec.disks.unwrap().element, "PinnedVmDisk");
      // a network disk's key: a StorageSecret of the program, or a secret already on the host
      c.widen("PinnedVmDiskAuth", "secret", (usage) => c.union([resourceRef("StorageSecret"), usage]));
      return {
        ...c.properties(PINNED_VM_SPEC_FIELDS.shape, "PinnedVm"),
        ...c.properties(PinnedVmOptions.shape, "PinnedVm"),
        ...host,
        memory: c.union([resourceRef("HugepageMemory"), c.fromZod(spec.memory, "PinnedVmMemory")]),
        disks: list(c.union([resourceRef("Qcow2Volume"), disk])),
        nics: list(
          c.union([
            resourceRef("SriovNic"),
            resourceRef("VirtualNetwork"),
            c.object(
              "PinnedVmNicVirtualNetwork",
              {
                network: resourceRef("VirtualNetwork"),
                mac: { type: "string", description: "Guest MAC address; default: libvirt picks one." },
                model: { type: "string", description: "virtio (default), e1000, e1000e or rtl8139; not on a hostdev network." },
                queues: { type: "integer", description: "virtio queue pairs; default one per vCPU. Not on a hostdev network." },
                trust: { type: "boolean", description: "On a hostdev network: let the guest change the VF's MAC and filters." },
              },
              ["network"],
            ),
            ...(c.fromZod(spec.nics.unwrap().element, "PinnedVmNic").oneOf ?? []),
          ]),
        ),
        hostdevs: list(c.union([resourceRef("PciPassthrough"), c.fromZod(spec.hostdevs.unwrap().element, "PinnedVmHostdev")])),
        expanderBuses: c.union([{ type: "string" }, list(c.fromZod(ExpanderBus, "PinnedVmExpanderBus"))]),
        graphics: c.object(
          "PinnedVmGraphics",
          {
            type: { type: "string", description: "vnc or spice." },
            listen: { type: "string", description: "Host address to listen on; default 127.0.0.1." },
            password: { type: "string", secret: true, description: "Display password (VNC: at most 8 characters)." },
          },
          ["type"],
        ),
        cloudInit: c.object("PinnedVmCloudInit", {
          userData: { type: "string", description: "User data as cloud-init reads it; or the simple form (users, sshAuthorizedKeys, hostname)." },
          users: list(
            c.object(
              "PinnedVmCloudInitUser",
              { name: { type: "string" }, sshAuthorizedKeys: list({ type: "string" }), sudo: { type: "boolean", description: "Password-less sudo; default true." } },
              ["name", "sshAuthorizedKeys"],
            ),
          ),
          sshAuthorizedKeys: { ...list({ type: "string" }), description: "SSH public keys for the image's default user." },
          hostname: { type: "string", description: "The guest's host name; default the domain name." },
          metaData: { type: "string" },
          networkConfig: { type: "string" },
          pool: { type: "string", description: "Pool for the seed ISO; default the first Qcow2Volume's, else default." },
        }),
      };
    },
    required: ["host", "vcpus", "memory"],
    outputs: {
      domainXml: { type: "string", description: "The domain XML virtkit decided on." },
      placement: { ...ANY, description: "vCPU to host CPU and NUMA node, memory per node, devices." },
      uuid: { type: "string", description: "The domain's UUID." },
    },
  },
  {
    name: "VirtualNetwork",
    description: "A libvirt virtual network on one host (NAT with DHCP, isolated, a host bridge, an Open vSwitch bridge, or a pool of SR-IOV VFs); VMs on the host take it in nics.",
    inputs: (c) => ({
      ...c.unionProperties(NetworkSpec, "VirtualNetwork"),
      ...host,
      name: { type: "string", description: "libvirt network name; default the component's name." },
    }),
    required: ["host", "mode"],
    outputs: { networkName: { type: "string" }, networkXml: { type: "string", description: "The network XML virtkit decided on." } },
  },
  {
    name: "StoragePool",
    description: "A libvirt storage pool on a host: a directory, an LVM volume group or an iSCSI target; Qcow2Volumes take it as their pool.",
    inputs: (c) => ({
      ...c.unionProperties(PoolSpec, "StoragePool"),
      ...host,
      name: { type: "string", description: "libvirt pool name; default the component's name." },
    }),
    required: ["host", "type"],
    outputs: { poolName: { type: "string" }, poolXml: { type: "string" }, targetPath: { type: "string", description: "Where the pool's volumes appear on the host." } },
  },
  {
    name: "StorageSecret",
    description: "The key of network disks (Ceph RBD, iSCSI CHAP) as a private libvirt secret on a host; a disk takes it as auth.secret.",
    inputs: (c) => ({
      ...c.properties(StorageSecretArgsSchema.shape, "StorageSecret"),
      ...host,
      value: { type: "string", secret: true, description: "The Ceph key (base64) or CHAP password; stays a Pulumi secret." },
    }),
    required: ["host", "type", "usage", "value"],
    outputs: { uuid: { type: "string", description: "The libvirt secret's UUID." }, usage: { type: "string" } },
  },
];

/** The whole package schema; `version` is the plugin's (package.json's). */
export function packageSchema(version?: string): PackageSchema {
  const c = new Converter();
  const resources: Record<string, ResourceSpec> = {};
  for (const comp of COMPONENTS) {
    const outputs = comp.outputs;
    resources[`${MODULE}:${comp.name}`] = {
      isComponent: true,
      description: comp.description,
      inputProperties: sortKeys(comp.inputs(c)),
      requiredInputs: comp.required,
      properties: outputs,
      required: [],
    };
  }
  return {
    name: PACKAGE,
    displayName: "virtkit",
    ...(version ? { version } : {}),
    description: "Typed KVM/QEMU virtual-machine topologies as code: Pulumi components over the libvirt provider.",
    license: "Apache-2.0",
    keywords: ["libvirt", "kvm", "qemu", "kind/component"],
    types: sortKeys(c.types),
    resources,
    language: { nodejs: { packageName: "virtkit" } },
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
