import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { emptyLock, formatLockFile, LOCK_FILE_NAME, parseLockFile, type LockFile, type StackLock } from "../../host/placementLock";
import { LOCK_FILE_ENV, type ProgramLock } from "../../program/runContext";
import type { ProgramPlan } from "./runProgram";

/**
 * The placement lock as `virtkit plan` reads and writes it: `virtkit.lock.json` beside the
 * program's Pulumi.yaml (or `--lock FILE`, or `$VIRTKIT_LOCK_FILE`), one section per stack.
 */

/** The program's directory: the project directory, or the folder of a program file. */
export function programDir(program: string): string {
  const full = resolve(program);
  return existsSync(full) && statSync(full).isDirectory() ? full : dirname(full);
}

/** `--lock FILE`, else `$VIRTKIT_LOCK_FILE`, else `virtkit.lock.json` in the program's directory. */
export function lockFilePath(program: string, given?: string): string {
  return resolve(given ?? (process.env[LOCK_FILE_ENV] || join(programDir(program), LOCK_FILE_NAME)));
}

/** The whole lock file, or an empty lock when it does not exist. @throws LockFileError */
export function readLockFile(file: string): LockFile {
  return existsSync(file) ? parseLockFile(readFileSync(file, "utf8"), file) : emptyLock();
}

/** The lock a run honours: the stack's section of `lock`. */
export function programLockOf(file: string, stack: string, lock: LockFile, exists: boolean, section: StackLock | undefined = lock.stacks[stack]): ProgramLock {
  return { file, stack, exists, section };
}

/** What a run locks: every placed VM of each host and every volume, by component name. */
export function stackSectionOf(plan: ProgramPlan): StackLock {
  const hosts: StackLock["hosts"] = {};
  for (const vm of plan.vms) {
    if (!vm.lockEntry || !vm.name) continue;
    (hosts[vm.host] ??= { vms: {} }).vms[vm.name] = vm.lockEntry;
  }
  const volumes: StackLock["volumes"] = {};
  for (const v of plan.volumes) volumes[v.name] = { host: v.host, digest: v.digest };
  return { hosts, volumes };
}

/** Locked VMs (host, name) and volumes that the program no longer declares. */
export function removedFromLock(section: StackLock | undefined, plan: ProgramPlan): { vms: { host: string; name: string }[]; volumes: string[] } {
  const declared = new Set(plan.vms.map((vm) => `${vm.host}\u0000${vm.name}`));
  const vms = Object.entries(section?.hosts ?? {}).flatMap(([host, { vms }]) => Object.keys(vms).filter((name) => !declared.has(`${host}\u0000${name}`)).map((name) => ({ host, name })));
  const volumeNames = new Set(plan.volumes.map((v) => v.name));
  return { vms, volumes: Object.keys(section?.volumes ?? {}).filter((n) => !volumeNames.has(n)) };
}

/** The section without the VMs the program no longer declares: their share is free. */
export function withoutRemoved(section: StackLock, removed: { host: string; name: string }[]): StackLock {
  const gone = new Set(removed.map((r) => `${r.host}\u0000${r.name}`));
  const hosts = Object.fromEntries(Object.entries(section.hosts).map(([host, { vms }]) => [host, { vms: Object.fromEntries(Object.entries(vms).filter(([name]) => !gone.has(`${host}\u0000${name}`))) }]));
  return { ...section, hosts };
}

/** The file's text with the stack's section replaced; other stacks are kept as they are. */
export function updatedLockText(lock: LockFile, stack: string, section: StackLock): string {
  return formatLockFile({ ...lock, stacks: { ...lock.stacks, [stack]: section } });
}

/** Writes the lock through a temporary file and a rename, so a reader never sees half a file. */
export function writeLockText(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
