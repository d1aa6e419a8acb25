// Runs a program under Pulumi's mock engine and nothing else: the plain setMocks floor.
//   node harness.js PROGRAM [--record FILE]   (--record writes the provider resources registered)
"use strict";
const { writeFileSync } = require("fs");
const pulumi = require("@pulumi/pulumi");

async function main() {
  const [program, flag, file] = process.argv.slice(2);
  const records = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
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
  if (flag === "--record") writeFileSync(file, JSON.stringify(records.filter((r) => r.type !== "pulumi:providers:pulumi-nodejs")));
  process.stderr.write(`registered ${records.length} provider resources\n`);
}
main().catch((e) => { console.error(e); process.exit(1); });
