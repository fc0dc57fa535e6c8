import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ProcessRecord } from './types.js';

/**
 * Starts a long-lived service process whose output goes straight to a log file.
 *
 * The child gets file descriptors, not pipes, so it keeps running (and never blocks on a full
 * pipe) after the process that started it has gone: a jest worker may restart dockerd and then
 * exit, and the main jest process must still be able to stop that daemon by pid.
 */
export function spawnService(
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): ProcessRecord {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      // Secrets go here rather than in the arguments, which any process can read.
      env: options.env ? { ...process.env, ...options.env } : undefined,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${command} (see ${options.logFile})`);
    }
    // Node reaps the child when it exits; unref lets a bench script or jest exit without waiting on it.
    child.unref();
    child.on('error', () => undefined);
    return { pid: child.pid, startTime: readStartTime(child.pid) ?? 0, command, args: [...args] };
  } finally {
    closeSync(log);
  }
}

/** Field 22 of /proc/PID/stat: with the pid it names one process, so a recycled pid is never signalled. */
export function readStartTime(pid: number): number | undefined {
  const stat = readProcFile(pid, 'stat');
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(fields[19]);
  return Number.isFinite(startTime) ? startTime : undefined;
}

export function readCommandLine(pid: number): string[] | undefined {
  const raw = readProcFile(pid, 'cmdline');
  if (raw === undefined || raw === '') return undefined;
  return raw.replace(/\0$/, '').split('\0');
}

/** A zombie has exited: only its parent's bookkeeping keeps it listed, so it counts as gone. */
export function isRunning(pid: number): boolean {
  const stat = readProcFile(pid, 'stat');
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/**
 * Our own child that exited but that Node has not reaped yet. Worth the few milliseconds' wait:
 * if this process exits first the zombie passes to init, which on some sandboxes reaps it only
 * seconds later, and `pgrep` shows a `[dockerd] <defunct>` after the run.
 */
function isOurUnreapedChild(pid: number): boolean {
  const stat = readProcFile(pid, 'stat');
  if (stat === undefined) return false;
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return ppid === process.pid;
}

export function isSameProcess(record: ProcessRecord): boolean {
  return isRunning(record.pid) && readStartTime(record.pid) === record.startTime;
}

/** Every live process whose command line mentions `needle` (e.g. the environment's temp dir). */
export function findProcessesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const commandLine = readCommandLine(pid);
    if (commandLine?.some((arg) => arg.includes(needle)) && isRunning(pid)) found.push(pid);
  }
  return found;
}

export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some((pid) => isRunning(pid) || isOurUnreapedChild(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/**
 * SIGTERM, wait, then SIGKILL whatever is left. Resolves once all of them are gone, or throws:
 * a process that survives SIGKILL is stuck in the kernel and the caller has to know.
 */
export async function terminate(pids: readonly number[], graceMs: number): Promise<void> {
  const alive = pids.filter(isRunning);
  if (alive.length === 0) return;
  alive.forEach((pid) => signal(pid, 'SIGTERM'));
  if (await waitForExit(alive, graceMs)) return;
  alive.filter(isRunning).forEach((pid) => signal(pid, 'SIGKILL'));
  if (await waitForExit(alive, 5_000)) return;
  throw new Error(`processes ${alive.filter(isRunning).join(', ')} survived SIGKILL`);
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function readProcFile(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}
