// `virtkit facts`: its usage, its arguments, and the run that writes a host's facts (collectFacts.ts).
import { parseArgs as parseCommandLine } from "node:util";
import { collectHostFacts } from "./collectFacts";

const FACTS_USAGE = `usage: virtkit facts --out DIR [--uri URI]

Collects what virtkit needs to know of a host through virsh: \`virsh capabilities\` into
DIR/capabilities.xml, and the nodedev documents of its PCI and network devices into
DIR/nodedev/NAME.xml (network devices name their PCI parents' interfaces). Read them in a
program with virtkit.readHostFacts(DIR) and give them to a LibvirtHost.

  --uri URI   the host's libvirt URI (default qemu:///system)
  --out DIR   the folder to write (created if missing)`;

export interface FactsOptions {
  uri: string;
  out: string;
}

export function parseFactsArgs(argv: string[]): FactsOptions | string {
  let parsed;
  try {
    parsed = parseCommandLine({ args: argv, strict: true, options: { uri: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    return `${(e as Error).message}\n\n${FACTS_USAGE}`;
  }
  const { values } = parsed;
  if (values.help) return FACTS_USAGE;
  if (!values.out) return `--out DIR is required\n\n${FACTS_USAGE}`;
  return { uri: values.uri ?? "qemu:///system", out: values.out };
}

/** Runs `virtkit facts`; returns the exit code. */
export function facts(options: FactsOptions, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  try {
    const collected = collectHostFacts(options.uri, options.out);
    out(`${options.uri}: ${collected.summary}\nwrote ${collected.files.length} files to ${options.out}\n`);
    for (const note of collected.notes) out(`note: ${note}\n`);
    return 0;
  } catch (e) {
    out(`virtkit facts: ${(e as Error).message}\n`);
    return 1;
  }
}
