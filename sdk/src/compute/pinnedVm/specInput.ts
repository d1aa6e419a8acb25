import * as pulumi from "@pulumi/pulumi";
import { VirtkitValidationError } from "../../errors";
import { formatCpuset, parseCpuset } from "../../schema/cpuset";
import { formatPciAddress } from "../../schema/pci";
import { type VmSpecInput } from "../../schema/vm";
import { PinnedVmOptions, type OnOneHost, type VirtualNetworkNic } from "./args";
import { PciPassthrough } from "../../network/pciPassthrough/PciPassthrough";
import { SriovNic } from "../../network/sriovNic/SriovNic";
import { VirtualNetwork } from "../../network/virtualNetwork/VirtualNetwork";
import type { NicSpecInput } from "../../schema/network";
import { Qcow2Volume } from "../../storage/qcow2Volume/Qcow2Volume";
import { HugepageMemory } from "../hugepageMemory/HugepageMemory";
import { type CloudInitPlan } from "./cloudInitSeed";
import { InputChecks, isLater } from "../../program/inputs";
import { MacAddress } from "../../schema/common";

/** A NIC on a VirtualNetwork, given as the network itself or as `{ network, ... }`. */
export function virtualNetworkNic(n: unknown): VirtualNetworkNic | undefined {
  if (n instanceof VirtualNetwork) return { network: n };
  const network = (n as { network?: unknown } | null | undefined)?.network;
  return network instanceof VirtualNetwork ? (n as VirtualNetworkNic) : undefined;
}

/** The NIC a VirtualNetwork gives: a virtio (or emulated) NIC on it, or a VF from a hostdev pool. */
export function networkNicSpec({ network, mac, model, queues, trust }: VirtualNetworkNic): NicSpecInput {
  if (network.spec.mode === "hostdev") return { type: "hostdev-network", network: network.networkName, mac, vlan: network.spec.vlan, trust };
  return { type: "network", network: network.networkName, mac, model, queues };
}

/** A NIC to take from a PF by placement: its index in `nics` and the SriovNic. */
export interface PfNic {
  index: number;
  nic: SriovNic;
}

/** Turns component references into plain spec input; PF NICs wait for placement to pick a VF. */
export function specInput(
  name: string,
  args: OnOneHost,
  options: PinnedVmOptions,
  component: string,
  cloudInit: CloudInitPlan | undefined,
  checks: InputChecks,
): { input: VmSpecInput; pfNics: PfNic[]; lateMacs: Map<number, pulumi.Input<string>> } {
  const memory = args.memory instanceof HugepageMemory ? args.memory.spec : args.memory;
  const hugepageNodes = args.memory instanceof HugepageMemory ? args.memory.hostNodes : undefined;
  const numa = args.numa ?? {};
  if (hugepageNodes && numa.hostNodes !== undefined) {
    // one binding, said twice: refuse a disagreement instead of letting one silently win
    const own = (() => { try { return formatCpuset(parseCpuset(numa.hostNodes)); } catch { return numa.hostNodes; } })();
    if (own !== formatCpuset(hugepageNodes)) {
      throw new VirtkitValidationError(component, [{ path: "numa.hostNodes", reason: `"${numa.hostNodes}" differs from the hostNodes "${formatCpuset(hugepageNodes)}" of ${(args.memory as HugepageMemory).attachment.component}; give them in one place` }]);
    }
  }
  const { nics, pfNics, lateMacs } = nicsInput(args, checks);
  const input: VmSpecInput = {
    name: options.domainName ?? name,
    vcpus: args.vcpus,
    cpu: args.cpu,
    pinning: args.pinning ?? (args.host.ledger ? "auto" : undefined),
    iothreads: args.iothreads,
    realtime: args.realtime,
    memory,
    numa: hugepageNodes && !(numa as { hostNodes?: unknown }).hostNodes ? { ...numa, hostNodes: hugepageNodes.join(",") } : numa,
    disks: (args.disks ?? []).map((d) =>
      d instanceof Qcow2Volume
        ? {
            // a logical volume is a block device the guest gets whole
            source: d.storagePool?.spec.type === "logical" ? { device: `${d.storagePool.targetPath}/${d.volumeName}` } : { pool: d.poolName, volume: d.volumeName },
            format: d.format,
            encryption: d.secretUuid ? { secretUuid: d.secretUuid } : undefined,
          }
        : d,
    ),
    nics,
    hostdevs: (args.hostdevs ?? []).map((h) => {
      if (!(h instanceof PciPassthrough)) return h;
      return { address: formatPciAddress(h.address), managed: h.managed };
    }),
    chipset: args.chipset,
    firmware: args.firmware,
    expanderBuses: Array.isArray(options.expanderBuses) ? options.expanderBuses : [],
    domainType: args.domainType,
    running: args.running,
    serialConsole: args.serialConsole,
    // the password is not part of the spec: it stays an Input, for the provider alone
    boot: args.boot,
    graphics: args.graphics && typeof args.graphics === "object" ? { type: args.graphics.type, listen: args.graphics.listen } : args.graphics,
    cdroms:
      Array.isArray(args.cdroms) || args.cdroms === undefined
        ? [...(args.cdroms ?? []), ...(cloudInit ? [{ source: { pool: cloudInit.pool, volume: cloudInit.volume } }] : [])]
        : args.cdroms,
  };
  return { input, pfNics, lateMacs };
}

/** The NICs as spec input: components become NIC specs, PF NICs wait for placement, MACs known later are checked then. */
function nicsInput(args: OnOneHost, checks: InputChecks): { nics: NicSpecInput[]; pfNics: PfNic[]; lateMacs: Map<number, pulumi.Input<string>> } {
  const pfNics: PfNic[] = [];
  const nicInputs = (args.nics ?? []).map((n, index) => {
    const onNetwork = virtualNetworkNic(n);
    if (onNetwork) return networkNicSpec(onNetwork);
    if (!(n instanceof SriovNic)) return n as NicSpecInput;
    if (n.vfAddress) return { type: "vf" as const, address: formatPciAddress(n.vfAddress), mac: n.mac, vlan: n.vlan, trust: n.trust };
    if (n.network) return { type: "hostdev-network" as const, network: `sriov-${n.pf}`, mac: n.mac, vlan: n.vlan, trust: n.trust };
    pfNics.push({ index, nic: n });
    // stands in until placement picks the VF; replaced in withChosenVfs
    return { type: "hostdev-network" as const, network: `sriov-${n.pf}`, mac: n.mac, vlan: n.vlan, trust: n.trust };
  });
  // a MAC known only at deployment is checked then; the spec goes on without it
  const lateMacs = new Map<number, pulumi.Input<string>>();
  const nics = nicInputs.map((n, i) => {
    const mac = (n as { mac?: unknown } | null | undefined)?.mac;
    if (!n || typeof n !== "object" || !isLater(mac)) return n as NicSpecInput;
    lateMacs.set(i, checks.check(mac as pulumi.Output<string>, MacAddress, `nics[${i}].mac`)!);
    return { ...n, mac: undefined } as NicSpecInput;
  });
  return { nics, pfNics, lateMacs };
}
