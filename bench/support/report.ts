import type { MemorySample, Readiness } from './api-process.js';
import { isClean, type LoadSettings, type Measurement } from './load.js';

/** One request made before the load run: does the endpoint work at all, and how fast cold. */
export interface Probe {
  readonly ok: boolean;
  readonly status?: number;
  readonly ms: number;
  readonly bytes?: number;
  /** GraphQL `errors[].message` (+ code), a non-2xx body, or the transport failure. */
  readonly errors?: string[];
  /** The answer had no errors but disagrees with what is on the daemon. */
  readonly dataProblems?: string[];
}

export interface ScenarioResult {
  readonly key: string;
  readonly title: string;
  /** Connections of the baseline and target runs that are compared. */
  readonly connections: number;
  readonly note?: string;
  readonly baseline: { readonly label: string; readonly probe: Probe; readonly load?: Measurement };
  readonly target: {
    readonly label: string;
    readonly query: string;
    readonly probe: Probe;
    readonly load?: Measurement;
    /** Why the target was not measured (the query fails). */
    readonly unavailable?: string;
  };
  /** The target alone at other connections (no baseline can be run there). */
  readonly extraTarget?: { readonly connections: number; readonly load: Measurement };
  /** Target / baseline. */
  readonly ratios?: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly requestsPerSecond: number;
  };
  readonly maxP50Ratio?: number;
  readonly met?: boolean;
}

export interface StartSample {
  readonly readiness: Readiness;
  /** Right after /health/ready answered 200. */
  readonly memoryAfterReady?: MemorySample;
}

/** The api started (and, but for the last, stopped) a few times against the same daemon. */
export interface StartupResult {
  /** How many local images the daemon had. */
  readonly images: number;
  readonly samples: readonly StartSample[];
  /** Medians over the samples that got there. */
  readonly listeningMs?: number;
  readonly readyMs?: number;
  /** Of the first start that never got ready. */
  readonly failure?: string;
  readonly hasCatalogueCheck: boolean;
  /** Of the last start (the api the load runs use). */
  readonly memoryAfterReady?: MemorySample;
}

export interface CatalogueReport {
  readonly generatedAt: string;
  readonly machine: Record<string, unknown> & { readonly otherTestEnvironments: number };
  readonly settings: { readonly load: LoadSettings; readonly dfConnections: number };
  readonly images: {
    readonly distinct: number;
    readonly tags: number;
    readonly imageListRows: number;
    readonly distinctLayers: number;
    readonly archiveBytes: number;
    readonly loadSeconds: number;
  };
  /** The api started against the daemon before the images were loaded, when measured. */
  readonly emptyStartup?: StartupResult;
  readonly startup: StartupResult;
  readonly memoryAfterLoad?: MemorySample;
  readonly maxRssBytes: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly problems: readonly string[];
  readonly totalSeconds: number;
}

export function markdown(report: CatalogueReport): string {
  const { durationSeconds, warmupSeconds } = report.settings.load;
  const out: string[] = [
    '',
    `## Catalogue benchmark: ${report.images.distinct} images (${report.images.imageListRows} \`docker image ls\` rows)`,
    '',
    `autocannon, ${durationSeconds} s per run after a ${warmupSeconds} s warm-up of the same shape; baseline and ` +
      'target of a scenario with the same connections. Latencies in ms over every response (nearest rank).',
    '',
    '| scenario | side | conns | p50 | p95 | p99 | req/s | responses | failed | bytes/resp |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of report.scenarios) {
    const row = (side: string, conns: number, measurement?: Measurement, note?: string) => {
      const stats = measurement?.measured;
      if (!stats) return `| ${result.title} | ${side} | ${conns} | ${note ?? 'not measured'} | | | | | | |`;
      const { p50, p95, p99 } = stats.latencyMs;
      return (
        `| ${result.title} | ${side} | ${conns} | ${fixed(p50)} | ${fixed(p95)} | ${fixed(p99)} | ` +
        `${fixed(stats.requestsPerSecond, 1)} | ${stats.responses} | ${stats.responses - stats.ok} | ` +
        `${stats.bytesPerResponse} |`
      );
    };
    out.push(row(`baseline: ${result.baseline.label}`, result.connections, result.baseline.load));
    out.push(
      row(
        `target: ${result.target.label}`,
        result.connections,
        result.target.load,
        result.target.unavailable && 'UNAVAILABLE (see Problems)',
      ),
    );
    if (result.ratios) {
      const { p50, p95, p99, requestsPerSecond } = result.ratios;
      out.push(
        `| ${result.title} | **target / baseline** | | **${fixed(p50, 2)}** | ${fixed(p95, 2)} | ${fixed(p99, 2)} | ` +
          `${fixed(requestsPerSecond, 2)} | | | |`,
      );
    }
    if (result.extraTarget) {
      out.push(
        row(`target alone: ${result.target.label}`, result.extraTarget.connections, result.extraTarget.load),
      );
    }
  }

  const { startup, emptyStartup, memoryAfterLoad } = report;
  const maxMB = report.maxRssBytes / 1e6;
  const rssGoal = `< ${fixed(maxMB, 0)} MB`;
  const rssMet = (sample?: MemorySample) => {
    if (!sample) return '—';
    if (sample.rssBytes < report.maxRssBytes) return 'yes';
    // "200 MB" may mean MiB; say so when only that reading passes.
    return sample.rssBytes < maxMB * 1024 * 1024 ? '**no** (yes if MB means MiB)' : '**no**';
  };
  out.push('', '| target | measured | goal | met |', '| --- | ---: | ---: | --- |');
  for (const result of report.scenarios) {
    const goal =
      result.maxP50Ratio !== undefined ? `p50 ≤ ${fixed(result.maxP50Ratio, 2)} × baseline` : '(reported)';
    const measured = result.ratios ? `p50 ${fixed(result.ratios.p50, 2)} × baseline` : 'not measured';
    const met = result.met === undefined ? '—' : result.met ? 'yes' : '**no**';
    out.push(`| ${result.title} | ${measured} | ${goal} | ${met} |`);
  }
  out.push(
    `| 3. catalogue build: api spawn → /health/ready 200 (median) | ${readyText(startup)} | (reported) | ` +
      `${startup.hasCatalogueCheck ? '—' : '**readiness has no catalogue check**'} |`,
    `| 3. api RSS after the build | ${memoryText(startup.memoryAfterReady)} | ${rssGoal} | ${rssMet(startup.memoryAfterReady)} |`,
    // Issue 3's target is the RSS once the catalogue is built; under load V8 sizes its heap for speed.
    `| 3. api RSS after the load runs | ${memoryText(memoryAfterLoad, true)} | (reported) | — |`,
    '',
    '| api start | images | spawn → listening (median) | spawn → ready (median) | ready, each start | RSS when ready (last) |',
    '| --- | ---: | ---: | ---: | --- | ---: |',
  );
  for (const [label, measured] of [
    ['empty daemon', emptyStartup],
    ['generated images', startup],
  ] as const) {
    if (!measured) continue;
    const each = measured.samples.map((sample) => ms(sample.readiness.readyMs)).join(', ');
    out.push(
      `| ${label} | ${measured.images} | ${ms(measured.listeningMs)} | ${readyText(measured)} | ${each} | ` +
        `${memoryText(measured.memoryAfterReady)} |`,
    );
  }
  out.push(
    '',
    `Images: ${report.images.distinct} distinct ids, ${report.images.tags} tags, ${report.images.distinctLayers} distinct ` +
      `layers; one \`docker load\` of ${fixed(report.images.archiveBytes / 1e6, 1)} MB took ${fixed(report.images.loadSeconds, 1)} s. ` +
      `Whole run ${fixed(report.totalSeconds, 0)} s on ${String(report.machine.cpus)} CPUs, ` +
      `dockerd ${String(report.machine.dockerVersion)} (${String(report.machine.storageDriver)}).`,
    '',
  );
  const notes = report.scenarios.flatMap((result) =>
    result.note ? [`- ${result.title}: ${result.note}`] : [],
  );
  if (report.machine.otherTestEnvironments > 0) {
    notes.push(
      `- ${report.machine.otherTestEnvironments} other test environment(s) ran on this machine during the run: ` +
        'they share the CPUs, so these numbers are noisier than usual.',
    );
  }
  if (notes.length > 0) out.push('### Notes', '', ...notes, '');
  if (report.problems.length > 0) {
    out.push('### Problems', '', ...report.problems.map((problem) => `- ${problem}`), '');
  }
  return `${out.join('\n')}\n`;
}

export function oneLine(measurement: Measurement): string {
  const stats = measurement.measured;
  const { p50, p95, p99 } = stats.latencyMs;
  return (
    `p50 ${fixed(p50)} ms, p95 ${fixed(p95)} ms, p99 ${fixed(p99)} ms, ${fixed(stats.requestsPerSecond, 1)} req/s` +
    (isClean(stats) ? '' : ` (FAILED: ${failures(measurement)})`)
  );
}

export function failures(measurement: Measurement): string {
  const stats = measurement.measured;
  return (
    `${stats.non2xx} non-2xx ${JSON.stringify(stats.statusCodes)}, ${stats.errors} connection errors, ` +
    `${stats.timeouts} timeouts, ${stats.mismatches} wrong bodies`
  );
}

function readyText(startup: StartupResult): string {
  return startup.failure ? `not ready: ${startup.failure}` : ms(startup.readyMs);
}

function memoryText(sample: MemorySample | undefined, withPeak = false): string {
  if (!sample) return 'n/a';
  const text = `${fixed(sample.rssBytes / 1e6, 1)} MB (${fixed(sample.rssBytes / 1024 / 1024, 1)} MiB)`;
  return withPeak ? `${text}, peak ${fixed(sample.peakRssBytes / 1e6, 1)} MB` : text;
}

export function ms(value: number | undefined): string {
  return value === undefined
    ? 'n/a'
    : value >= 1000
      ? `${fixed(value / 1000, 2)} s`
      : `${fixed(value, 1)} ms`;
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
