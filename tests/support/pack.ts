import { execFileSync } from "node:child_process";
import { cpSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * virtkit as a user gets it: `npm pack`, and the tarball installed into a project of the
 * user's. Shared by the package suite (tests/package) and the installed package's run on the
 * real engine (tests/e2e/installedPackage.e2e.test.ts).
 */

const repo = join(__dirname, "..", "..");

/** Runs npm in `cwd`, returning its stdout; throws with npm's output when it fails. */
export const npm = (args: string[], cwd: string): string =>
  execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60 * 1000 });

/**
 * Packs a copy of the checkout's sources into `out` and returns the tarball's path. A copy, so
 * prepack's build runs from nothing and never rewrites the checkout's dist/ under the other
 * suites' feet; the copy (in `out/source`) uses the checkout's node_modules to build.
 */
export function packVirtkit(out: string): string {
  const source = join(out, "source");
  for (const entry of ["package.json", "package-lock.json", "README.md", "tsconfig.json", "tsconfig.build.json", "bin", "sdk", "sdks"]) {
    cpSync(join(repo, entry), join(source, entry), { recursive: true, filter: (f) => !/\/sdks\/libvirt\/bin(\/|$)/.test(f) });
  }
  symlinkSync(join(repo, "node_modules"), join(source, "node_modules"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", out], source)) as { filename: string }[];
  return join(out, packed[0].filename);
}

/**
 * Installs the tarball into the project in `dir` (which has its package.json), with `packages`
 * from the npm registry, as a user would; `--prefer-offline` takes them from npm's cache when
 * it has them.
 */
export function installTarball(dir: string, tarball: string, packages: string[]): void {
  npm(["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...packages], dir);
}
