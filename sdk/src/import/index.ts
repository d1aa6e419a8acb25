export { importDomain, DomainImportError, type ImportedVm } from "./importDomain";
export { emitProgram, projectFiles, literal, type ProgramOptions } from "./emitProgram";
export { scopeFacts, compareScopeFacts, exercisedAreas, type ScopeFacts, type AreaComparison } from "./scopeFacts";
export { AREAS, type Area, type NotImported, type Changed } from "./notes";
