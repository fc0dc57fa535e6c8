/**
 * The image catalogue benchmark (issue 3 speed targets). One run, one isolated dockerd:
 *
 *   1. GraphQL `images(first: 100)` with the catalogue fields vs a direct `GET /images/json`
 *      to the daemon: the api's p50 must be at most half the daemon's.
 *   2. GraphQL `diskUsage` + `images(first: N) { id sharedSize uniqueSize }` vs `GET /system/df`.
 *   3. Building the catalogue from scratch: api spawn until `GET /health/ready` answers 200 (the
 *      readiness has a `catalogue` check), and the api's RSS after that and after the load runs.
 *
 * Latencies come from autocannon, with the same connections and duration for the baseline and the
 * target of a scenario, each after a warm-up of the same shape. Numbers are reported, never
 * asserted: the exit status is 1 only when something could not be measured (a query failing,
 * failed requests, the api never ready).
 *
 *   npm run bench        # builds the api and this folder, then runs it (~2.5 min on 2 cores)
 *
 * Settings (environment): BENCH_IMAGES (1000), BENCH_TAGS_PER_IMAGE (1), BENCH_LAYER_GROUPS (50),
 * BENCH_OWN_LAYERS (100), BENCH_CONNECTIONS (10), BENCH_DURATION (10 s), BENCH_WARMUP (3 s),
 * BENCH_DF_CONNECTIONS (1, see scenario 2), BENCH_STARTS (3 api starts, median reported),
 * BENCH_EMPTY_START (1: also start the api before the images exist, for the start-up time with no
 * catalogue to build; 0 skips it), BENCH_READY_TIMEOUT (300 s per start).
 *
 * Needs root (it starts its own dockerd, see test/environment/README.md); DOCKER_HOST and
 * REDIS_URL are ignored on purpose. Writes bench/results/catalogue.json and prints a Markdown
 * summary on stdout; progress goes to stderr.
 */
import { randomBytes } from 'node:crypto';

import type { StartedTestEnvironment } from '../test/environment/index.js';
import { type ApiProcess, readMemory } from './support/api-process.js';
import {
  graphqlAnswered,
  isClean,
  type LoadSettings,
  type LoadTarget,
  measureLoad,
  type Measurement,
  requestOnce,
} from './support/load.js';
import { createBenchImages, DEFAULT_LAYER_GROUPS, DEFAULT_OWN_LAYERS } from './support/many-images.js';
import {
  type CatalogueReport,
  failures,
  markdown,
  ms,
  oneLine,
  type Probe,
  type ScenarioResult,
  type StartSample,
  type StartupResult,
} from './support/report.js';
import { type Bench, integerSetting as integer, median, round, runBench } from './support/runner.js';

/** Issue 3: the api's RSS must stay under 200 MB. */
const MAX_RSS_BYTES = 200e6;

interface Settings {
  readonly images: number;
  readonly tagsPerImage: number;
  readonly layerGroups: number;
  readonly ownLayers: number;
  readonly load: LoadSettings;
  readonly dfConnections: number;
  readonly emptyStart: boolean;
  readonly starts: number;
  readonly readyTimeoutSeconds: number;
}

function readSettings(): Settings {
  return {
    images: integer('BENCH_IMAGES', 1000, 1),
    tagsPerImage: integer('BENCH_TAGS_PER_IMAGE', 1, 1),
    layerGroups: integer('BENCH_LAYER_GROUPS', DEFAULT_LAYER_GROUPS, 1),
    ownLayers: integer('BENCH_OWN_LAYERS', DEFAULT_OWN_LAYERS, 0),
    load: {
      connections: integer('BENCH_CONNECTIONS', 10, 1),
      durationSeconds: integer('BENCH_DURATION', 10, 1),
      warmupSeconds: integer('BENCH_WARMUP', 3, 0),
    },
    dfConnections: integer('BENCH_DF_CONNECTIONS', 1, 1),
    emptyStart: integer('BENCH_EMPTY_START', 1, 0) > 0,
    starts: integer('BENCH_STARTS', 3, 1),
    readyTimeoutSeconds: integer('BENCH_READY_TIMEOUT', 300, 1),
  };
}

const IMAGES_QUERY =
  '{ images(first: 100) { totalCount nodes { id shortId repoTags repoDigests dangling official created size ' +
  'sharedSize uniqueSize architecture os labels config { cmd env } layers { chainId size } } } }';

const diskUsageQuery = (first: number) =>
  `{ diskUsage { imagesCount activeCount totalSize reclaimableSize } images(first: ${first}) ` +
  '{ nodes { id sharedSize uniqueSize } } }';

/** What a GraphQL answer must contain beyond "no errors"; returns the disagreements found. */
type DataCheck = (data: Record<string, unknown>) => string[];

interface Scenario {
  readonly key: string;
  readonly title: string;
  /** Of both the baseline and the target run. */
  readonly connections: number;
  /** Also run the target alone with these connections (when the baseline cannot run with them). */
  readonly extraTargetConnections?: number;
  readonly note?: string;
  readonly baseline: { readonly label: string; readonly request: LoadTarget };
  readonly target: {
    readonly label: string;
    readonly query: string;
    readonly check: DataCheck;
    readonly request: LoadTarget;
  };
  /** Target p50 / baseline p50 must be at most this; undefined when the issue sets no ratio. */
  readonly maxP50Ratio?: number;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function run(bench: Bench, settings: Settings) {
  const { env, problems } = bench;
  const token = randomBytes(18).toString('hex');
  const startApi = async (images: number) => {
    const { api, readiness } = await bench.startApi({
      token,
      role: 'read',
      // Scenario 1 alone sends more queries than the default budget (1,200 a minute), so scenario 2
      // got only 429s; the targets were set, and first measured, before the limiter existed.
      env: { RATE_LIMIT_QUERIES: '0', RATE_LIMIT_MUTATIONS: '0' },
      readyTimeoutSeconds: settings.readyTimeoutSeconds,
      note: `${images} images on the daemon`,
    });
    const sample: StartSample = { readiness, memoryAfterReady: readMemory(api.pid) };
    return { api, sample };
  };
  /** `settings.starts` starts in a row; the last api keeps running (unless it failed). */
  const measureStartup = async (images: number) => {
    const samples: StartSample[] = [];
    let last: ApiProcess | undefined;
    for (let round = 0; round < settings.starts; round += 1) {
      if (last) await last.stop();
      const started = await startApi(images);
      last = started.api;
      samples.push(started.sample);
      if (started.sample.readiness.failure) break;
    }
    const failure = samples.find((sample) => sample.readiness.failure)?.readiness;
    if (failure) {
      const answer = failure.lastAnswer ? ` (last answer: ${failure.lastAnswer})` : '';
      problems.push(`api start with ${images} images: ${failure.failure}${answer}`);
    }
    const startup: StartupResult = {
      images,
      samples,
      listeningMs: median(samples.map((sample) => sample.readiness.listeningMs)),
      readyMs: median(samples.map((sample) => sample.readiness.readyMs)),
      failure: failure?.failure,
      hasCatalogueCheck: samples.some((sample) => hasCheck(sample.readiness.readyBody, 'catalogue')),
      memoryAfterReady: samples.at(-1)?.memoryAfterReady,
    };
    return { api: last!, startup };
  };

  let emptyStartup: StartupResult | undefined;
  if (settings.emptyStart) {
    const empty = await measureStartup(0);
    emptyStartup = empty.startup;
    await empty.api.stop();
  }

  bench.notInterrupted();
  const images = await createBenchImages(env, settings, log);

  const { api: running, startup } = await measureStartup(images.distinctImageIds);
  if (!startup.failure && !startup.hasCatalogueCheck) {
    problems.push(
      '/health/ready has no `catalogue` check: the ready time does not cover the catalogue build',
    );
  }
  const scenarios = scenariosFor(env, running, token, settings, images.distinctImageIds);
  const results: ScenarioResult[] = [];
  if (startup.samples.at(-1)?.readiness.listeningMs !== undefined && running.exitStatus() === undefined) {
    for (const scenario of scenarios) {
      bench.notInterrupted();
      results.push(await runScenario(scenario, settings.load, problems));
    }
  } else {
    problems.push('the api never answered HTTP: nothing measured under load');
  }
  const memoryAfterLoad = running.exitStatus() === undefined ? readMemory(running.pid) : undefined;
  if (running.exitStatus() !== undefined) {
    problems.push(`the api ${running.exitStatus()} during the run`);
    log(`api output:\n${running.outputTail()}`);
  }

  return {
    report: ({ totalSeconds }: { totalSeconds: number }): CatalogueReport => ({
      generatedAt: new Date().toISOString(),
      machine: bench.machine,
      settings,
      images: {
        distinct: images.images.length,
        tags: images.images.length * settings.tagsPerImage,
        imageListRows: images.imageListRows,
        distinctLayers: images.distinctLayers,
        archiveBytes: images.archiveBytes,
        loadSeconds: round(images.loadMs / 1000, 1),
      },
      emptyStartup,
      startup,
      memoryAfterLoad,
      maxRssBytes: MAX_RSS_BYTES,
      scenarios: results,
      problems,
      totalSeconds,
    }),
    markdown,
  };
}

function scenariosFor(
  env: StartedTestEnvironment,
  api: ApiProcess,
  token: string,
  settings: Settings,
  expected: number,
): Scenario[] {
  const socketPath = env.docker.socketPath;
  if (!socketPath) throw new Error('the baseline needs the daemon on a unix socket');
  const diskUsage = diskUsageQuery(settings.images);
  const { connections } = settings.load;
  return [
    {
      key: 'images-first-100',
      title: '1. images(first: 100)',
      connections,
      baseline: {
        label: 'GET /images/json (daemon socket)',
        request: { url: 'http://docker/images/json', socketPath, verifyBody: (body) => body.startsWith('[') },
      },
      target: {
        label: 'POST /graphql images(first: 100) with the catalogue fields',
        query: IMAGES_QUERY,
        request: graphqlRequest(api, token, IMAGES_QUERY),
        check: (data) => {
          const connection = data.images as { totalCount?: number; nodes?: unknown[] } | undefined;
          const found: string[] = [];
          if (connection?.totalCount !== expected) {
            found.push(`images.totalCount ${connection?.totalCount}, the daemon has ${expected}`);
          }
          if (connection?.nodes?.length !== Math.min(100, expected))
            found.push(`${connection?.nodes?.length} nodes`);
          return found;
        },
      },
      maxP50Ratio: 0.5,
    },
    {
      key: 'disk-usage',
      title: `2. diskUsage + images(first: ${settings.images})`,
      connections: settings.dfConnections,
      extraTargetConnections: settings.dfConnections !== connections ? connections : undefined,
      note:
        settings.dfConnections === 1
          ? 'compared with 1 connection: dockerd 20.10 runs one /system/df at a time and answers 500 ' +
            '"a disk usage operation is already running" to the others (BENCH_DF_CONNECTIONS changes it)'
          : undefined,
      baseline: {
        label: 'GET /system/df (daemon socket)',
        request: { url: 'http://docker/system/df', socketPath, verifyBody: (body) => body.startsWith('{') },
      },
      target: {
        label: `POST /graphql diskUsage + images(first: ${settings.images}) { id sharedSize uniqueSize }`,
        query: diskUsage,
        request: graphqlRequest(api, token, diskUsage),
        check: (data) => {
          const usage = data.diskUsage as { imagesCount?: number } | undefined;
          const nodes = (data.images as { nodes?: unknown[] } | undefined)?.nodes;
          const found: string[] = [];
          if (usage?.imagesCount !== expected) {
            found.push(`diskUsage.imagesCount ${usage?.imagesCount}, the daemon has ${expected}`);
          }
          if (nodes?.length !== Math.min(settings.images, expected))
            found.push(`${nodes?.length} image nodes`);
          return found;
        },
      },
    },
  ];
}

function graphqlRequest(api: ApiProcess, token: string, query: string): LoadTarget {
  return {
    url: `${api.baseUrl}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    verifyBody: graphqlAnswered,
  };
}

async function runScenario(
  scenario: Scenario,
  load: LoadSettings,
  problems: string[],
): Promise<ScenarioResult> {
  const settings = { ...load, connections: scenario.connections };
  log(`${scenario.title}: probing`);
  const baselineProbe = await probe(scenario.baseline.request);
  const targetProbe = await probe(scenario.target.request, scenario.target.check);
  log(`  first call: baseline ${ms(baselineProbe.ms)}, target ${ms(targetProbe.ms)}`);

  let baselineLoad: Measurement | undefined;
  if (baselineProbe.ok) {
    log(`  baseline, ${settings.connections} connections: ${scenario.baseline.label}`);
    baselineLoad = await measureLoad(scenario.baseline.label, scenario.baseline.request, settings);
    log(`    ${oneLine(baselineLoad)}`);
  } else {
    problems.push(`${scenario.title}: the baseline fails: ${baselineProbe.errors?.join('; ')}`);
  }

  let unavailable: string | undefined;
  let targetLoad: Measurement | undefined;
  let extraTarget: ScenarioResult['extraTarget'];
  if (!targetProbe.ok) {
    unavailable = `the GraphQL query fails (HTTP ${targetProbe.status ?? '-'}): ${targetProbe.errors?.join('; ')}`;
    problems.push(`${scenario.title}: TARGET NOT MEASURED: ${unavailable}`);
    log(`  TARGET NOT MEASURED: ${unavailable}`);
  } else {
    if (targetProbe.dataProblems?.length) {
      problems.push(
        `${scenario.title}: the answer disagrees with the daemon: ${targetProbe.dataProblems.join('; ')}`,
      );
    }
    log(`  target, ${settings.connections} connections: ${scenario.target.label}`);
    targetLoad = await measureLoad(scenario.target.label, scenario.target.request, settings);
    log(`    ${oneLine(targetLoad)}`);
    if (scenario.extraTargetConnections !== undefined) {
      const connections = scenario.extraTargetConnections;
      log(`  target alone, ${connections} connections`);
      const extra = await measureLoad(scenario.target.label, scenario.target.request, {
        ...load,
        connections,
      });
      log(`    ${oneLine(extra)}`);
      extraTarget = { connections, load: extra };
    }
  }
  for (const [side, measured] of [
    ['baseline', baselineLoad],
    ['target', targetLoad],
    ['target alone', extraTarget?.load],
  ] as const) {
    if (measured && !isClean(measured.measured)) {
      problems.push(`${scenario.title}: the ${side} run had failed requests: ${failures(measured)}`);
    }
  }

  const base = baselineLoad?.measured;
  const target = targetLoad?.measured;
  const ratios =
    base && target
      ? {
          p50: round(target.latencyMs.p50 / base.latencyMs.p50, 3),
          p95: round(target.latencyMs.p95 / base.latencyMs.p95, 3),
          p99: round(target.latencyMs.p99 / base.latencyMs.p99, 3),
          requestsPerSecond: round(target.requestsPerSecond / base.requestsPerSecond, 3),
        }
      : undefined;
  return {
    key: scenario.key,
    title: scenario.title,
    connections: scenario.connections,
    note: scenario.note,
    baseline: { label: scenario.baseline.label, probe: baselineProbe, load: baselineLoad },
    target: {
      label: scenario.target.label,
      query: scenario.target.query,
      probe: targetProbe,
      load: targetLoad,
      unavailable,
    },
    extraTarget,
    ratios,
    maxP50Ratio: scenario.maxP50Ratio,
    met: ratios && scenario.maxP50Ratio !== undefined ? ratios.p50 <= scenario.maxP50Ratio : undefined,
  };
}

/** One request outside autocannon: does the endpoint work at all (and how fast, cold)? */
async function probe(target: LoadTarget, check?: DataCheck): Promise<Probe> {
  const startedAt = performance.now();
  try {
    const { status, body } = await requestOnce(target);
    const elapsed = performance.now() - startedAt;
    const bytes = Buffer.byteLength(body);
    if (status < 200 || status >= 300) {
      return {
        ok: false,
        status,
        ms: elapsed,
        bytes,
        errors: [graphqlErrors(body).join('; ') || body.slice(0, 300)],
      };
    }
    if (!check) return { ok: true, status, ms: elapsed, bytes };
    const errors = graphqlErrors(body);
    if (errors.length > 0) return { ok: false, status, ms: elapsed, bytes, errors };
    const data = (JSON.parse(body) as { data?: Record<string, unknown> }).data ?? {};
    return { ok: true, status, ms: elapsed, bytes, dataProblems: check(data) };
  } catch (error) {
    return { ok: false, ms: performance.now() - startedAt, errors: [(error as Error).message] };
  }
}

function graphqlErrors(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    return (parsed.errors ?? []).map((error) =>
      error.extensions?.code ? `${error.message} [${error.extensions.code}]` : String(error.message),
    );
  } catch {
    return [];
  }
}

/** Terminus lists every check under `info` (up) or `error` (down), and all under `details`. */
function hasCheck(readyBody: unknown, name: string): boolean {
  if (typeof readyBody !== 'object' || readyBody === null) return false;
  const details = (readyBody as { details?: Record<string, unknown> }).details;
  return details?.[name] !== undefined;
}

await runBench({
  name: 'catalogue',
  logTag: 'bench',
  npmScript: 'npm run bench',
  settings: readSettings,
  run,
});
