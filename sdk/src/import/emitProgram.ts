import type { ImportedVm } from "./importDomain";

/**
 * Writes imported VMs as a virtkit program in TypeScript: one LibvirtHost, and per VM its
 * HugepageMemory, SriovNics, PciPassthroughs and PinnedVm, with `adopt: { uuid }` so that
 * `pulumi up` imports the running domain instead of creating another. What virtkit could
 * not say is a comment at the VM.
 */

export interface ProgramOptions {
  /** The libvirt URI of the host the domains run on. */
  readonly uri: string;
  /** Where the domains were read from, for the header. */
  readonly source: string;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A value as a TypeScript literal: identifiers unquoted, short objects on one line. */
export function literal(value: unknown, indent = ""): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) return JSON.stringify(value);
  if (value instanceof Code) return value.text;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v) => literal(v, inner));
    const flat = `[${items.join(", ")}]`;
    return flat.length <= 100 && !flat.includes("\n") ? flat : `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (v instanceof Code && v.text === k ? k : `${IDENT.test(k) ? k : JSON.stringify(k)}: ${literal(v, inner)}`));
  if (!entries.length) return "{}";
  const flat = `{ ${entries.join(", ")} }`;
  return flat.length <= 100 && !flat.includes("\n") ? flat : `{\n${entries.map((e) => `${inner}${e},`).join("\n")}\n${indent}}`;
}

/** A piece of code placed as it is inside a literal (a variable name). */
class Code {
  constructor(readonly text: string) {}
}

/** A camelCase variable name from a domain name, unique in the program. */
function variableNamer(): (base: string) => string {
  const used = new Set(["virtkit", "host", "pulumi"]);
  return (base) => {
    const words = base.split(/[^A-Za-z0-9]+/).filter(Boolean);
    // "QEMUGuest1" -> "qemuGuest1": a leading run of capitals is one word
    const lower = (w: string) => w.replace(/^[A-Z]+(?=[A-Z][a-z]|\d|$)/, (m) => m.toLowerCase()).replace(/^./, (c) => c.toLowerCase());
    let name = words.map((w, i) => (i === 0 ? lower(w) : w.charAt(0).toUpperCase() + w.slice(1))).join("") || "vm";
    if (!/^[A-Za-z_$]/.test(name)) name = `vm${name}`;
    let unique = name;
    for (let i = 2; used.has(unique); i++) unique = `${name}${i}`;
    used.add(unique);
    return unique;
  };
}

/** The comments above one VM: what it is, adoption, and what was not imported or is refused. */
function vmHeader(vm: ImportedVm): string[] {
  const lines = [`// ${vm.domainName}${vm.uuid ? ` (uuid ${vm.uuid})` : ""}`];
  if (vm.uuid) {
    lines.push("// adopted, not created: `pulumi up` imports the domain by its UUID (adopt), then manages it.");
    // provider 0.9.7 keeps no Pulumi id for a domain: a later run that still says adopt
    // imports it again as a replacement, which undefines it (see the README)
    lines.push("// Remove `adopt` after the first successful `pulumi up`: kept, a later `up` replaces the domain.");
  }
  for (const n of vm.notImported) lines.push(`// not imported: ${n.element} (${n.reason})`);
  for (const c of vm.changed) lines.push(`// virtkit says: ${c.element} (${c.reason})`);
  if (vm.invalid.length) {
    lines.push("// virtkit refuses this VM as imported; fix these before `virtkit plan`:");
    for (const i of vm.invalid) lines.push(`//   ${i.path ? `${i.path}: ` : ""}${i.reason}`);
  }
  return lines;
}

/** One VM's declarations. */
function vmCode(vm: ImportedVm, variable: (base: string) => string): string {
  const lines = vmHeader(vm);
  const name = vm.domainName;
  const v = variable(name);
  const s = vm.spec;
  let memory: unknown = s.memory;
  if (vm.hugepageMemory) {
    const mem = variable(`${v}Memory`);
    lines.push(`const ${mem} = new virtkit.HugepageMemory(${JSON.stringify(`${name}-memory`)}, ${literal(vm.hugepageMemory)});`);
    memory = new Code(mem);
  }
  const nics = (s.nics ?? []).map((n, i) => {
    if (n.type !== "vf") return n;
    const nic = variable(`${v}Vf${i}`);
    const args = { host: new Code("host"), vf: { address: n.address }, mac: n.mac, vlan: n.vlan, trust: n.trust };
    lines.push(`const ${nic} = new virtkit.SriovNic(${JSON.stringify(`${name}-nic${i}`)}, ${literal(args)});`);
    return new Code(nic);
  });
  const hostdevs = (s.hostdevs ?? []).map((h, i) => {
    const dev = variable(`${v}Hostdev${i}`);
    lines.push(`const ${dev} = new virtkit.PciPassthrough(${JSON.stringify(`${name}-hostdev${i}`)}, ${literal({ host: new Code("host"), address: h.address, managed: h.managed === false ? false : undefined })});`);
    return new Code(dev);
  });
  const args = {
    host: new Code("host"),
    ...(vm.uuid ? { adopt: { uuid: vm.uuid } } : {}),
    domainType: s.domainType,
    vcpus: s.vcpus,
    cpu: s.cpu,
    pinning: s.pinning,
    iothreads: s.iothreads,
    realtime: s.realtime,
    memory,
    numa: s.numa,
    disks: s.disks?.length ? s.disks : undefined,
    nics: nics.length ? nics : undefined,
    hostdevs: hostdevs.length ? hostdevs : undefined,
    cdroms: s.cdroms?.length ? s.cdroms : undefined,
    serialConsole: s.serialConsole === false ? false : undefined,
    graphics: s.graphics,
    chipset: s.chipset,
    firmware: s.firmware,
    boot: s.boot,
    running: s.running,
  };
  lines.push(`export const ${v} = new virtkit.PinnedVm(${JSON.stringify(name)}, ${literal(args)});`);
  return lines.join("\n");
}

/** The program: a header, the host, and each VM. */
export function emitProgram(vms: readonly ImportedVm[], options: ProgramOptions): string {
  const variable = variableNamer();
  const lost = vms.reduce((n, vm) => n + vm.notImported.length, 0);
  return [
    `// Written by \`virtkit import\` from ${options.source}: ${vms.length} domain${vms.length === 1 ? "" : "s"}, ${lost} element${lost === 1 ? "" : "s"} not imported (listed at each VM).`,
    "// Check it with `virtkit plan`; `pulumi up` then adopts each domain by its UUID instead of creating it.",
    'import * as virtkit from "virtkit";',
    "",
    `const host = new virtkit.LibvirtHost("host", { uri: ${JSON.stringify(options.uri)} });`,
    ...vms.map((vm) => `\n${vmCode(vm, variable)}`),
    "",
  ].join("\n");
}

/** The files of a Pulumi project around the program (`--out DIR`). */
export function projectFiles(program: string, project: string, virtkitVersion: string): Record<string, string> {
  const name = project.replace(/[^A-Za-z0-9_.-]/g, "-") || "virtkit-import";
  return {
    "Pulumi.yaml": `name: ${name}\nruntime: nodejs\nmain: index.ts\ndescription: libvirt domains adopted by virtkit import\n`,
    "package.json": `${JSON.stringify(
      {
        name,
        private: true,
        main: "index.ts",
        dependencies: { "@pulumi/pulumi": "^3.248.0", virtkit: `^${virtkitVersion}` },
        devDependencies: { "@types/node": "^20.0.0", typescript: "^5.0.0", "ts-node": "^10.9.2" },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", lib: ["ES2022"], strict: true, esModuleInterop: true, skipLibCheck: true, types: ["node"] },
        files: ["index.ts"],
      },
      null,
      2,
    )}\n`,
    "index.ts": program,
  };
}
