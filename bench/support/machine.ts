import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

import { runDocker, type StartedTestEnvironment } from '../../test/environment/index.js';

export interface MachineDescription extends Record<string, unknown> {
  readonly cpus: number;
  readonly dockerVersion?: string;
  readonly storageDriver?: string;
  /** Other test environments' dockerds seen (at start and end): they compete for the CPUs. */
  otherTestEnvironments: number;
}

/** The machine and daemon a bench ran on, for its report. */
export async function describeMachine(env: StartedTestEnvironment): Promise<MachineDescription> {
  const { stdout } = await runDocker(env, ['info', '--format', '{{.ServerVersion}} {{.Driver}}']);
  const [dockerVersion, storageDriver] = stdout.trim().split(' ');
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    dockerVersion,
    storageDriver,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
    otherTestEnvironments: otherTestDaemons(env.tmpDir),
    ...describeSource(),
  };
}

/**
 * The code measured: HEAD, and how many paths `git status --short` lists (the built dist/ may hold
 * uncommitted changes; other people may edit the working tree while a bench runs).
 */
export function describeSource(): { gitCommit?: string; gitChangedPaths?: number } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  try {
    const gitCommit = git('rev-parse', '--short', 'HEAD').trim();
    const gitChangedPaths = git('status', '--short')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    return { gitCommit, gitChangedPaths };
  } catch {
    return {};
  }
}

/** dockerd processes of other stevedore test environments (any not in our temp dir). */
export function otherTestDaemons(ownTmpDir: string): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const [command = '', ...args] = commandLine.split('\0');
    if (!command.endsWith('dockerd')) continue;
    const line = args.join(' ');
    if (line.includes('stevedore-test-') && !line.includes(ownTmpDir)) count += 1;
  }
  return count;
}
