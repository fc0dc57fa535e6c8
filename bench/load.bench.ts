/**
 * The load benchmark (issue 6). One isolated dockerd with a thousand images, the api as a built
 * process with rate limits off, and 200 concurrent clients:
 *
 *   - target: POST /graphql `images(first: 50) { id size created tags }` with a read token, for
 *     a 30 s window: throughput, p50/p99, failed requests (must be 0);
 *   - the api's RSS (VmRSS) as the window opens and as it closes, both under the load: growth
 *     must be ≤ 10 %; also once a second in between, and after an idle pause and a full GC
 *     (forced through the V8 inspector, with the heap in use) compared with the same when
 *     ready, to tell a leak from V8 and malloc keeping pages;
 *   - baselines, the same load in the same run: GET /health/live (the HTTP stack doing no work)
 *     and GET /api/v1/images?first=50 (the same page of the catalogue through the REST mirror).
 *     Ratios target / baseline are reported, never asserted.
 *
 * Each window opens once the api has accepted all 200 connections, and 5 s later: see
 * support/sustained-load.ts for why autocannon's own start does not do here.
 *
 * Exit status 1 only when something could not be measured or a request failed (the issue wants
 * 0 failures); whether the RSS target is met is reported.
 *
 *   npm run bench:load    # builds the api and this folder, then runs it (~4 min on 2 cores)
 *
 * Settings (environment): BENCH_IMAGES (1000), BENCH_LAYER_GROUPS (50), BENCH_OWN_LAYERS (100),
 * BENCH_CONNECTIONS (200), BENCH_DURATION (30 s per endpoint), BENCH_WARMUP (5 s of load once every
 * connection is accepted, before each window),
 * BENCH_TIMEOUT (120 s per request; see support/sustained-load.ts for why not 30),
 * BENCH_IDLE (10 s after the target run, before the GC), BENCH_INSPECT (1: the api runs with
 * --inspect on a loopback port for the GC and heap numbers; 0 for RSS only),
 * BENCH_HEAP_SNAPSHOTS (0; 1 writes .heapsnapshot files before and after into bench/results/),
 * BENCH_READY_TIMEOUT (300 s).
 *
 * Needs root (it starts its own dockerd, see test/environment/README.md); DOCKER_HOST and
 * REDIS_URL are ignored on purpose. Writes bench/results/load.json and prints a Markdown summary
 * on stdout; progress goes to stderr.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { findFreePort } from '../test/environment/free-port.js';
import { type ApiProcess, readMemory } from './support/api-process.js';
import { attachInspector, type Inspector } from './support/inspector.js';
import {
  describeTarget,
  graphqlAnswered,
  isClean,
  type LoadSettings,
  type LoadTarget,
  probeTarget,
} from './support/load.js';
import {
  type LoadRatio,
  type LoadReport,
  type LoadRun,
  loadMarkdown,
  type MemoryPoint,
} from './support/load-report.js';
import { createBenchImages, DEFAULT_LAYER_GROUPS, DEFAULT_OWN_LAYERS } from './support/many-images.js';
import { failures, oneLine } from './support/report.js';
import { type Bench, integerSetting as integer, round, runBench } from './support/runner.js';
import {
  type SustainedLoadOptions,
  type SustainedLoadResult,
  sustainedLoad,
} from './support/sustained-load.js';

const log = (line: string) => process.stderr.write(`[bench:load] ${line}\n`);

/** Issue 6: the api's RSS may grow by at most this share over the run. */
const MAX_RSS_GROWTH = 0.1;
const PAGE_SIZE = 50;

const IMAGES_QUERY =
  `{ images(first: ${PAGE_SIZE}) { totalCount nodes { id size created tags { reference familiar } } ` +
  'pageInfo { endCursor hasNextPage } } }';

interface Settings {
  readonly images: number;
  readonly layerGroups: number;
  readonly ownLayers: number;
  readonly load: LoadSettings;
  readonly idleSeconds: number;
  readonly timeoutSeconds: number;
  readonly inspect: boolean;
  readonly heapSnapshots: boolean;
  readonly readyTimeoutSeconds: number;
}

function readSettings(): Settings {
  return {
    images: integer('BENCH_IMAGES', 1000, 1),
    layerGroups: integer('BENCH_LAYER_GROUPS', DEFAULT_LAYER_GROUPS, 1),
    ownLayers: integer('BENCH_OWN_LAYERS', DEFAULT_OWN_LAYERS, 0),
    load: {
      connections: integer('BENCH_CONNECTIONS', 200, 1),
      durationSeconds: integer('BENCH_DURATION', 30, 1),
      warmupSeconds: integer('BENCH_WARMUP', 5, 0),
    },
    idleSeconds: integer('BENCH_IDLE', 10, 0),
    timeoutSeconds: integer('BENCH_TIMEOUT', 120, 1),
    inspect: integer('BENCH_INSPECT', 1, 0) > 0,
    heapSnapshots: integer('BENCH_HEAP_SNAPSHOTS', 0, 0) > 0,
    readyTimeoutSeconds: integer('BENCH_READY_TIMEOUT', 300, 1),
  };
}

/** One endpoint and what a good answer to it looks like. */
interface Endpoint {
  readonly key: string;
  readonly label: string;
  readonly target: LoadTarget;
  /** Checked once on a parsed first answer, beyond `target.verifyBody`. */
  readonly check: (body: unknown) => string[];
}

function endpoints(api: ApiProcess, token: string, expectedImages: number): Record<string, Endpoint> {
  const auth = { authorization: `Bearer ${token}` };
  const page = Math.min(PAGE_SIZE, expectedImages);
  const pageCheck = (connection: { totalCount?: number; nodes?: unknown[] } | undefined) => {
    const found: string[] = [];
    if (connection?.totalCount !== expectedImages)
      found.push(`totalCount ${connection?.totalCount}, the daemon has ${expectedImages}`);
    if (connection?.nodes?.length !== page) found.push(`${connection?.nodes?.length} nodes, not ${page}`);
    return found;
  };
  return {
    graphql: {
      key: 'graphql-images',
      label: `POST /graphql \`images(first: ${PAGE_SIZE})\` { id size created tags }`,
      target: {
        url: `${api.baseUrl}/graphql`,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ query: IMAGES_QUERY }),
        verifyBody: graphqlAnswered,
      },
      check: (body) => {
        const parsed = body as { data?: { images?: { totalCount?: number; nodes?: unknown[] } } };
        return pageCheck(parsed.data?.images);
      },
    },
    rest: {
      key: 'rest-images',
      label: `baseline: GET /api/v1/images?first=${PAGE_SIZE} (REST mirror, full image objects)`,
      target: {
        url: `${api.baseUrl}/api/v1/images?first=${PAGE_SIZE}`,
        headers: auth,
        verifyBody: (body) => body.startsWith('{') && body.includes('"nodes":['),
      },
      check: (body) => pageCheck(body as { totalCount?: number; nodes?: unknown[] }),
    },
    live: {
      key: 'health-live',
      label: 'baseline: GET /health/live (HTTP stack, no work)',
      target: {
        url: `${api.baseUrl}/health/live`,
        verifyBody: (body) => body.includes('"status":"ok"'),
      },
      check: () => [],
    },
  };
}

async function run(bench: Bench, settings: Settings) {
  const { env, problems } = bench;
  const resultsDir = join(bench.repoRoot, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  let inspector: Inspector | undefined;
  bench.onStop(async () => inspector?.close());
  bench.notInterrupted();
  const images = await createBenchImages(env, settings, log);

  const inspectPort = settings.inspect ? await findFreePort() : undefined;
  const {
    api: running,
    port,
    token,
    readiness,
  } = await bench.startApi({
    role: 'read',
    env: {
      // The load is about throughput and memory, not the limiter.
      RATE_LIMIT_QUERIES: '0',
      RATE_LIMIT_MUTATIONS: '0',
      ...(inspectPort ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` } : {}),
    },
    readyTimeoutSeconds: settings.readyTimeoutSeconds,
    required: true,
    note: inspectPort ? `inspector on ${inspectPort}` : undefined,
  });
  if (inspectPort) inspector = await attachInspector(inspectPort);

  const memory: MemoryPoint[] = [];
  const sampleMemory = async (label: string): Promise<MemoryPoint> => {
    const point: MemoryPoint = {
      label,
      atSeconds: (performance.now() - running.spawnedAt) / 1000,
      memory: readMemory(running.pid),
      heap: await inspector?.memoryUsage().catch(() => undefined),
    };
    memory.push(point);
    log(
      `memory, ${label}: RSS ${megabytes(point.memory?.rssBytes)}, heap used ${megabytes(point.heap?.heapUsed)}`,
    );
    return point;
  };
  const fullGc = async () => {
    await inspector?.collectGarbage();
    // A second pass collects what the first one's finalizers released.
    await inspector?.collectGarbage();
  };
  const heapSnapshots: string[] = [];
  const snapshot = async (name: string) => {
    if (!inspector || !settings.heapSnapshots) return;
    const file = join(resultsDir, `load-${name}.heapsnapshot`);
    const bytes = await inspector.writeHeapSnapshot(file);
    heapSnapshots.push(`bench/results/load-${name}.heapsnapshot (${megabytes(bytes)})`);
  };

  const points = endpoints(running, token, images.distinctImageIds);
  await sampleMemory('ready');
  for (const endpoint of Object.values(points)) {
    const found = await probeTarget(endpoint.target, endpoint.check);
    if (found.length > 0) problems.push(`${endpoint.key}: first request: ${found.join('; ')}`);
  }
  if (problems.length > 0) throw new Error(`an endpoint does not work: ${problems.join(' | ')}`);

  // GC'd once here and once at the end: what the heap holds, for the leak question.
  let retainedBefore: MemoryPoint | undefined;
  if (inspector) {
    await fullGc();
    retainedBefore = await sampleMemory('ready, after a full GC');
  }
  await snapshot('before');

  const { connections, durationSeconds, warmupSeconds } = settings.load;
  const run = (endpoint: Endpoint, hooks: Partial<SustainedLoadOptions> = {}) =>
    sustainedLoad(endpoint.label, endpoint.target, {
      connections,
      warmupSeconds,
      durationSeconds,
      timeoutSeconds: settings.timeoutSeconds,
      listenPort: port,
      ...hooks,
    });

  // Target: the window opens once every connection is served; RSS at its start and its end,
  // both under the same load, and once a second in between.
  bench.notInterrupted();
  log(`target: ${points.graphql.label}, ${connections} connections, ${durationSeconds} s`);
  const rssDuringRun: { atSeconds: number; rssBytes: number }[] = [];
  let before: MemoryPoint | undefined;
  let after: MemoryPoint | undefined;
  const targetLoad = await run(points.graphql, {
    onWindowStart: async () => {
      before = await sampleMemory('under load, after start and warm-up: the run begins');
    },
    onWindowEnd: async () => {
      after = await sampleMemory(`under load, the ${durationSeconds} s run ends`);
    },
    everySecond: (atSeconds) => {
      const sample = readMemory(running.pid);
      if (sample) rssDuringRun.push({ atSeconds, rssBytes: sample.rssBytes });
    },
  });
  log(`  ${runLine(targetLoad)}`);
  await sampleMemory('load stopped');
  await sleep(settings.idleSeconds * 1000);
  await sampleMemory(`after ${settings.idleSeconds} s idle`);
  let retainedHeapGrowth: number | undefined;
  let rssAfterGcGrowth: number | undefined;
  if (inspector) {
    await fullGc();
    const retainedAfter = await sampleMemory(`after ${settings.idleSeconds} s idle + full GC`);
    retainedHeapGrowth = ratioMinusOne(retainedAfter.heap?.heapUsed, retainedBefore?.heap?.heapUsed);
    rssAfterGcGrowth = ratioMinusOne(retainedAfter.memory?.rssBytes, retainedBefore?.memory?.rssBytes);
  }
  await snapshot('after');

  // Baselines: the same connections, warm-up rule and window.
  const baselineRuns: LoadRun[] = [];
  for (const endpoint of [points.rest, points.live]) {
    bench.notInterrupted();
    log(`baseline: ${endpoint.label}, ${connections} connections, ${durationSeconds} s`);
    const load = await run(endpoint);
    log(`  ${runLine(load)}`);
    baselineRuns.push({
      key: endpoint.key,
      label: endpoint.label,
      request: describeTarget(endpoint.target),
      load,
    });
  }
  await sampleMemory('after the baselines');
  if (inspector) {
    await fullGc();
    await sampleMemory('after the baselines + full GC');
  }

  const targetRun: LoadRun = {
    key: points.graphql.key,
    label: `target: ${points.graphql.label}`,
    request: describeTarget(points.graphql.target),
    load: targetLoad,
  };
  for (const run of [targetRun, ...baselineRuns]) {
    if (run.load && !isClean(run.load.measured)) {
      problems.push(`${run.key}: failed requests: ${failures(run.load)}`);
    }
  }
  if (running.exitStatus() !== undefined) {
    problems.push(`the api ${running.exitStatus()} during the run`);
    log(`api output:\n${running.outputTail()}`);
  }
  const ratios: LoadRatio[] = baselineRuns.flatMap((run) => {
    const base = run.load?.measured;
    const target = targetLoad.measured;
    if (!base) return [];
    return [
      {
        baseline: run.key,
        p50: round(target.latencyMs.p50 / base.latencyMs.p50, 3),
        p99: round(target.latencyMs.p99 / base.latencyMs.p99, 3),
        requestsPerSecond: round(target.requestsPerSecond / base.requestsPerSecond, 4),
      },
    ];
  });

  return {
    report: ({ totalSeconds }: { totalSeconds: number }): LoadReport => ({
      generatedAt: new Date().toISOString(),
      machine: bench.machine,
      settings: {
        load: settings.load,
        idleSeconds: settings.idleSeconds,
        timeoutSeconds: settings.timeoutSeconds,
        maxRssGrowth: MAX_RSS_GROWTH,
        inspector: settings.inspect,
      },
      images: {
        distinct: images.distinctImageIds,
        imageListRows: images.imageListRows,
        distinctLayers: images.distinctLayers,
        loadSeconds: round(images.loadMs / 1000, 1),
      },
      readiness: { ...readiness, readyBody: undefined },
      target: targetRun,
      baselines: baselineRuns,
      ratios,
      memory,
      rssDuringRun: rssDuringRun.map((sample) => ({ ...sample, atSeconds: round(sample.atSeconds, 1) })),
      rssGrowth: ratioMinusOne(after?.memory?.rssBytes, before?.memory?.rssBytes),
      retainedHeapGrowth,
      rssAfterGcGrowth,
      heapSnapshots,
      problems,
      totalSeconds,
    }),
    markdown: loadMarkdown,
  };
}

function runLine(result: SustainedLoadResult): string {
  const accepted =
    result.allAcceptedAfterSeconds === undefined
      ? 'NOT every connection accepted'
      : `every connection accepted after ${result.allAcceptedAfterSeconds} s`;
  return `${oneLine(result)} (warm-up ${result.warmupSeconds} s, ${accepted})`;
}

function ratioMinusOne(value: number | undefined, reference: number | undefined): number | undefined {
  return value === undefined || reference === undefined || reference <= 0
    ? undefined
    : round(value / reference - 1, 4);
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(1)} MB`;
}

await runBench({
  name: 'load',
  logTag: 'bench:load',
  npmScript: 'npm run bench:load',
  settings: readSettings,
  run,
});
