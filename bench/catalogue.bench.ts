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
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { format, resolveConfig } from 'prettier';

import { findFreePort } from '../test/environment/free-port.js';
import { startTestEnvironment, type StartedTestEnvironment } from '../test/environment/index.js';
import { type ApiProcess, readMemory, spawnApi, waitForReady } from './support/api-process.js';
import {
  isClean,
  type LoadSettings,
  type LoadTarget,
  measureLoad,
  type Measurement,
} from './support/load.js';
import { describeMachine, otherTestDaemons } from './support/machine.js';
import { createManyImages, DEFAULT_LAYER_GROUPS, DEFAULT_OWN_LAYERS } from './support/many-images.js';
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

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

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

function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const integer = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${name} must be a whole number ≥ ${min}: ${raw}`);
    return value;
  };
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

async function main(): Promise<number> {
  const settings = readSettings();
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  if (!existsSync(join(repoRoot, 'dist/apps/api/src/main.js'))) {
    throw new Error(`no built api in ${repoRoot}dist: run \`npm run build\` first (npm run bench does)`);
  }
  const started = performance.now();
  const problems: string[] = [];
  let env: StartedTestEnvironment | undefined;
  let api: ApiProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      await api?.stop().catch((error: Error) => log(`stopping the api: ${error.message}`));
      if (env) {
        log('stopping the test environment');
        await env.stop();
      }
    })());
  let interrupted = false;
  /** Called before each step, so that nothing new starts once a signal has stopped everything. */
  const notInterrupted = () => {
    if (interrupted) throw new Error('interrupted');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    log(`${signal}: stopping everything`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // `env: {}`: always our own daemon and Redis, never what DOCKER_HOST / REDIS_URL name, which
    // could be a real host that must not receive a thousand images.
    env = await startTestEnvironment({ env: {}, log: (line) => log(`env: ${line}`) });
    const environment = env;
    const machine = await describeMachine(env);
    const token = randomBytes(18).toString('hex');
    const startApi = async (images: number) => {
      notInterrupted();
      const port = await findFreePort();
      log(`starting the api on 127.0.0.1:${port} (${images} images on the daemon)`);
      api = spawnApi({
        repoRoot,
        host: '127.0.0.1',
        port,
        env: {
          DOCKER_HOST: environment.docker.host,
          REDIS_URL: environment.redis.url,
          HOST: '127.0.0.1',
          PORT: String(port),
          STEVEDORE_API_TOKENS: `read:${token}`,
          LOG_LEVEL: 'warn',
        },
      });
      const readiness = await waitForReady(api, { timeoutMs: settings.readyTimeoutSeconds * 1000, token });
      const sample: StartSample = { readiness, memoryAfterReady: readMemory(api.pid) };
      if (readiness.failure) {
        log(`api output:\n${api.outputTail()}`);
      } else {
        log(`api ready after ${ms(readiness.readyMs)} (listening after ${ms(readiness.listeningMs)})`);
      }
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

    notInterrupted();
    const images = await createManyImages(env, {
      images: settings.images,
      tagsPerImage: settings.tagsPerImage,
      layerGroups: settings.layerGroups,
      ownLayers: settings.ownLayers,
      log: (line) => log(`images: ${line}`),
    });
    log(`docker image ls: ${images.imageListRows} rows, ${images.distinctImageIds} distinct ids`);

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
        notInterrupted();
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
    machine.otherTestEnvironments = Math.max(machine.otherTestEnvironments, otherTestDaemons(env.tmpDir));
    await stopAll();

    const report: CatalogueReport = {
      generatedAt: new Date().toISOString(),
      machine,
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
      totalSeconds: round((performance.now() - started) / 1000, 1),
    };
    const resultsDir = join(repoRoot, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    // Formatted as `prettier --check` wants it, so a fresh result never fails the lint.
    const resultsFile = join(resultsDir, 'catalogue.json');
    const prettierOptions = { ...(await resolveConfig(resultsFile)), filepath: resultsFile };
    writeFileSync(resultsFile, await format(JSON.stringify(report, null, 2), prettierOptions));
    process.stdout.write(markdown(report));
    log(`wrote bench/results/catalogue.json (whole run ${report.totalSeconds} s)`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    await stopAll();
  }
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
    // Apollo writes `errors` first when there are any; a field error still answers 200.
    verifyBody: (body) => body.startsWith('{"data":') && !body.includes('"errors":['),
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
    const { status, body } = await request(target);
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

/** fetch() cannot reach a unix socket; node:http can, so both kinds of target go through it. */
function request(target: LoadTarget): Promise<{ status: number; body: string }> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath: target.socketPath,
        host: target.socketPath ? undefined : url.hostname,
        port: target.socketPath ? undefined : url.port,
        path: `${url.pathname}${url.search}`,
        method: target.method ?? 'GET',
        headers: target.headers,
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${target.url} timed out`)));
    req.on('error', reject);
    req.end(target.body);
  });
}

/** Terminus lists every check under `info` (up) or `error` (down), and all under `details`. */
function hasCheck(readyBody: unknown, name: string): boolean {
  if (typeof readyBody !== 'object' || readyBody === null) return false;
  const details = (readyBody as { details?: Record<string, unknown> }).details;
  return details?.[name] !== undefined;
}

function median(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const middle = Math.floor(known.length / 2);
  return known.length % 2 === 1 ? known[middle] : (known[middle - 1]! + known[middle]!) / 2;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`[bench] FAILED: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
