import * as pulumi from "@pulumi/pulumi";
import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import { lockedPlacementOf, lockedRequestOf, type LockedVm } from "../../host/placementLock";
import { planPlacementWithLock, type LockOutcome } from "../../host/lockedPlacement";
import type { PlacementClaim } from "../../host/claim";
import type { Attachment } from "../../host/attachment";
import type { VmDemand } from "../../host/demand";
import { buildDomainModel } from "../../render/domainModel";
import { providerGaps } from "../../render/domainArgs";
import { renderDomainXml } from "../../render/domainXml";
import { layoutFromPlacement, layoutFromSpec } from "../../render/layout";
import { toIssues } from "../../schema/validate";
import { VmSpec } from "../../schema/vm";
import { PinnedVmOptions, type OnOneHost } from "./args";
import { Qcow2Volume } from "../../storage/qcow2Volume/Qcow2Volume";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { planCloudInit, type CloudInitPlan } from "./cloudInitSeed";
import { InputChecks } from "../../program/inputs";

import { checkHostNodes, checkHostSizes, checkParts, checkShape, graphicsPasswordOf, isLoopback, partsOf, requirePlainFields } from "./argChecks";
import { specInput, type PfNic } from "./specInput";
import { demandOf, expanderBuses, guestNodesOfDevices, withChosenVfs } from "./placementDemand";
/**
 * Planning a VM, the pure half of PinnedVm: its arguments become a validated spec, placed
 * against its host's ledger (when the host is known) and rendered. Nothing here registers a
 * resource or changes the ledger: what the VM would take is returned as its claims, which the
 * component commits.
 */

/** What a planned VM takes when it is committed: its placement on the ledger, its libvirt names, its parts. */
export interface VmClaims {
  readonly placement: PlacementClaim | undefined;
  readonly names: readonly { kind: "domain" | "volume"; objectName: string; path: string }[];
  readonly parts: readonly { attachment: Attachment }[];
}

/** A VM's arguments, validated: the spec before placement and what only the component needs. */
interface ValidVm {
  readonly host: LibvirtHost;
  readonly options: PinnedVmOptions;
  readonly spec: VmSpec;
  readonly cloudInit: CloudInitPlan | undefined;
  readonly graphicsPassword: pulumi.Output<string> | undefined;
  readonly lateMacs: Map<number, pulumi.Input<string>>;
  readonly pfNics: PfNic[];
}

/**
 * Validates a VM, places it against its host's ledger and renders it. Throws
 * VirtkitValidationError with every problem. Claims nothing: commit `claims` with {@link commitVm}.
 */
export function planVm(name: string, args: OnOneHost) {
  const component = `PinnedVm "${name}"`;
  const valid = validateVm(name, args, component);
  const { host, options, cloudInit } = valid;
  const seedName = cloudInit && `${cloudInit.pool}/${cloudInit.volume}`;
  if (seedName) host.checkNameFree("volume", seedName, component, "cloudInit");
  if (host.model) checkHostNodes(valid.spec, args, host.model, component);
  if (host.model) checkHostSizes(valid.spec, args, host.model, component);
  host.checkNameFree("domain", valid.spec.name, component, "domainName");
  const placed = placeVm(valid, args, component);
  const deviceNodes = placed.placement ? guestNodesOfDevices(placed.placement) : {};
  const spec = { ...placed.spec, expanderBuses: expanderBuses(placed.spec, options.expanderBuses, deviceNodes) };
  const layout = placed.placement ? layoutFromPlacement(spec, placed.placement) : layoutFromSpec(spec);
  const model = buildDomainModel(spec, layout, deviceNodes);
  const warnings = [...placed.warnings, ...providerGaps(model)];
  if (spec.graphics && !isLoopback(spec.graphics.listen) && args.graphics?.password === undefined) {
    warnings.push(`graphics: a ${spec.graphics.type} display on ${spec.graphics.listen} without a password is a keyboard on the guest for anyone who reaches the host; give graphics.password or listen on 127.0.0.1`);
  }
  const claims: VmClaims = {
    placement: placed.claim,
    names: [{ kind: "domain", objectName: spec.name, path: "domainName" }, ...(seedName ? [{ kind: "volume" as const, objectName: seedName, path: "cloudInit" }] : [])],
    parts: partsOf(args).map(({ part }) => part),
  };
  const { graphicsPassword, lateMacs } = valid;
  return { spec, model, xml: renderDomainXml(model), placement: placed.placement, warnings, claims, cloudInit, graphicsPassword, lateMacs, adopt: options.adopt, livePinning: options.livePinning, lock: placed.lock, tookLockedShare: placed.tookLockedShare };
}

/**
 * What the VM asks of a ledger (as {@link planVm} would place it on `args.host`), or undefined when
 * the host has no ledger or the arguments do not validate there. The same on every host with a
 * ledger on which they validate: first fit uses it to rule hosts out before planning.
 */
export function demandOfVm(name: string, args: OnOneHost): VmDemand | undefined {
  const component = `PinnedVm "${name}"`;
  if (!args.host.ledger) return undefined;
  try {
    const { spec, options, pfNics } = validateVm(name, args, component);
    return demandOf(spec, args, options, component, pfNics);
  } catch (e) {
    if (e instanceof VirtkitValidationError) return undefined;
    throw e;
  }
}

/** Takes what a planned VM claims: its placement, its names, its parts. Nothing else changes the host's books. */
export function commitVm(host: LibvirtHost, component: string, claims: VmClaims): void {
  if (claims.placement) host.ledger!.commit(claims.placement);
  for (const { kind, objectName, path } of claims.names) host.claimName(kind, objectName, component, path);
  for (const part of claims.parts) part.attachment.commit(component);
}

/** The arguments as a spec, every problem at once; component references become spec input. */
function validateVm(name: string, args: OnOneHost, component: string): ValidVm {
  const host = requireHost(args, component);
  checkShape(args, component);
  checkParts(args, component);
  const parsedOptions = PinnedVmOptions.safeParse({ domainName: args.domainName, emulator: args.emulator, strictLocality: args.strictLocality, livePinning: args.livePinning, expanderBuses: args.expanderBuses, adopt: args.adopt });
  // a bad option is reported as such; the others still get checked, with the options' defaults
  const options: PinnedVmOptions = parsedOptions.success ? parsedOptions.data : PinnedVmOptions.parse({});
  const checks = new InputChecks(component);
  const domainName = options.domainName ?? name;
  const firstVolume = (args.disks ?? []).find((d): d is Qcow2Volume => d instanceof Qcow2Volume);
  const cloudInit = args.cloudInit === undefined ? undefined : planCloudInit(args.cloudInit, domainName, firstVolume?.poolName ?? "default", checks);
  const graphicsPassword = graphicsPasswordOf(args, checks);
  requirePlainFields(args, checks);
  const { input, pfNics, lateMacs } = specInput(name, args, options, component, cloudInit, checks);
  const parsedSpec = VmSpec.safeParse(input);
  if (!parsedOptions.success || !parsedSpec.success || checks.issues.length) {
    const issues = [...(parsedOptions.success ? [] : toIssues(parsedOptions.error)), ...(parsedSpec.success ? [] : toIssues(parsedSpec.error)), ...checks.issues];
    throw new VirtkitValidationError(component, issues);
  }
  return { host, options, spec: parsedSpec.data, cloudInit, graphicsPassword, lateMacs, pfNics };
}

/** Where the VM would go on its host's ledger (claimed only when committed), or why it cannot. */
function placeVm({ host, options, spec, pfNics }: ValidVm, args: OnOneHost, component: string) {
  const warnings: string[] = [];
  if (!host.ledger) {
    if (spec.pinning === "auto") {
      throw new VirtkitValidationError(component, [
        { path: "pinning", reason: `"auto" needs the host's capabilities: give LibvirtHost "${host.hostName}" the output of \`virsh capabilities\`` },
      ]);
    }
    // options that only placement acts on: say they do nothing here rather than drop them silently
    if (options.emulator === "dedicated") warnings.push(`emulator: "dedicated" needs the host's capabilities to pick CPUs; ignored on host ${host.hostName}`);
    if (options.strictLocality) warnings.push(`strictLocality: needs the host's devices to know their NUMA nodes; ignored on host ${host.hostName}`);
    return { spec, placement: undefined, claim: undefined, lock: undefined, warnings, tookLockedShare: false };
  }
  const demand = demandOf(spec, args, options, component, pfNics);
  const { result, claim } = planPlacementWithLock(host.ledger, demand);
  const issues: ValidationIssue[] = result.errors.map((e) => ({ path: e.path, reason: e.reason }));
  if (issues.length) throw new VirtkitValidationError(component, issues);
  for (const w of result.warnings) warnings.push(`${w.path ? `${w.path}: ` : ""}${w.reason}`);
  const placement = result.placement!;
  const lock: { outcome: LockOutcome; entry: Pick<LockedVm, "request" | "placement"> } = { outcome: result.lock, entry: { request: lockedRequestOf(demand), placement: lockedPlacementOf(placement) } };
  return { spec: withChosenVfs(spec, placement, pfNics), placement, claim, lock, warnings, tookLockedShare: result.tookLockedShare };
}

