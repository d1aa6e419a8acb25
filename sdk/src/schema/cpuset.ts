/**
 * libvirt's cpuset syntax (formatdomain.html#cpu-allocation): comma-separated ids
 * and ranges, with `^N` excluding an id, e.g. `0-3,^2,8` = {0,1,3,8}.
 */

/** Largest host CPU id libvirt accepts in a cpuset bitmap (VIR_DOMAIN_CPUMASK_LEN - 1). */
export const MAX_CPU_ID = 16383;

export class CpusetSyntaxError extends Error {}

const TOKEN = /^(\^)?(\d+)(?:-(\d+))?$/;

/**
 * Parses a cpuset into its sorted, distinct CPU ids.
 * Throws `CpusetSyntaxError` with a reason fit for a user when the text is not a cpuset
 * or selects no CPU at all.
 */
export function parseCpuset(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new CpusetSyntaxError(`empty cpuset; expected ids and ranges like "0-3,^2,8"`);
  const included = new Set<number>();
  const excluded = new Set<number>();
  for (const raw of trimmed.split(",")) {
    const token = raw.trim();
    const m = TOKEN.exec(token);
    if (!m) {
      throw new CpusetSyntaxError(
        `"${token}" in cpuset "${text}" is not a CPU id or range; expected ids and ranges like "0-3,^2,8"`,
      );
    }
    const exclude = m[1] === "^";
    const first = Number(m[2]);
    const last = m[3] === undefined ? first : Number(m[3]);
    if (exclude && m[3] !== undefined) {
      throw new CpusetSyntaxError(`"${token}" in cpuset "${text}": only single ids can be excluded with ^`);
    }
    if (last < first) throw new CpusetSyntaxError(`range "${token}" in cpuset "${text}" runs backwards`);
    if (last > MAX_CPU_ID) throw new CpusetSyntaxError(`CPU id ${last} in cpuset "${text}" exceeds libvirt's limit of ${MAX_CPU_ID}`);
    for (let id = first; id <= last; id++) (exclude ? excluded : included).add(id);
  }
  const ids = [...included].filter((id) => !excluded.has(id)).sort((a, b) => a - b);
  if (ids.length === 0) throw new CpusetSyntaxError(`cpuset "${text}" selects no CPU`);
  return ids;
}

/** Formats CPU ids as libvirt prints cpusets (virBitmapFormat): sorted, runs collapsed to ranges (`0-3,8-9,12`). */
export function formatCpuset(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(",");
}
