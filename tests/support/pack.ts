import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * virtkit as a user gets it: `npm pack`, and the tarball installed into a project of the
 * user's. Shared by the package suite (tests/package) and the installed package's run on the
 * real engine (tests/e2e/installedPackage.e2e.test.ts).
 */

const repo = join(__dirname, "..", "..");

/** Runs npm in `cwd`, returning its stdout; throws with npm's whole output (a build's errors are on stdout) when it fails. */
export function npm(args: string[], cwd: string): string {
  try {
    return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60 * 1000 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(" ")} in ${cwd} failed:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

/**
 * Packs a copy of the checkout's sources into `out` and returns the tarball's path. A copy, so
 * prepack's build runs from nothing and never rewrites the checkout's dist/ under the other
 * suites' feet. The copy (in `out/source`) builds with the checkout's node_modules, but for
 * `@pulumi/libvirt`, which is the copy's own binding: the one the tarball ships, whatever the
 * checkout's node_modules links there (a worktree's shared node_modules links another checkout's).
 */
export function packVirtkit(out: string): string {
  const source = join(out, "source");
  for (const entry of ["package.json", "package-lock.json", "README.md", "tsconfig.json", "tsconfig.build.json", "bin", "sdk", "sdks"]) {
    cpSync(join(repo, entry), join(source, entry), { recursive: true, filter: (f) => !/\/sdks\/libvirt\/bin(\/|$)/.test(f) });
  }
  const modules = join(repo, "node_modules");
  mkdirSync(join(source, "node_modules", "@pulumi"), { recursive: true });
  for (const entry of readdirSync(modules)) if (entry !== "@pulumi") symlinkSync(join(modules, entry), join(source, "node_modules", entry));
  for (const entry of readdirSync(join(modules, "@pulumi"))) {
    symlinkSync(entry === "libvirt" ? join(source, "sdks", "libvirt") : join(modules, "@pulumi", entry), join(source, "node_modules", "@pulumi", entry));
  }
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
