import * as pulumi from "@pulumi/pulumi";

/**
 * A PinnedVm's pinning, owned by virtkit when `livePinning` is on: provider v0.9.7 restarts a
 * running domain on any update, libvirt can re-pin it live. The provider's Domain then ignores
 * changes of its pins and this resource applies them with `virsh vcpupin|emulatorpin|iothreadpin`
 * against the host's URI (`--live --config` on a running domain, `--config` on a stopped one).
 *
 * `domainDigest` is a digest of the Domain's other inputs. A Domain that ignores pin changes is
 * redefined by the provider with its OLD pins whenever anything else in it changes; the digest
 * changes with it, so this resource updates after every domain update and puts the current pins
 * back. Creating it records only (the domain is defined with the pins); deleting it changes nothing.
 */
export interface LivePinningInputs {
  uri: string;
  /** libvirt domain name. */
  domain: string;
  vcpuPins: { vcpu: number; cpuSet: string }[];
  emulatorPin?: string;
  ioThreadPins: { ioThread: number; cpuSet: string }[];
  domainDigest: string;
}

/** Re-pins `news`' pins on the domain; a pin `olds` had and `news` lacks goes back to every host CPU (virsh's `r`). */
export function applyPins(olds: LivePinningInputs | undefined, news: LivePinningInputs): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const virsh = (...args: string[]) => execFileSync("virsh", ["-q", "-c", news.uri, ...args], { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] }).trim();
  // --live on a stopped domain is an error; --config alone then
  const flags = virsh("domstate", news.domain) === "running" ? ["--live", "--config"] : ["--config"];
  const done: string[] = [];
  const run = (...args: string[]) => {
    virsh(...args, ...flags);
    done.push(args.join(" "));
  };
  const vcpus = new Map((olds?.vcpuPins ?? []).map((p) => [p.vcpu, "r"]));
  for (const p of news.vcpuPins) vcpus.set(p.vcpu, p.cpuSet);
  for (const [vcpu, cpuSet] of vcpus) run("vcpupin", news.domain, String(vcpu), cpuSet);
  const emulator = news.emulatorPin ?? (olds?.emulatorPin !== undefined ? "r" : undefined);
  if (emulator !== undefined) run("emulatorpin", news.domain, emulator);
  const iothreads = new Map((olds?.ioThreadPins ?? []).map((p) => [p.ioThread, "r"]));
  for (const p of news.ioThreadPins) iothreads.set(p.ioThread, p.cpuSet);
  // iothreadpin has no `r`: an unpinned iothread goes to every host CPU virsh reports
  const cpus = () => Number(/^CPU\(s\):\s+(\d+)/m.exec(virsh("nodeinfo"))?.[1] ?? 1);
  const all = [...iothreads.values()].includes("r") ? (cpus() === 1 ? "0" : `0-${cpus() - 1}`) : "";
  for (const [id, cpuSet] of iothreads) run("iothreadpin", news.domain, String(id), cpuSet === "r" ? all : cpuSet);
  return done;
}

/**
 * The pins the domain has now (live when it runs, else its definition), where `declared` pins
 * anything; a pin that names the same CPUs keeps its declared spelling. Out-of-band pinning
 * (`virsh vcpupin ... --live`) then shows at refresh, and the next update puts the pins back.
 * A domain virsh cannot read leaves the pins as recorded: the Domain's own refresh reports it.
 */
export function readPins(declared: LivePinningInputs): Pick<LivePinningInputs, "vcpuPins" | "emulatorPin" | "ioThreadPins"> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const virsh = (...args: string[]) => execFileSync("virsh", ["-q", "-c", declared.uri, ...args], { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] }).trim();
  const cpus = (set: string) => {
    const out = new Set<number>();
    for (const part of set.split(",")) {
      const [a, b] = part.trim().split("-").map(Number);
      for (let c = a; c <= (b ?? a); c++) out.add(c);
    }
    return [...out].sort((x, y) => x - y).join(",");
  };
  const same = (a: string, b: string) => cpus(a) === cpus(b);
  // "0      2-3" or "*: 0-1": the last column is the affinity
  const table = (text: string) => new Map(text.split("\n").map((l) => l.trim().split(/[\s:]+/)).filter((c) => c.length >= 2).map((c) => [c[0], c[c.length - 1]]));
  const keep = { vcpuPins: declared.vcpuPins, emulatorPin: declared.emulatorPin, ioThreadPins: declared.ioThreadPins };
  try {
    const flag = virsh("domstate", declared.domain) === "running" ? "--live" : "--config";
    const vcpus = table(virsh("vcpupin", declared.domain, flag));
    const vcpuPins = declared.vcpuPins.map((p) => {
      const now = vcpus.get(String(p.vcpu));
      return now === undefined || same(now, p.cpuSet) ? p : { vcpu: p.vcpu, cpuSet: now };
    });
    let emulatorPin = declared.emulatorPin;
    if (emulatorPin !== undefined) {
      // `virsh -q emulatorpin` prints the affinity alone (older virsh: "*: 0-1")
      const now = virsh("emulatorpin", declared.domain, flag).split(/[\s:]+/).filter(Boolean).pop();
      if (now !== undefined && !same(now, emulatorPin)) emulatorPin = now;
    }
    const threads = declared.ioThreadPins.length ? table(virsh("iothreadinfo", declared.domain, flag)) : new Map<string, string>();
    const ioThreadPins = declared.ioThreadPins.map((p) => {
      const now = threads.get(String(p.ioThread));
      return now === undefined || same(now, p.cpuSet) ? p : { ioThread: p.ioThread, cpuSet: now };
    });
    return { vcpuPins, emulatorPin, ioThreadPins };
  } catch {
    return keep;
  }
}

export const livePinningProvider: pulumi.dynamic.ResourceProvider = {
  async read(id: string, props: LivePinningInputs) {
    // the engine's wire format has no undefined: a pin not declared (no emulatorPin) stays absent
    const read: Record<string, unknown> = { ...props, ...readPins(props) };
    for (const key of Object.keys(read)) if (read[key] === undefined) delete read[key];
    return { id, props: read };
  },

  async create(inputs: LivePinningInputs) {
    return { id: `${inputs.uri}|${inputs.domain}`, outs: inputs };
  },

  async diff(_id: string, olds: LivePinningInputs, news: LivePinningInputs) {
    const keys = ["uri", "domain", "vcpuPins", "emulatorPin", "ioThreadPins", "domainDigest"] as const;
    const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    // nothing replaces: a new domain is defined with its pins, re-applying them is harmless
    return { changes: changed.length > 0, replaces: [] };
  },

  async update(_id: string, olds: LivePinningInputs, news: LivePinningInputs) {
    applyPins(olds.domain === news.domain && olds.uri === news.uri ? olds : undefined, news);
    return { outs: news };
  },

  async delete() {
    // the pins go with the domain
  },
};

/** `virtkit:LivePinning`: applies a domain's pinning live, without the provider's restart. */
export class LivePinning extends pulumi.dynamic.Resource {
  constructor(name: string, args: { [K in keyof LivePinningInputs]: pulumi.Input<LivePinningInputs[K]> }, opts: pulumi.CustomResourceOptions = {}) {
    super(livePinningProvider, name, args, opts, "virtkit", "LivePinning");
  }
}
