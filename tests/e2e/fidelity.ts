import { XMLParser } from "fast-xml-parser";

/**
 * What became of each fact of virtkit's domain XML once the provider defined the domain:
 * every attribute and text of our XML, looked up at the same place in `virsh dumpxml`.
 */
export interface FidelityRow {
  readonly fact: string;
  readonly ours: string;
  readonly live: string | undefined;
  /** `changed`: libvirt spells the same fact otherwise; `lost`: absent, or another value. */
  readonly verdict: "carried" | "changed" | "lost";
  /** Why a fact is changed or lost, where that is known. */
  readonly why?: string;
}

/** Facts libvirt rewrites into an equivalent spelling: not losses. */
const NORMALISED: { fact: RegExp; why: string; same: (ours: string, live: string) => boolean }[] = [
  { fact: /^domain\/os\/type@machine$/, why: "libvirt expands the alias to the versioned machine type", same: (o, l) => l.startsWith(`pc-${o}-`) || (o === "pc" && l.startsWith("pc-i440fx-")) },
];

/** Facts provider v0.9.7 cannot carry (its schema has no attribute for them; virtkit warns at preview), with the reason. */
const KNOWN_LOSSES: { fact: RegExp; why: string }[] = [
  {
    fact: /^domain\/devices\/controller(\[\d+\])?\/target(@busNr|\/node#text)$/,
    why: "`devices.controllers[].pci.target` has no attributes in provider v0.9.7: libvirt numbers the expander bus itself, and the bus has no NUMA node",
  },
  {
    fact: /^domain\/devices\/(controller|hostdev|interface)(\[\d+\])?\/address@(domain|bus|slot|function)$/,
    why: "a device `address` has no attributes in provider v0.9.7: libvirt assigns the guest PCI address itself",
  },
];

type Leaves = Map<string, string>;

/** Flattens a document into `path@attr` / `path#text` leaves; repeated siblings get `[i]`. */
function leaves(xml: string): Leaves {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false, parseTagValue: false, trimValues: true });
  const out: Leaves = new Map();
  const walk = (nodes: Record<string, unknown>[], prefix: string) => {
    const counts = new Map<string, number>();
    const totals = new Map<string, number>();
    for (const n of nodes) for (const k of Object.keys(n)) if (k !== ":@" && k !== "#text") totals.set(k, (totals.get(k) ?? 0) + 1);
    for (const n of nodes) {
      for (const [k, v] of Object.entries(n)) {
        if (k === ":@") continue;
        if (k === "#text") {
          out.set(`${prefix}#text`, String(v));
          continue;
        }
        const i = counts.get(k) ?? 0;
        counts.set(k, i + 1);
        const path = `${prefix ? `${prefix}/` : ""}${k}${(totals.get(k) ?? 0) > 1 ? `[${i}]` : ""}`;
        const attrs = (n[":@"] ?? {}) as Record<string, string>;
        for (const [a, av] of Object.entries(attrs)) out.set(`${path}@${a}`, av);
        const children = v as Record<string, unknown>[];
        if (children.length === 0 && Object.keys(attrs).length === 0) out.set(`${path}`, "(present)");
        walk(children, path);
      }
    }
  };
  walk(parser.parse(xml) as Record<string, unknown>[], "");
  return out;
}

export function fidelity(ourXml: string, liveXml: string): FidelityRow[] {
  const ours = leaves(ourXml);
  const live = leaves(liveXml);
  return [...ours].map(([fact, value]): FidelityRow => {
    const got = live.get(fact);
    if (got === value) return { fact, ours: value, live: got, verdict: "carried" };
    const norm = got !== undefined ? NORMALISED.find((n) => n.fact.test(fact) && n.same(value, got)) : undefined;
    if (norm) return { fact, ours: value, live: got, verdict: "changed", why: norm.why };
    // absent, or another value that is not an equivalent spelling
    return { fact, ours: value, live: got, verdict: "lost", why: KNOWN_LOSSES.find((k) => k.fact.test(fact))?.why };
  });
}

/** The seed's three kinds of virtual resources, and the platform around them, by where a fact sits in the domain. */
export type Area = "compute" | "storage" | "network" | "platform";

export function areaOf(fact: string): Area {
  if (/^domain\/(vcpu|cpu|cputune|iothreads|memory|currentMemory|memoryBacking|numatune)\b/.test(fact)) return "compute";
  if (/^domain\/devices\/disk/.test(fact)) return "storage";
  if (/^domain\/devices\/(interface|hostdev)/.test(fact)) return "network";
  return "platform";
}

/** Per area: facts, carried as written, changed into an equivalent, lost. */
export function fidelityByArea(rows: readonly FidelityRow[]): Record<Area, { facts: number; carried: number; changed: number; lost: number }> {
  const out = Object.fromEntries((["compute", "storage", "network", "platform"] as const).map((a) => [a, { facts: 0, carried: 0, changed: 0, lost: 0 }])) as Record<Area, { facts: number; carried: number; changed: number; lost: number }>;
  for (const r of rows) {
    const a = out[areaOf(r.fact)];
    a.facts++;
    a[r.verdict]++;
  }
  return out;
}

/** A Markdown table per area, then one of what was not carried as it was. */
export function formatFidelity(rows: readonly FidelityRow[]): string {
  const carried = rows.filter((r) => r.verdict === "carried").length;
  const other = rows.filter((r) => r.verdict !== "carried");
  const areas = Object.entries(fidelityByArea(rows)).map(([area, n]) => `| ${area} | ${n.facts} | ${n.carried} | ${n.changed} | ${n.lost} | ${n.facts ? ((100 * n.carried) / n.facts).toFixed(1) : "-"} % |`);
  const lines = [
    `${carried} of ${rows.length} facts carried as written.`,
    "",
    "| area | facts | carried | changed (equivalent) | lost | carried |",
    "|---|---:|---:|---:|---:|---:|",
    ...areas,
    "",
    "| fact | virtkit | libvirt after `pulumi up` | verdict | why |",
    "|---|---|---|---|---|",
  ];
  for (const r of other) lines.push(`| \`${r.fact}\` | \`${r.ours}\` | ${r.live === undefined ? "(absent)" : `\`${r.live}\``} | ${r.verdict} | ${r.why ?? "unexplained"} |`);
  return lines.join("\n") + "\n";
}
