// Writes virtkit's Pulumi package schema (sdk/src/package/schema.json), generated from the
// components' zod argument schemas: `npm run schema`. tests/package/schema.test.ts fails
// while the committed file differs from what this generates.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageSchema } from "../sdk/src/package/packageSchema";
import { version } from "../package.json";

const file = join(__dirname, "..", "sdk", "src", "package", "schema.json");
writeFileSync(file, `${JSON.stringify(packageSchema(version), null, 2)}\n`);
console.log(`wrote ${file}`);
