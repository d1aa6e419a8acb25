import { parseArgs as parseCommandLine } from "node:util";
import { VirtkitValidationError } from "../errors";
import { checkWithLibvirt } from "./libvirtCheck";
import { formatCapacity, formatPlacement, formatResources, table } from "./report";
import { runProgram } from "./runProgram";
import { collectHostFacts } from "./facts";
import { parseImportArgs, runImport } from "./importCommand";
import { capacityReport } from "../host/capacity";

const USAGE = `usage: virtkit plan [PROGRAM] [--uri URI] [--no-libvirt] [--no-xml] [--json]

Runs a virtkit Pulumi program offline (Pulumi's mock engine: nothing is created),
prints its resources, the placement of every VM, each host's capacity and the network
and domain XML, then lets real libvirt check each virtual network and domain.

  PROGRAM       a Pulumi project directory or .ts file (default: examples/nfv-host)
  --uri URI     libvirt to check with (default test:///default, libvirt's built-in
                test hypervisor: define+start, nothing to set up; any other URI gets
                domxml-to-native, which defines nothing, and the network schema)
  --no-libvirt  skip the libvirt check
  --no-xml      do not print the network and domain XML
  --json        print everything as one JSON document on stdout (resources, placement
                per VM, capacity per host, warnings, domain XML, libvirt's verdicts, or
                the validation problems), for scripts and CI; the exit code is the same`;

const FACTS_USAGE = `usage: virtkit facts --out DIR [--uri URI]

Collects what virtkit needs to know of a host through virsh: \`virsh capabilities\` into
DIR/capabilities.xml, and the nodedev documents of its PCI and network devices into
DIR/nodedev/NAME.xml (network devices name their PCI parents' interfaces). Read them in a
program with virtkit.readHostFacts(DIR) and give them to a LibvirtHost.

  --uri URI   the host's libvirt URI (default qemu:///system)
  --out DIR   the folder to write (created if missing)`;

const COMMANDS = `usage: virtkit plan [PROGRAM] [options]   (virtkit plan --help)
       virtkit facts --out DIR [--uri URI] (virtkit facts --help)
       virtkit import FILE.xml... | --uri URI [--out DIR]   (virtkit import --help)`;

export interface PlanOptions {
  program: string;
  uri: string;
  libvirt: boolean;
  xml: boolean;
  json?: boolean;
}

export function parseArgs(argv: string[]): PlanOptions | string {
  const [command, ...rest] = argv;
  if (command !== "plan") return USAGE;
  let parsed;
  try {
    parsed = parseCommandLine({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { uri: { type: "string" }, "no-libvirt": { type: "boolean" }, "no-xml": { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const unknown = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'([^']+)'/.exec(message)?.[1] : undefined;
    return `${unknown ? `unknown option ${unknown}` : message}\n\n${USAGE}`;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length > 1) return USAGE;
  return {
    program: positionals[0] ?? "examples/nfv-host",
    uri: values.uri ?? "test:///default",
    libvirt: !values["no-libvirt"],
    xml: !values["no-xml"],
    ...(values.json ? { json: true } : {}),
  };
}

/** Runs `virtkit plan`; returns the exit code. */
export async function plan(options: PlanOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  if (options.json) return planJson(options, out);
  let result;
  try {
    result = await runProgram(options.program);
  } catch (e) {
    if (e instanceof VirtkitValidationError) {
      out(`virtkit plan: the program is invalid; nothing would be created.\n\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const section = (title: string, body: string) => out(`\n== ${title}\n${body}\n`);
  section(`resources (${result.resources.length})`, formatResources(result));
  section("placement", formatPlacement(result));
  section("capacity", formatCapacity(result));
  const warnings = [...result.networks, ...result.vms].flatMap((c) => c.warnings.map((w) => `${c.component}: ${w}`));
  if (warnings.length) section("warnings", warnings.join("\n"));
  if (options.xml) for (const net of result.networks) section(`network XML of ${net.component}`, net.networkXml.trimEnd());
  if (options.xml) for (const vm of result.vms) section(`domain XML of ${vm.component}`, vm.domainXml.trimEnd());
  if (!options.libvirt) return 0;
  const verdicts = checkWithLibvirt(result.vms, options.uri, result.networks);
  section(
    `libvirt (${options.uri})`,
    table(
      ["component", "checks", "verdict"],
      verdicts.map((v) => [v.vm, v.checks.join(", "), v.ok ? `accepted: ${v.message}` : `REFUSED: ${v.message.split("\n")[0]}`]),
    ),
  );
  const refused = verdicts.filter((v) => !v.ok);
  for (const v of refused) out(`\n${v.vm}: libvirt refused the ${v.vm.startsWith("VirtualNetwork") ? "network" : "domain"}:\n${v.message}\n`);
  return refused.length ? 1 : 0;
}

/** `virtkit plan --json`: the same facts as the text report, as one document. */
async function planJson(options: PlanOptions, out: (s: string) => void): Promise<number> {
  const print = (doc: unknown) => out(`${JSON.stringify(doc, null, 2)}\n`);
  let result;
  try {
    result = await runProgram(options.program);
  } catch (e) {
    if (!(e instanceof VirtkitValidationError)) throw e;
    print({ program: options.program, valid: false, invalid: { component: e.component, issues: e.issues } });
    return 1;
  }
  const verdicts = options.libvirt ? checkWithLibvirt(result.vms, options.uri, result.networks) : [];
  print({
    program: options.program,
    valid: true,
    resources: result.resources.map((r) => ({ kind: r.custom ? "resource" : "component", type: r.type, name: r.name })),
    vms: result.vms.map((vm) => ({
      component: vm.component,
      host: vm.host,
      domainName: vm.domainName,
      placement: vm.report,
      warnings: vm.warnings,
      ...(options.xml ? { domainXml: vm.domainXml } : {}),
    })),
    networks: result.networks.map((n) => ({ component: n.component, host: n.host, networkName: n.networkName, warnings: n.warnings, ...(options.xml ? { networkXml: n.networkXml } : {}) })),
    capacity: [...new Set(result.hosts.flatMap((h) => (h.ledger ? [h.ledger] : [])))].map(capacityReport),
    libvirt: options.libvirt ? { uri: options.uri, verdicts } : undefined,
  });
  return verdicts.some((v) => !v.ok) ? 1 : 0;
}

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

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === "import") {
    const options = parseImportArgs(argv.slice(1));
    if (typeof options === "string") {
      // --help is an answer, not a mistake
      (argv.includes("--help") || argv.includes("-h") ? process.stdout : process.stderr).write(`${options}\n`);
      process.exitCode = argv.includes("--help") || argv.includes("-h") ? 0 : 2;
      return;
    }
    process.exitCode = runImport(options);
    return;
  }
  if (argv[0] === "facts") {
    const options = parseFactsArgs(argv.slice(1));
    if (typeof options === "string") {
      process.stderr.write(`${options}\n`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = facts(options);
    return;
  }
  if (argv[0] !== "plan") {
    process.stderr.write(`${COMMANDS}\n`);
    process.exitCode = 2;
    return;
  }
  const options = parseArgs(argv);
  if (typeof options === "string") {
    process.stderr.write(`${options}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await plan(options);
}
