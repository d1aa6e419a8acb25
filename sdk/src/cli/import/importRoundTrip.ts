import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AREAS, compareScopeFacts, DomainImportError, exercisedAreas, importDomain, scopeFacts, type Area, type ImportedVm } from "../../import";
import { renderVm } from "../../render";
import { VmSpec } from "../../schema/vm";
import { table } from "../plan/planReport";

/**
 * The round trip of `virtkit import` on libvirt domains, judged by libvirt: the original
 * and virtkit's rendering of its import are both defined on `test:///default` (libvirt's
 * in-process test hypervisor: nothing persists) and dumped, and libvirt's normalised XML
 * of each is compared fact by fact in every area of virtkit's scope.
 */

/** `unused`: the domain does not use the area (no disks, no pinning): it counts in no share. */
export type AreaVerdict = "agree" | "differ" | "not imported" | "unused";

export interface CaseResult {
  readonly name: string;
  /** Why the case is out of scope, when it is (the original does not define on this libvirt, or is meant to fail). */
  readonly outOfScope?: string;
  readonly areas: readonly { readonly area: (typeof AREAS)[number]; readonly verdict: AreaVerdict; readonly detail?: string }[];
  /** Set when virtkit's own rendering failed (refused by virtkit or libvirt): every area in scope counts as differing. */
  readonly failure?: string;
  readonly imported?: ImportedVm;
}

const TEST_URI = "test:///default";

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60000 });
  if (r.error) return { ok: false, output: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** Defines a domain on the test hypervisor and returns libvirt's normalised XML of it (one virsh process: its state dies with it). */
function defineAndDump(xml: string, name: string, dir: string, file: string): { ok: boolean; output: string } {
  const path = join(dir, file);
  writeFileSync(path, xml);
  const schema = run("virt-xml-validate", [path, "domain"]);
  if (!schema.ok) return { ok: false, output: `libvirt's schema refuses it: ${schema.output.split("\n")[0]}` };
  return run("virsh", ["-q", "-c", TEST_URI, `define ${path} ; dumpxml ${name}`]);
}

/** The XML virtkit renders for an imported VM (on a host without capabilities: pinning as imported). */
export function renderImported(vm: ImportedVm): string {
  return renderVm(VmSpec.parse(vm.spec)).xml;
}

/** One domain through import, render and libvirt. `expectedOk` false marks a case libvirt's own suite expects to fail. */
export function roundTripCase(name: string, xml: string, expectedOk = true): CaseResult {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-import-"));
  try {
    if (!expectedOk) return { name, outOfScope: "libvirt's own suite expects this input to fail", areas: [] };
    let imported: ImportedVm;
    try {
      imported = importDomain(xml);
    } catch (e) {
      if (e instanceof DomainImportError) return { name, outOfScope: `not a QEMU/KVM x86_64 domain: ${e.message}`, areas: [] };
      throw e;
    }
    const original = defineAndDump(xml, imported.domainName, dir, "original.xml");
    if (!original.ok) return { name, outOfScope: `this host's libvirt does not define the original: ${original.output.split("\n").slice(-1)[0]}`, areas: [] };
    const lostIn = (area: Area) => imported.notImported.filter((n) => n.area === area);
    const used = exercisedAreas(xml);
    const fail = (failure: string): CaseResult => ({
      name, failure, imported,
      areas: AREAS.map((area) =>
        lostIn(area).length ? { area, verdict: "not imported" as const, detail: lostIn(area).map((n) => n.element).join(", ") }
        : !used.has(area) ? { area, verdict: "unused" as const }
        : { area, verdict: "differ" as const, detail: failure },
      ),
    });
    if (imported.invalid.length) return fail(`virtkit refuses the import: ${imported.invalid.map((i) => `${i.path}: ${i.reason}`).join("; ")}`);
    const ours = defineAndDump(renderImported(imported), imported.domainName, dir, "virtkit.xml");
    if (!ours.ok) return fail(`libvirt refuses virtkit's domain: ${ours.output}`);
    const comparison = compareScopeFacts(scopeFacts(original.output), scopeFacts(ours.output), scopeFacts(xml));
    return {
      name, imported,
      areas: comparison.map((c) => {
        if (lostIn(c.area).length) return { area: c.area, verdict: "not imported" as const, detail: lostIn(c.area).map((n) => `${n.element} (${n.reason})`).join("; ") };
        if (!used.has(c.area) && c.agree) return { area: c.area, verdict: "unused" as const };
        return c.agree ? { area: c.area, verdict: "agree" as const } : { area: c.area, verdict: "differ" as const, detail: `libvirt: ${JSON.stringify(c.original)}; virtkit: ${JSON.stringify(c.ours)}` };
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Outcomes libvirt's own suite expects, from a corpus's INDEX.md table (`| n | \`case\` | topic | files | expected | ...`). */
function expectedOutcomes(dir: string): Map<string, boolean> {
  const index = join(dir, "INDEX.md");
  const out = new Map<string, boolean>();
  if (!existsSync(index)) return out;
  for (const line of readFileSync(index, "utf8").split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const name = /^`([^`]+)`$/.exec(cells[2] ?? "")?.[1];
    if (name && cells[5] !== undefined && /^\d+$/.test(cells[1])) out.set(name, cells[5].startsWith("ok"));
  }
  return out;
}

/** Every `NAME.xml` of a folder through the round trip. */
export function roundTripCorpus(dir: string): CaseResult[] {
  const expected = expectedOutcomes(dir);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".xml") && !/\.x86_64-latest\.xml$/.test(f))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      return roundTripCase(name, readFileSync(join(dir, f), "utf8"), expected.get(name) ?? true);
    });
}

export interface AreaShare {
  readonly area: (typeof AREAS)[number];
  readonly inScope: number;
  readonly agree: number;
  readonly notImported: number;
}

/** Per area: cases in scope (imported, judged), how many agree, how many use what virtkit cannot say. */
/** `full`: cases whose every fact that virtkit imported agrees; `whole`: of those, the ones with nothing of virtkit's areas left out. */
export function shares(results: readonly CaseResult[]): { areas: AreaShare[]; cases: number; full: number; whole: number; outOfScope: number } {
  const judged = results.filter((r) => !r.outOfScope);
  const areas = AREAS.map((area) => {
    const verdicts = judged.map((r) => r.areas.find((a) => a.area === area)!.verdict);
    return { area, inScope: verdicts.filter((v) => v === "agree" || v === "differ").length, agree: verdicts.filter((v) => v === "agree").length, notImported: verdicts.filter((v) => v === "not imported").length };
  });
  const full = judged.filter((r) => r.areas.every((a) => a.verdict !== "differ")).length;
  const whole = judged.filter((r) => r.areas.every((a) => a.verdict === "agree" || a.verdict === "unused")).length;
  return { areas, cases: judged.length, full, whole, outOfScope: results.length - judged.length };
}

const percent = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(0)} %` : "-");

/** The round trip as a text report: the share per area, then each case that differs or is out of scope, with why. */
export function formatRoundTrip(results: readonly CaseResult[]): string {
  const s = shares(results);
  const lines = [
    `virtkit import round trip on ${results.length} domain XML files: ${s.cases} in scope, ${s.outOfScope} out of scope`,
    `cases whose every in-scope fact agrees: ${s.full} of ${s.cases} (${percent(s.full, s.cases)})`,
    `  of which imported whole (nothing of virtkit's areas left out): ${s.whole} of ${s.cases} (${percent(s.whole, s.cases)})`,
    "",
    table(
      ["area", "cases in scope", "agree", "share", "not imported (outside virtkit's API)"],
      s.areas.map((a) => [a.area, String(a.inScope), String(a.agree), percent(a.agree, a.inScope), String(a.notImported)]),
    ),
  ];
  const differing = results.filter((r) => r.areas.some((a) => a.verdict === "differ"));
  if (differing.length) {
    lines.push("", "differ:");
    for (const r of differing) {
      if (r.failure) lines.push(`  ${r.name} (every area it uses): ${r.failure}`);
      else for (const a of r.areas.filter((x) => x.verdict === "differ")) lines.push(`  ${r.name} ${a.area}: ${a.detail}`);
    }
  }
  const out = results.filter((r) => r.outOfScope);
  if (out.length) {
    lines.push("", "out of scope:");
    for (const r of out) lines.push(`  ${r.name}: ${r.outOfScope}`);
  }
  return `${lines.join("\n")}\n`;
}
