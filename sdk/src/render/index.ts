import type { VmSpec } from "../schema/vm";
import { buildDomainModel, type DomainModel } from "./domainModel";
import type { DeviceGuestNodes } from "./domainDevices";
import { renderDomainXml } from "./domainXml";
import { layoutFromSpec, type DomainLayout } from "./layout";

export * from "./domainModel";
export * from "./domainDevices";
export * from "./domainXml";
export * from "./layout";
export * from "./networkXml";
export * from "./storageXml";
export { el, parseXml, textEl, toXml, type XmlElement } from "./xml";

/** Spec → model → XML in one call, for a VM whose layout is explicit (or unpinned). */
export function renderVm(vm: VmSpec, layout: DomainLayout = layoutFromSpec(vm), deviceNodes: DeviceGuestNodes = {}): { model: DomainModel; xml: string } {
  const model = buildDomainModel(vm, layout, deviceNodes);
  return { model, xml: renderDomainXml(model) };
}
export * from "./domainArgs";
export * from "./volumeArgs";
export * from "./networkArgs";
export * from "./cloudInitSeedArgs";
export * from "./changes";
