import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs as parseCommandLine } from "node:util";
import { DomainImportError, emitProgram, importDomain, projectFiles, type ImportedVm } from "../../import";
import { formatRoundTrip, roundTripCorpus } from "./importRoundTrip";

export const IMPORT_USAGE = `usage: virtkit import FILE.xml... [--host-uri URI] [--out DIR]
       virtkit import --uri URI [--out DIR]
       virtkit import --report DIR

Reads libvirt domain XML and writes a virtkit program (TypeScript) on stdout: a
LibvirtHost, and for each domain a PinnedVm with its explicit pinning, memory
(HugepageMemory when one page size backs it all), NUMA cells and numatune, disks, NICs,
SR-IOV VFs (SriovNic) and passed-through PCI devices (PciPassthrough), chipset and
firmware, and adopt: { uuid } so that \`pulumi up\` imports each domain instead of
creating it. What virtkit cannot say yet is a "// not imported:" comment at the VM and
is counted on stderr.

  FILE.xml      domain XML files (virsh dumpxml output, or libvirt's own test inputs)
  --uri URI     import every domain of a libvirt host (virsh list --all, then
                virsh dumpxml --inactive each; running ones stay running: true)
  --host-uri URI  the LibvirtHost's URI in the program for FILE inputs (default qemu:///system)
  --out DIR     write a Pulumi project instead (Pulumi.yaml, package.json, tsconfig.json,
                index.ts); DIR is created if missing
  --report DIR  the round trip of every NAME.xml in DIR, judged by libvirt's test
                hypervisor: the share of domains whose facts virtkit keeps, per area`;

export interface ImportOptions {
  readonly files: readonly string[];
  readonly uri?: string;
  readonly hostUri: string;
  readonly out?: string;
  readonly report?: string;
}

export function parseImportArgs(argv: string[]): ImportOptions | string {
  let parsed;
  try {
    parsed = parseCommandLine({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { uri: { type: "string" }, "host-uri": { type: "string" }, out: { type: "string" }, report: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    return `${(e as Error).message}\n\n${IMPORT_USAGE}`;
  }
  const { values, positionals } = parsed;
  if (values.help) return IMPORT_USAGE;
  if (values.report !== undefined) return { files: [], hostUri: "qemu:///system", report: values.report };
  if (!values.uri && !positionals.length) return `give domain XML files or --uri URI\n\n${IMPORT_USAGE}`;
  if (values.uri && positionals.length) return `give domain XML files or --uri URI, not both\n\n${IMPORT_USAGE}`;
  return { files: positionals, uri: values.uri, hostUri: values.uri ?? values["host-uri"] ?? "qemu:///system", ...(values.out ? { out: values.out } : {}) };
}

function virsh(uri: string, args: string[]): string {
  const r = spawnSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8", timeout: 60000 });
  if (r.error) throw new Error(`virsh: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`virsh ${args.join(" ")} on ${uri}: ${`${r.stderr}`.trim()}`);
  return r.stdout;
}

/** Every domain of a host: its persistent definition, and whether it runs. One that vanishes while read is said on stderr and left out. */
function domainsOf(uri: string, err: (s: string) => void): { name: string; xml: string; running: boolean }[] {
  const names = virsh(uri, ["list", "--all", "--name"]).split("\n").map((l) => l.trim()).filter(Boolean);
  return names.flatMap((name) => {
    try {
      return [{ name, xml: virsh(uri, ["dumpxml", "--inactive", name]), running: /^(running|paused|idle|in shutdown)/.test(virsh(uri, ["domstate", name]).trim()) }];
    } catch (e) {
      err(`virtkit import: ${name}: ${(e as Error).message}; not imported\n`);
      return [];
    }
  });
}

/** The version of the virtkit package this CLI belongs to, for the project's dependency. */
function ownVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "virtkit" && pkg.version) return pkg.version;
  }
  return "0.1.0";
}

/** What the import left out, counted by element, for stderr. */
export function importSummary(vms: readonly ImportedVm[]): string {
  const counts = new Map<string, number>();
  for (const vm of vms) for (const n of vm.notImported) counts.set(n.element.replace(/\[[^\]]*\]/g, ""), (counts.get(n.element.replace(/\[[^\]]*\]/g, "")) ?? 0) + 1);
  const lost = vms.reduce((n, vm) => n + vm.notImported.length, 0);
  const invalid = vms.filter((vm) => vm.invalid.length);
  const lines = [`virtkit import: ${vms.length} domain${vms.length === 1 ? "" : "s"} imported, ${lost} element${lost === 1 ? "" : "s"} not imported (listed at each VM)`];
  for (const [element, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(4)}  ${element}`);
  for (const vm of invalid) lines.push(`  ${vm.domainName}: virtkit refuses it as imported (${vm.invalid.map((i) => `${i.path}: ${i.reason}`).join("; ")}): fix it before virtkit plan`);
  return `${lines.join("\n")}\n`;
}

/** Runs `virtkit import`; returns the exit code. */
export function runImport(options: ImportOptions, out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (options.report) {
    out(formatRoundTrip(roundTripCorpus(options.report)));
    return 0;
  }
  const sources: { label: string; xml: string; running?: boolean }[] = [];
  try {
    if (options.uri) sources.push(...domainsOf(options.uri, err).map((d) => ({ label: `${options.uri} ${d.name}`, xml: d.xml, running: d.running })));
    for (const file of options.files) sources.push({ label: file, xml: readFileSync(file, "utf8") });
  } catch (e) {
    err(`virtkit import: ${(e as Error).message}\n`);
    return 1;
  }
  const vms: ImportedVm[] = [];
  let failed = 0;
  for (const s of sources) {
    try {
      vms.push(importDomain(s.xml, s.running === undefined ? {} : { running: s.running }));
    } catch (e) {
      if (!(e instanceof DomainImportError)) throw e;
      err(`virtkit import: ${s.label}: ${e.message}; not imported\n`);
      failed++;
    }
  }
  const source = options.uri ?? (options.files.length === 1 ? basename(options.files[0]) : `${options.files.length} files`);
  const program = emitProgram(vms, { uri: options.hostUri, source });
  if (options.out) {
    const dir = resolve(options.out);
    mkdirSync(dir, { recursive: true });
    const files = projectFiles(program, basename(dir), ownVersion());
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    err(`virtkit import: wrote ${Object.keys(files).join(", ")} to ${options.out}\n`);
  } else {
    out(program);
  }
  err(importSummary(vms));
  return failed ? 1 : 0;
}
