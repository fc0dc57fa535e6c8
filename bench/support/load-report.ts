import type { MemorySample, Readiness } from './api-process.js';
import type { HeapUsage } from './inspector.js';
import { isClean, type LoadSettings, type LoadStats } from './load.js';
import type { LoadedImages } from './many-images.js';
import { fixed, ms } from './report.js';
import type { SustainedLoadResult } from './sustained-load.js';

/** The api's memory at one point of the run: VmRSS/VmHWM from /proc, the V8 heap from inside. */
export interface MemoryPoint {
  readonly label: string;
  /** Seconds since the api was spawned. */
  readonly atSeconds: number;
  readonly memory?: MemorySample;
  /** Absent when the inspector is off (BENCH_INSPECT=0) or did not answer. */
  readonly heap?: HeapUsage;
}

/** One endpoint put under the load: the target or a baseline. */
export interface LoadRun {
  readonly key: string;
  readonly label: string;
  readonly request: string;
  readonly load?: SustainedLoadResult;
  /** Why it was not measured (its first request failed). */
  readonly unavailable?: string;
}

/** Target / baseline, both measured with the same connections and duration. */
export interface LoadRatio {
  readonly baseline: string;
  readonly p50: number;
  readonly p99: number;
  readonly requestsPerSecond: number;
}

export interface LoadReport {
  readonly generatedAt: string;
  readonly machine: Record<string, unknown> & { readonly otherTestEnvironments: number };
  readonly settings: {
    readonly load: LoadSettings;
    readonly idleSeconds: number;
    readonly timeoutSeconds: number;
    readonly maxRssGrowth: number;
    readonly inspector: boolean;
  };
  readonly images: LoadedImages & {
    /** Rows of `docker image ls` (all local images). */
    readonly imageListRows: number;
  };
  readonly readiness: Readiness;
  readonly target: LoadRun;
  readonly baselines: readonly LoadRun[];
  readonly ratios: readonly LoadRatio[];
  /** After warm-up, right before the measured run; the reference for the growth. */
  readonly memory: readonly MemoryPoint[];
  /** VmRSS once a second during the measured target run. */
  readonly rssDuringRun: readonly { readonly atSeconds: number; readonly rssBytes: number }[];
  /** (RSS right after the target run) / (RSS right before it) − 1. */
  readonly rssGrowth?: number;
  /** The same for the V8 heap in use after a full GC (before the run vs after run + idle). */
  readonly retainedHeapGrowth?: number;
  /** And for the RSS after a full GC, at the same two points. */
  readonly rssAfterGcGrowth?: number;
  readonly heapSnapshots: readonly string[];
  readonly problems: readonly string[];
  readonly totalSeconds: number;
}

export function loadMarkdown(report: LoadReport): string {
  const { connections, durationSeconds, warmupSeconds } = report.settings.load;
  const out: string[] = [
    '',
    `## Load benchmark: ${connections} connections, ${durationSeconds} s, ${report.images.distinct} images`,
    '',
    `autocannon, ${connections} connections per endpoint: a warm-up until the api has accepted every ` +
      `connection (bench/support/sustained-load.ts) and ${warmupSeconds} s more, then a ` +
      `${durationSeconds} s window on the same connections; per-request timeout ${report.settings.timeoutSeconds} s. ` +
      'Latencies in ms over every response in the window ' +
      '(nearest rank); req/s counts good answers only (2xx, expected body).',
    '',
    '| endpoint | warm-up s (all accepted after) | p50 | p95 | p99 | max | req/s | responses | non-2xx | errors | timeouts | wrong bodies | bytes/resp |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of [report.target, ...report.baselines]) {
    const load = run.load;
    if (!load) {
      out.push(`| ${run.label} | | ${run.unavailable ?? 'not measured'} | | | | | | | | | | |`);
      continue;
    }
    const accepted =
      load.allAcceptedAfterSeconds === undefined ? 'never' : fixed(load.allAcceptedAfterSeconds);
    out.push(`| ${run.label} | ${fixed(load.warmupSeconds)} (${accepted}) | ${statsCells(load.measured)} |`);
  }
  for (const ratio of report.ratios) {
    out.push(
      `| **target / ${ratio.baseline}** | | **${fixed(ratio.p50, 2)}** | | **${fixed(ratio.p99, 2)}** | | ` +
        `**${fixed(ratio.requestsPerSecond, 3)}** | | | | | | |`,
    );
  }

  out.push('', '| api memory | seconds | VmRSS | VmHWM (peak) | heap used | heap total | external |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const point of report.memory) {
    out.push(
      `| ${point.label} | ${fixed(point.atSeconds, 0)} | ${mb(point.memory?.rssBytes)} | ` +
        `${mb(point.memory?.peakRssBytes)} | ${mb(point.heap?.heapUsed)} | ${mb(point.heap?.heapTotal)} | ` +
        `${mb(point.heap?.external)} |`,
    );
  }
  const max = report.settings.maxRssGrowth;
  const growthMet =
    report.rssGrowth === undefined ? '—' : report.rssGrowth <= max ? 'yes' : '**no** (see the notes)';
  const failed = [report.target, ...report.baselines].filter(
    (run) => run.load && !isClean(run.load.measured),
  );
  out.push(
    '',
    '| target | measured | goal | met |',
    '| --- | ---: | ---: | --- |',
    `| failed requests (non-2xx, errors, timeouts, wrong bodies), every run | ${failed.length === 0 ? '0' : failed.map((run) => run.key).join(', ')} | 0 | ${failed.length === 0 ? 'yes' : '**no**'} |`,
    `| api RSS growth over the ${durationSeconds} s run | ${percent(report.rssGrowth)} | ≤ ${percent(max)} | ${growthMet} |`,
    `| api RSS after a full GC: after the run + idle vs ready | ${percent(report.rssAfterGcGrowth)} | (reported) | — |`,
    `| V8 heap in use after a full GC: after the run + idle vs ready | ${percent(report.retainedHeapGrowth)} | (reported) | — |`,
    '',
  );
  if (report.rssDuringRun.length > 0) {
    const every = Math.max(1, Math.round(report.rssDuringRun.length / 10));
    const samples = report.rssDuringRun.filter(
      (_, index) => index % every === 0 || index === report.rssDuringRun.length - 1,
    );
    out.push(
      `VmRSS during the target run (s → MB): ${samples.map((sample) => `${fixed(sample.atSeconds, 0)} → ${fixed(sample.rssBytes / 1e6, 1)}`).join(', ')}.`,
      '',
    );
  }
  out.push(
    `api spawn → /health/ready ${ms(report.readiness.readyMs)}. Images: ${report.images.distinct} distinct ids ` +
      `(${report.images.imageListRows} \`docker image ls\` rows, ${report.images.distinctLayers} distinct layers, ` +
      `loaded in ${fixed(report.images.loadSeconds, 1)} s). Whole run ${fixed(report.totalSeconds, 0)} s on ` +
      `${String(report.machine.cpus)} CPUs, load average at the start ${JSON.stringify(report.machine.loadAverageAtStart)}, ` +
      `at the end ${JSON.stringify(report.machine.loadAverageAtEnd)}.`,
    '',
  );
  const notes: string[] = [];
  if (report.machine.otherTestEnvironments > 0) {
    notes.push(
      `- ${report.machine.otherTestEnvironments} other test environment(s) ran on this machine during the run: ` +
        'they share the CPUs, so these numbers are noisier than usual.',
    );
  }
  for (const file of report.heapSnapshots) notes.push(`- heap snapshot: ${file}`);
  if (notes.length > 0) out.push('### Notes', '', ...notes, '');
  if (report.problems.length > 0) {
    out.push('### Problems', '', ...report.problems.map((problem) => `- ${problem}`), '');
  }
  return `${out.join('\n')}\n`;
}

function statsCells(stats: LoadStats): string {
  const { p50, p95, p99, max } = stats.latencyMs;
  return [
    fixed(p50),
    fixed(p95),
    fixed(p99),
    fixed(max),
    fixed(stats.requestsPerSecond, 1),
    stats.responses,
    stats.non2xx,
    stats.errors,
    stats.timeouts,
    stats.mismatches,
    stats.bytesPerResponse,
  ].join(' | ');
}

function mb(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : `${fixed(bytes / 1e6, 1)} MB`;
}

function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : `${value >= 0 ? '+' : ''}${fixed(value * 100, 1)} %`;
}
