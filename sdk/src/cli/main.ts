// The `virtkit` command line: picks the command and hands it its arguments. Each command
// lives in its own folder: plan/planCommand.ts, facts/factsCommand.ts, import/importCommand.ts,
// recover/recoverCommand.ts.
import { facts, parseFactsArgs } from "./facts/factsCommand";
import { parseImportArgs, runImport } from "./import/importCommand";
import { parseArgs, plan } from "./plan/planCommand";
import { parseRecoverArgs, recover } from "./recover/recoverCommand";

const COMMANDS = `usage: virtkit plan [PROGRAM] [options]   (virtkit plan --help)
       virtkit facts --out DIR [--uri URI] (virtkit facts --help)
       virtkit import FILE.xml... | --uri URI [--out DIR]   (virtkit import --help)
       virtkit recover [--cwd DIR] [--stack NAME] [--dry-run]   (virtkit recover --help)`;

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
  if (argv[0] === "recover") {
    const options = parseRecoverArgs(argv.slice(1));
    if (typeof options === "string") {
      const help = argv.includes("--help") || argv.includes("-h");
      (help ? process.stdout : process.stderr).write(`${options}\n`);
      process.exitCode = help ? 0 : 2;
      return;
    }
    process.exitCode = recover(options);
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
