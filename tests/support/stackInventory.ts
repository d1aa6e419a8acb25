import type { PulumiProject, StateResource } from "./engine";
import type { Inventory } from "./fleet";

export const emptyInventory = (): Inventory => ({ domains: [], networks: [], pools: [], volumes: [], secrets: [] });

/** The resources of the stack's state, secrets shown (`pulumi stack export --show-secrets`). */
export function exportedResources(project: PulumiProject): StateResource[] {
  const exported = JSON.parse(project.ok("stack", "export", "--show-secrets").stdout) as { deployment: { resources?: StateResource[] } };
  return exported.deployment.resources ?? [];
}

/** The URI of each libvirt provider of a state, by the reference resources hold to it (`urn::id`). */
export const providerUris = (resources: StateResource[]): Map<string, string> =>
  new Map(resources.filter((r) => r.type === "pulumi:providers:libvirt").map((r) => [`${r.urn}::${r.id}`, String(r.inputs?.uri)]));

/**
 * What a state says each host holds, by the URI of the provider each libvirt resource was made
 * through (virtkit's dynamic resources name their URI in their inputs): what the fleet suites
 * compare with what each daemon really holds.
 */
export function stackInventory(resources: StateResource[]): Map<string, Inventory> {
  const providerUri = providerUris(resources);
  const byUri = new Map<string, Inventory>();
  const at = (uri: string) => byUri.get(uri) ?? byUri.set(uri, emptyInventory()).get(uri)!;
  for (const r of resources) {
    const out = r.outputs ?? {};
    const uri = r.provider && providerUri.get(r.provider);
    if (r.type === "libvirt:index/domain:Domain" && uri) at(uri).domains.push(String(out.name));
    else if (r.type === "libvirt:index/network:Network" && uri) at(uri).networks.push(String(out.name));
    else if (r.type === "libvirt:index/pool:Pool" && uri) at(uri).pools.push(String(out.name));
    else if (r.type === "libvirt:index/volume:Volume" && uri) at(uri).volumes.push(`${String(out.pool)}/${String(out.name)}`);
    else if (r.type.endsWith("dynamic/virtkit:LuksVolume")) {
      const i = at(String(out.uri ?? r.inputs?.uri));
      i.volumes.push(`${String(out.pool ?? r.inputs?.pool)}/${String(out.name ?? r.inputs?.name)}`);
      i.secrets.push(String(out.secretUuid));
    }
  }
  for (const inv of byUri.values()) for (const list of Object.values(inv) as string[][]) list.sort();
  return byUri;
}
