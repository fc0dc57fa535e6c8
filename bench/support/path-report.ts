import type { LoadStats } from './load.js';
import type { MachineDescription } from './machine.js';
import type { LoadedImages } from './many-images.js';
import { fixed } from './report.js';

/** A server's process tree's CPU over one measured window. */
export interface CpuMeasurement {
  /** Processes measured (the pid and its descendants, as the window opened). */
  readonly processes: number;
  /** Their command names, e.g. `{ "node": 2 }`. */
  readonly commands: Record<string, number>;
  /** utime + stime over the window, in clock ticks and seconds. */
  readonly ticks: number;
  readonly seconds: number;
  /** `seconds` ÷ every answer in the window, in µs. */
  readonly perRequestUs?: number;
  /** `seconds` ÷ the window: CPUs kept busy. */
  readonly cores: number;
  /** Each process's ticks over the window (root first): how the load spread over several. */
  readonly perProcess: readonly { readonly pid: number; readonly command?: string; readonly ticks: number }[];
  /** Processes that exited during the window (their CPU is missing). */
  readonly exited: number;
  /** The tree after the window differs from the one measured. */
  readonly treeChanged: boolean;
}

export interface PathRun {
  readonly key: string;
  readonly label: string;
  /** Whose CPU is measured: `bare`, `api`, `api-2`, `dockerd`. */
  readonly server: string;
  readonly serverLabel: string;
  /** METHOD path [body]. */
  readonly request: string;
  readonly connections: number;
  readonly warmupResponses: number;
  readonly load: LoadStats;
  readonly cpu: CpuMeasurement;
  /** CPU / request ÷ the bare server's, when both were measured. */
  readonly ratioToBare?: number;
  /** The load generator over the window, in CPUs: wrk's own CPU, or the bench process running autocannon. */
  readonly loaderCores: number;
  /** The machine's busy time minus the server's and the bench's, in CPUs: everything else. */
  readonly othersCores: number;
  /** 1-minute load average as the window closed. */
  readonly loadAverage1m: number;
}

export interface ServerInfo {
  readonly key: string;
  readonly label: string;
  readonly pid: number;
  readonly port?: number;
  /** `API_PROCESSES` it was started with (api only). */
  readonly apiProcesses?: number;
  /** Its process tree once ready: size and commands. */
  readonly processes: number;
  readonly commands: Record<string, number>;
  /** LISTEN sockets on its port (one per process with SO_REUSEPORT). */
  readonly listeningSockets?: number;
  /** CPUs it kept busy doing nothing (no requests), measured before its runs. */
  readonly idleCores?: number;
  readonly readyMs?: number;
}

export interface GoalResult {
  readonly key: string;
  readonly target: string;
  readonly measured: string;
  readonly value?: number;
  readonly goal: string;
  readonly met?: boolean;
  readonly note?: string;
}

/** The bench's settings that shape its runs (BENCH_CONNECTIONS, BENCH_WARMUP, ...). */
export interface PathRunSettings {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Of idle CPU per server before its runs; 0: not measured. */
  readonly idleSeconds: number;
  /** API_PROCESSES of the multi-process run; 0: none. */
  readonly processes: number;
  /** Rounds of 1 process vs `processes`, alternating which goes first. */
  readonly processRounds: number;
}

export interface PathReport {
  readonly generatedAt: string;
  /** BENCH_LABEL, e.g. before / after-production-mode. */
  readonly label?: string;
  readonly machine: MachineDescription;
  readonly settings: PathRunSettings & {
    readonly clockTicksPerSecond: number;
    /** The api's NODE_ENV. */
    readonly nodeEnv?: string;
  };
  readonly images: LoadedImages;
  readonly servers: readonly ServerInfo[];
  readonly runs: readonly PathRun[];
  readonly goals: readonly GoalResult[];
  readonly problems: readonly string[];
  readonly notes: readonly string[];
  readonly totalSeconds: number;
}

export function pathMarkdown(report: PathReport): string {
  const { settings, machine } = report;
  const commit = machine.gitCommit
    ? `\`${String(machine.gitCommit)}\` (${String(machine.gitChangedPaths)} changed paths in the working tree)`
    : 'unknown commit';
  const out: string[] = [
    '',
    `## Request path: CPU per request${report.label ? ` (${report.label})` : ''}`,
    '',
    `${commit}, ${report.images.distinct} images on the isolated dockerd. Load from wrk (many connections: a ` +
      `${settings.warmupSeconds} s warm-up run, then a ${settings.durationSeconds} s measured run) and from ` +
      'autocannon (one connection: a warm-up then a window on the same connection, the daemon on its unix socket ' +
      "included). CPU per request: the server process tree's utime + stime over the measured window (/proc, " +
      `${settings.clockTicksPerSecond} ticks/s) ÷ the answers in it. p50 over every answer in the window. ` +
      "Cores: CPU seconds per second of the window, of the server's tree, of the load generator (wrk's own CPU, " +
      'or the bench process for autocannon) and of everything else on the machine (its busy time minus those two).',
    '',
    "| endpoint | server | conns | CPU µs/request | × bare | req/s | p50 ms | server (cores) | load generator (cores) | others' CPU (cores) |",
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of report.runs) {
    out.push(
      `| ${run.label} | ${run.serverLabel} | ${run.connections} | ${num(run.cpu.perRequestUs, 0)} | ` +
        `${num(run.ratioToBare, 2)} | ${fixed(run.load.requestsPerSecond, 0)} | ${fixed(run.load.latencyMs.p50, 2)} | ` +
        `${fixed(run.cpu.cores, 2)} | ${fixed(run.loaderCores, 2)} | ${fixed(run.othersCores, 2)} |`,
    );
  }
  out.push('', '| target | measured | goal | met |', '| --- | --- | --- | --- |');
  for (const goal of report.goals) {
    const met = goal.met === undefined ? '—' : goal.met ? 'yes' : '**no**';
    out.push(`| ${goal.target} | ${goal.measured} | ${goal.goal} | ${met} |`);
  }
  out.push(
    '',
    '| server | processes | listening sockets | idle CPU (cores) |',
    '| --- | --- | ---: | ---: |',
  );
  for (const server of report.servers) {
    const commands = Object.entries(server.commands)
      .map(([command, count]) => `${count} × ${command}`)
      .join(', ');
    out.push(
      `| ${server.label} | ${commands || server.processes} | ${server.listeningSockets ?? '—'} | ` +
        `${num(server.idleCores, 3)} |`,
    );
  }
  const load = (values: unknown) => (Array.isArray(values) ? values.join(', ') : 'n/a');
  out.push(
    '',
    `Machine: ${String(machine.cpus)} CPUs (${String(machine.cpuModel)}), Node ${String(machine.node)}, ` +
      `dockerd ${String(machine.dockerVersion)}; load average ${load(machine.loadAverageAtStart)} at the start, ` +
      `${load(machine.loadAverageAtEnd)} at the end. the api's NODE_ENV ${settings.nodeEnv ?? 'unset'}. ` +
      `Whole run ${fixed(report.totalSeconds, 0)} s.`,
    '',
  );
  const notes = [...report.notes, ...report.goals.flatMap((goal) => (goal.note ? [goal.note] : []))];
  if (machine.otherTestEnvironments > 0) {
    notes.push(
      `${machine.otherTestEnvironments} other test environment(s) ran on this machine during the run: ` +
        'req/s and latencies are noisier than usual (CPU per request less so).',
    );
  }
  if (notes.length > 0) out.push('### Notes', '', ...notes.map((note) => `- ${note}`), '');
  if (report.problems.length > 0) {
    out.push('### Problems', '', ...report.problems.map((problem) => `- ${problem}`), '');
  }
  return `${out.join('\n')}\n`;
}

function num(value: number | undefined, digits: number): string {
  return value === undefined ? 'n/a' : fixed(value, digits);
}
