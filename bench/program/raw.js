// The same provider resources the components program registers (recorded by
// harness.js --record), declared directly with @pulumi/libvirt: the floor a program of
// these resources costs without virtkit.
"use strict";
const { readFileSync } = require("fs");
const libvirt = require("@pulumi/libvirt");

const recorded = JSON.parse(readFileSync(process.env.VIRTKIT_BENCH_RAW, "utf8"));
const providers = new Map();
for (const r of recorded) {
  if (r.type === "pulumi:providers:libvirt") providers.set(r.name, new libvirt.Provider(r.name, r.inputs));
  else if (r.type === "libvirt:index/domain:Domain") new libvirt.Domain(r.name, r.inputs, { provider: providers.get(r.provider) });
}
