import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time from /proc, in clock ticks: what a process (and its descendants) spent, user + system,
 * as the kernel counts it. A tick is 1 / CLK_TCK s (10 ms with the usual 100), so a window must
 * hold hundreds of ticks for a per-request figure to mean anything.
 */

let clockTicks: number | undefined;

/** `getconf CLK_TCK`; 100 when getconf is missing (what Linux reports on every common platform). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clockTicks = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface Stat {
  readonly ppid: number;
  /** utime + stime of the process itself (not of its reaped children). */
  readonly ticks: number;
  readonly command: string;
}

/** Fields of /proc/<pid>/stat; the command (field 2) may hold spaces and parentheses. */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const command = text.slice(text.indexOf('(') + 1, close);
  // After ") ": field 3 (state) is index 0, so field n is index n - 3.
  const fields = text.slice(close + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), command };
}

/** The pid and every live descendant (children of children too), root first. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * What a process runs: the basename of its argv[0] (`node`), else its kernel name (which Node 24
 * sets to its main thread's, `MainThread`).
 */
export function commandOf(pid: number): string | undefined {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    if (argv0 !== '') return argv0.split('/').at(-1);
  } catch {
    // gone, or not ours to read
  }
  return readStat(pid)?.command;
}

/** The commands of a process tree, e.g. `{ node: 3 }`. */
export function treeCommands(pids: readonly number[]): Record<string, number> {
  const commands: Record<string, number> = {};
  for (const pid of pids) {
    const command = commandOf(pid);
    if (command) commands[command] = (commands[command] ?? 0) + 1;
  }
  return commands;
}

/** A reading of some processes' CPU ticks, to subtract from a later one. */
export type CpuReading = ReadonlyMap<number, number>;

export function readCpu(pids: readonly number[]): CpuReading {
  const reading = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) reading.set(pid, stat.ticks);
  }
  return reading;
}

/**
 * Seconds of CPU between two readings of the same processes. A process missing from `before`
 * counts from 0; one missing from `after` (it exited) counts nothing, and is reported.
 */
export function cpuSecondsBetween(
  before: CpuReading,
  after: CpuReading,
): { seconds: number; ticks: number; exited: number; perProcess: { pid: number; ticks: number }[] } {
  const perProcess: { pid: number; ticks: number }[] = [];
  let exited = 0;
  for (const [pid, start] of before) {
    const end = after.get(pid);
    if (end === undefined) exited += 1;
    else perProcess.push({ pid, ticks: end - start });
  }
  for (const [pid, end] of after) if (!before.has(pid)) perProcess.push({ pid, ticks: end });
  const ticks = perProcess.reduce((sum, process) => sum + process.ticks, 0);
  return { seconds: ticks / clockTicksPerSecond(), ticks, exited, perProcess };
}

/**
 * The whole machine's busy time from /proc/stat's `cpu` line (every CPU), in ticks: everything but
 * idle and iowait. Subtracting what the measured processes used tells how busy the rest was.
 */
export function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is in user already.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values;
  return user + nice + system + irq + softirq + steal;
}

/** LISTEN sockets on 127.0.0.1:`port` (one per process with SO_REUSEPORT), from /proc/net/tcp. */
export function listeningSockets(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[3] === '0A') count += 1;
  }
  return count;
}
