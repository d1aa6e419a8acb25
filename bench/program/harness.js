// Runs a program under Pulumi's mock engine and nothing else: the plain setMocks floor.
//   node harness.js PROGRAM [--record FILE]   (--record writes the provider resources registered,
//   and FILE.all the number of every resource registered, components included)
"use strict";
const { writeFileSync } = require("fs");
const pulumi = require("@pulumi/pulumi");

async function main() {
  const [program, flag, file] = process.argv.slice(2);
  const records = [];
  let all = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type !== "pulumi:providers:pulumi-nodejs") all++;
        if (args.custom !== false) {
          const provider = args.provider ? args.provider.split("::")[3] : undefined;
          records.push({ type: args.type, name: args.name, provider, inputs: args.inputs });
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "bench", "bench", false,
  );
  require(program);
  await pulumi.runtime.disconnect();
  if (flag === "--record") {
    writeFileSync(file, JSON.stringify(records.filter((r) => r.type !== "pulumi:providers:pulumi-nodejs")));
    writeFileSync(`${file}.all`, String(all));
  }
  process.stderr.write(`registered ${records.length} provider resources\n`);
}
main().catch((e) => { console.error(e); process.exit(1); });
