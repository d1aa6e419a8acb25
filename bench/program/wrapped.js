// The floor's resources (raw.js), each under plain ComponentResources of virtkit's types and names
// (a LibvirtHost per provider, a PinnedVm per Domain, a HugepageMemory per hugepage VM) registering
// outputs of the same kinds, with no virtkit code: what Pulumi's runtime alone charges for the
// component resources of the components program.
//   VIRTKIT_BENCH_WRAP_OUTPUTS=0   the components register no outputs
"use strict";
const { readFileSync } = require("fs");
const pulumi = require("@pulumi/pulumi");
const libvirt = require("@pulumi/libvirt");
const recorded = JSON.parse(readFileSync(process.env.VIRTKIT_BENCH_RAW, "utf8"));
const outputs = process.env.VIRTKIT_BENCH_WRAP_OUTPUTS !== "0";
// about the size of the components program's domain XML
const xml = "<domain type='kvm'>" + "x".repeat(3000) + "</domain>";
const hosts = new Map();
for (const r of recorded) {
  if (r.type === "pulumi:providers:libvirt") {
    const name = r.name.replace(/-provider$/, "");
    const host = new pulumi.ComponentResource("virtkit:index:LibvirtHost", name, {}, {});
    const uri = pulumi.output(r.inputs.uri);
    const capacity = pulumi.output(Promise.resolve(0)).apply(() => ({ nodes: [{ node: 0, cpus: { free: 10, used: 20 } }] }));
    host.provider = new libvirt.Provider(r.name, { uri }, { parent: host });
    if (outputs) host.registerOutputs({ uri, capacity }); else host.registerOutputs({});
    hosts.set(r.name, host);
  } else if (r.type === "libvirt:index/domain:Domain") {
    const host = hosts.get(r.provider);
    const i = Number(r.name.split("-")[1]);
    if (r.inputs.memoryBacking) {
      const mem = new pulumi.ComponentResource("virtkit:index:HugepageMemory", `${r.name}-mem`, {}, {});
      if (outputs) mem.registerOutputs({ sizeBytes: pulumi.output(1 << 30), pageSizeBytes: pulumi.output(2 << 20), pages: pulumi.output(512) }); else mem.registerOutputs({});
    }
    const vm = new pulumi.ComponentResource("virtkit:index:PinnedVm", r.name, {}, {});
    const d = new libvirt.Domain(r.name, r.inputs, { parent: vm, provider: host.provider, replaceOnChanges: ["name", "type"], dependsOn: [] });
    const placement = { host: host.name, vcpus: [{ vcpu: 0, hostCpus: String(i % 60), node: 0 }, { vcpu: 1, hostCpus: String((i + 1) % 60), node: 0 }], iothreads: [], memory: [{ node: 0, size: "4GiB" }], devices: [] };
    if (outputs) vm.registerOutputs({ domainXml: pulumi.output(xml + i), placement: pulumi.output(placement), uuid: d.uuid }); else vm.registerOutputs({});
  }
}
