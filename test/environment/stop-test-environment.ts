import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';

import { runCommand } from './command.js';
import { dockerDaemonAnswers, removeAllContainers, stopManagedDaemon } from './docker-daemon.js';
import { findExecutable } from './executables.js';
import { findProcessesMentioning, isSameProcess, terminate } from './processes.js';
import type { ManagedDockerDaemon, ProcessRecord, TestEnvironment } from './types.js';

export const TMP_DIR_PREFIX = 'stevedore-test-';

/**
 * Tears the environment down from its JSON description alone, so it works in any process and
 * after a partial start: dockerd (the newest one, whoever started it), its containerd, shims
 * and containers, both registries, Redis; then unmounts whatever is mounted below tmpDir and
 * removes it. External services are left alone. Keeps going past failures and reports them all
 * at the end, including any process that is still alive.
 */
export async function stopTestEnvironment(env: TestEnvironment): Promise<void> {
  const records = [
    env.registries.open.process,
    env.registries.auth.process,
    // Absent from a description written before the token registry existed.
    env.registries.token?.process,
    env.registries.token?.issuer.process,
    env.redis.process,
    // Absent from a description written before the index existed.
    env.searchIndex?.process,
  ];
  await tearDown({
    tmpDir: env.tmpDir,
    docker: env.docker.managed ? env.docker : undefined,
    processes: records.filter((record): record is ProcessRecord => record !== undefined),
  });
}

/** What exists of an environment, complete or not: all a teardown needs. */
export interface EnvironmentParts {
  tmpDir: string;
  docker?: ManagedDockerDaemon;
  /** Services started directly (registries, Redis); Redis rewrites its command line, so only the record finds it. */
  processes: ProcessRecord[];
}

export async function tearDown(parts: EnvironmentParts): Promise<void> {
  const { tmpDir, docker, processes } = parts;
  assertOwnTmpDir(tmpDir);
  // With the slash, so that no other folder whose name merely starts like ours can match.
  const inTmpDir = `${tmpDir}/`;
  const errors: unknown[] = [];
  const attempt = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  };
  await Promise.all([
    attempt(async () => {
      if (docker === undefined) return;
      if (await dockerDaemonAnswers(docker).catch(() => false)) await removeAllContainers(docker);
      await stopManagedDaemon(docker);
    }),
    attempt(() =>
      terminate(
        processes.filter(isSameProcess).map((p) => p.pid),
        5_000,
      ),
    ),
  ]);
  const containers = docker ? containerIds(docker.execRoot) : [];
  if (docker) await attempt(() => deleteLeftoverContainers(docker.execRoot));
  // Whatever still names the temp dir: containerd and shims of a daemon that had to be killed,
  // a daemon restarted by a worker that never wrote its pidfile, a registry of a failed start.
  await attempt(() => terminate(findProcessesMentioning(inTmpDir), 5_000));
  if (docker) await attempt(async () => removeShimSockets(docker.execRoot, containers));
  await attempt(() => unmountBelow(tmpDir));
  await attempt(async () => rmSync(tmpDir, { recursive: true, force: true, maxRetries: 3 }));

  const survivors = [
    ...findProcessesMentioning(inTmpDir),
    ...processes.filter(isSameProcess).map((p) => p.pid),
  ];
  if (survivors.length > 0) errors.push(new Error(`still running after stop: pids ${survivors.join(', ')}`));
  if (existsSync(tmpDir)) errors.push(new Error(`could not remove ${tmpDir}`));
  if (errors.length > 0)
    throw new AggregateError(errors, `test environment stop: ${errors.map(message).join('; ')}`);
}

interface ContainerId {
  namespace: string;
  id: string;
}

/** Containers containerd or runc still keep state for: only those of a daemon that did not stop cleanly. */
function containerIds(execRoot: string): ContainerId[] {
  const roots = [
    join(execRoot, 'containerd', 'daemon', 'io.containerd.runtime.v2.task'),
    join(execRoot, 'runtime-runc'),
  ];
  const found = new Map<string, ContainerId>();
  for (const root of roots) {
    for (const namespace of listDir(root)) {
      for (const id of listDir(join(root, namespace))) found.set(`${namespace}/${id}`, { namespace, id });
    }
  }
  return [...found.values()];
}

/**
 * containerd 1.6 puts each shim's socket in the host-wide /run/containerd/s, named by
 * sha256("<containerd address>/<namespace>/<container id>"), whatever its own state dir is. A
 * shim removes it when it exits normally; after a SIGKILL we do, by that name, so nothing but our
 * own sockets can match.
 */
function removeShimSockets(execRoot: string, containers: readonly ContainerId[]): void {
  const address = join(execRoot, 'containerd', 'containerd.sock');
  for (const { namespace, id } of containers) {
    const name = createHash('sha256').update(`${address}/${namespace}/${id}`).digest('hex');
    rmSync(join('/run/containerd/s', name), { force: true });
  }
}

/**
 * A container whose shim got SIGKILLed keeps running, re-parented and named by no command line
 * that mentions the temp dir. runc's own state (under the exec root) still lists it, and
 * `runc delete --force` kills every process in its cgroup.
 */
async function deleteLeftoverContainers(execRoot: string): Promise<void> {
  const stateRoot = join(execRoot, 'runtime-runc');
  for (const namespace of listDir(stateRoot)) {
    const root = join(stateRoot, namespace);
    for (const id of listDir(root)) {
      const runc = findExecutable(['runc'], 'install the runc package');
      await runCommand(runc, ['--root', root, 'delete', '--force', id], { timeoutMs: 20_000 });
    }
  }
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * Deepest first, lazily when busy, re-reading the mount table each time (mounts can be stacked):
 * dockerd leaves its data-root bind mount and netns mounts behind when killed.
 */
async function unmountBelow(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const [deepest] = mountPointsBelow(dir);
    if (deepest === undefined) return;
    if (attempt >= 100) throw new Error(`still mounted: ${mountPointsBelow(dir).join(', ')}`);
    await runCommand('umount', [deepest], { timeoutMs: 10_000 }).catch(() =>
      runCommand('umount', ['--lazy', deepest], { timeoutMs: 10_000 }).catch(() => undefined),
    );
  }
}

function mountPointsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    .map((field) =>
      field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    )
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

// A corrupted description must never make us kill or delete anything outside our own temp dir.
function assertOwnTmpDir(dir: string): void {
  if (!isAbsolute(dir) || !basename(dir).startsWith(TMP_DIR_PREFIX)) {
    throw new Error(`refusing to tear down ${JSON.stringify(dir)}: not a ${TMP_DIR_PREFIX}* temp dir`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
