import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import ts from "typescript";

/**
 * The habits of sdk/src, kept by a test rather than by memory: no source file over 300 lines,
 * no function over 60 lines unless a comment at its head says why ("long because ..."), and
 * no file name twice except the names every folder of a kind shares (a component's args.ts
 * and plan.ts, a public namespace's index.ts).
 */
const root = join(__dirname, "..", "..", "sdk", "src");
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
const SHARED_NAMES = new Set(["index.ts", "args.ts", "plan.ts", "README.md"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
const sources = files(root).filter((f) => f.endsWith(".ts"));

/** Functions (declarations, methods, constructors, arrows) longer than the limit without a reason at their head. */
function longFunctions(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      // the comment may sit on the function or on the statement that holds it (a const arrow)
      const holder = ts.isVariableDeclaration(node.parent) ? node.parent.parent.parent : node;
      const head = text.slice(holder.getFullStart(), holder.getStart());
      if (end - start + 1 > MAX_FUNCTION_LINES && !/long because/i.test(head)) {
        const name = (node as ts.FunctionLikeDeclaration).name?.getText() ?? (ts.isConstructorDeclaration(node) ? "constructor" : "(anonymous)");
        found.push(`${relative(root, file)}:${start + 1} ${name} (${end - start + 1} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("sdk/src", () => {
  it(`has no source file over ${MAX_FILE_LINES} lines`, () => {
    const long = sources.map((f) => [relative(root, f), readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines without a reason at its head`, () => {
    expect(sources.flatMap(longFunctions)).toEqual([]);
  });

  it("names each file once, but for the names every folder of a kind shares", () => {
    const seen = new Map<string, string[]>();
    for (const f of files(root)) seen.set(basename(f), [...(seen.get(basename(f)) ?? []), relative(root, f)]);
    const twice = [...seen].filter(([name, paths]) => paths.length > 1 && !SHARED_NAMES.has(name));
    expect(twice).toEqual([]);
  });

  it("catches what it is for: a long function and a long file are found", () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES + 5 }, (_, i) => `  const x${i} = ${i};`).join("\n");
    const file = join(__dirname, "..", "..", ".scratch", "long-function-probe.ts");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, `export function tooLong(): void {\n${body}\n}\n`);
    expect(longFunctions(file)).toHaveLength(1);
    writeFileSync(file, `// long because: a probe\nexport function tooLong(): void {\n${body}\n}\n`);
    expect(longFunctions(file)).toHaveLength(0);
  });
});
