/**
 * The request path benchmark (issue 12): what one request costs the api in CPU, against a bare
 * Node `http` server measured in the same run, with rate limits off and ~25 images on an isolated
 * dockerd:
 *
 *   - CPU per request of: the bare server (`support/bare-server.ts`, same Node), GET /health/live,
 *     GET /api/v1/images?first=50, GraphQL `images(first: 50) { nodes { id repoTags size created } }`
 *     (a query with variables), GraphQL `{ __typename }`; 20 connections each, from wrk (C: its
 *     own CPU stays small beside the api's on a two-core machine). CPU per request is
 *     the server process tree's utime + stime (/proc/<pid>/stat) over the measured window ÷ the
 *     answers that arrived in it; also req/s and p50.
 *   - single client: p50 of GraphQL `images(first: 100)` with 1 connection vs a direct
 *     `GET /images/json` to the daemon's socket with 1 connection.
 *   - the images query's throughput with API_PROCESSES=1 vs API_PROCESSES=2 (and CPU per request
 *     of both, summed over the process tree), both apis up, in alternating rounds.
 *
 * Numbers are reported, never asserted: the exit status is 1 only when something could not be
 * measured (an endpoint failing, failed requests, the api never ready).
 *
 *   npm run bench:path                      # builds the api and bench/, then runs this (~3 min)
 *   BENCH_LABEL=before npm run bench:path   # also keeps bench/results/path-before.json
 *
 * Settings (environment): BENCH_LABEL (none), BENCH_IMAGES (25), BENCH_LAYER_GROUPS (5),
 * BENCH_OWN_LAYERS (5), BENCH_CONNECTIONS (20), BENCH_WARMUP (3 s), BENCH_DURATION (10 s),
 * BENCH_IDLE (2 s of idle CPU per server before its runs; 0: none), BENCH_PROCESSES (2: the
 * API_PROCESSES of the multi-process run; 0 skips it), BENCH_PROCESS_ROUNDS (3 rounds of 1 process vs
 * n, alternating which goes first), BENCH_READY_TIMEOUT (120 s), BENCH_NODE_ENV (production),
 * BENCH_LOG_LEVEL (log, the default), BENCH_API_ROOT (another checkout whose built api to measure,
 * e.g. a `git worktree` of the commit before a change, for before/after in the same conditions). The api
 * inherits the rest of the environment (NODE_OPTIONS, ...).
 *
 * Needs root (it starts its own dockerd, see test/environment/README.md). Writes
 * bench/results/path.json (and path-<label>.json) and prints a Markdown summary on stdout; progress
 * goes to stderr.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import { findFreePort } from '../test/environment/free-port.js';
import { dockerDaemonPid } from '../test/environment/index.js';
import { type ApiProcess, spawnApi, waitForReady } from './support/api-process.js';
import { describeTarget, graphqlAnswered, isClean, type LoadTarget, probeTarget } from './support/load.js';
import { createBenchImages } from './support/many-images.js';
import type { GoalResult, PathReport, PathRun, PathRunSettings, ServerInfo } from './support/path-report.js';
import { pathMarkdown } from './support/path-report.js';
import {
  clockTicksPerSecond,
  commandOf,
  cpuSecondsBetween,
  type CpuReading,
  listeningSockets,
  machineBusyTicks,
  processTree,
  readCpu,
  treeCommands,
} from './support/process-cpu.js';
import { failures, fixed, oneLine } from './support/report.js';
import { type Bench, integerSetting as integer, round, runBench } from './support/runner.js';
import { type WindowLoadResult, windowLoad } from './support/window-load.js';
import { wrkAvailable, wrkWindowLoad } from './support/wrk-load.js';

const log = (line: string) => process.stderr.write(`[bench:path] ${line}\n`);

/** Issue 12 goals. */
const GOALS = {
  liveTimesBare: 3,
  graphqlImagesUs: 400,
  restImagesUs: 300,
  singleClientP50Ratio: 0.5,
  processesThroughput: 1.6,
};

const IMAGES_QUERY =
  'query Images($first: Int!) { images(first: $first) { nodes { id repoTags size created } } }';

interface Settings extends PathRunSettings {
  readonly label?: string;
  readonly images: number;
  readonly layerGroups: number;
  readonly ownLayers: number;
  readonly readyTimeoutSeconds: number;
}

function readSettings(): Settings {
  return {
    label: process.env.BENCH_LABEL || undefined,
    images: integer('BENCH_IMAGES', 25, 1),
    layerGroups: integer('BENCH_LAYER_GROUPS', 5, 1),
    ownLayers: integer('BENCH_OWN_LAYERS', 5, 0),
    connections: integer('BENCH_CONNECTIONS', 20, 1),
    warmupSeconds: integer('BENCH_WARMUP', 3, 0),
    durationSeconds: integer('BENCH_DURATION', 10, 1),
    idleSeconds: integer('BENCH_IDLE', 2, 0),
    processes: integer('BENCH_PROCESSES', 2, 0),
    processRounds: integer('BENCH_PROCESS_ROUNDS', 3, 1),
    readyTimeoutSeconds: integer('BENCH_READY_TIMEOUT', 120, 1),
  };
}

/** One endpoint to load, and whose CPU pays for it. */
interface RunSpec {
  readonly key: string;
  readonly label: string;
  readonly server: ServerInfo;
  readonly target: LoadTarget;
  readonly connections: number;
  /** Beyond `target.verifyBody`, on the parsed first answer. */
  readonly check?: (body: unknown) => string[];
}

async function run(bench: Bench, settings: Settings) {
  const { env, problems } = bench;
  const notes: string[] = [];
  const socketPath = env.docker.socketPath;
  if (!socketPath) throw new Error('the daemon baseline needs the daemon on a unix socket');

  if (!wrkAvailable()) throw new Error('the load generator wrk is missing: apt-get install -y wrk');
  bench.notInterrupted();
  const images = await createBenchImages(env, settings, log);
  const expected = images.distinctImageIds;

  const servers: ServerInfo[] = [];
  const runs: PathRun[] = [];
  const measure = async (spec: RunSpec): Promise<PathRun | undefined> => {
    bench.notInterrupted();
    const found = await probeTarget(spec.target, spec.check);
    if (found.length > 0) {
      problems.push(`${spec.label} (${spec.server.label}): NOT MEASURED: ${found.join('; ')}`);
      log(`${spec.label}: NOT MEASURED: ${found.join('; ')}`);
      return undefined;
    }
    log(`${spec.label} on ${spec.server.label}, ${spec.connections} connection(s)`);
    const measured = await measureWindow(spec, settings);
    log(
      `  ${oneLine({ measured: measured.load })}, CPU ${fixed(measured.cpu.perRequestUs ?? NaN, 0)} µs/request ` +
        `(${fixed(measured.cpu.cores, 2)} cores), others ${fixed(measured.othersCores, 2)} cores`,
    );
    if (!isClean(measured.load)) {
      problems.push(
        `${spec.label} (${spec.server.label}): failed requests: ${failures({ measured: measured.load })}`,
      );
    }
    if (measured.cpu.exited > 0 || measured.cpu.treeChanged) {
      notes.push(
        `${spec.label} (${spec.server.label}): the process tree changed during the window ` +
          `(${measured.cpu.exited} exited): its CPU may be incomplete.`,
      );
    }
    runs.push(measured);
    return measured;
  };

  // The baseline: a bare Node server, in its own process like the api.
  const barePort = await findFreePort();
  log(`starting the bare Node server on 127.0.0.1:${barePort}`);
  const bareProcess = spawnApi({
    repoRoot: bench.repoRoot,
    script: 'dist/bench/support/bare-server.js',
    host: '127.0.0.1',
    port: barePort,
    env: { PORT: String(barePort) },
  });
  bench.onStop(() => bareProcess.stop());
  // It answers every path, /health/ready included.
  const bareReady = await waitForReady(bareProcess, { timeoutMs: 30_000, token: 'none' });
  if (bareReady.failure)
    throw new Error(`the bare server: ${bareReady.failure}\n${bareProcess.outputTail()}`);
  const bare = await describeServer(bareProcess, 'bare', 'bare Node http', barePort, settings);
  servers.push(bare);

  const daemonPid = dockerDaemonPid(env);
  const daemon: ServerInfo | undefined = daemonPid
    ? {
        key: 'dockerd',
        label: 'dockerd (isolated)',
        pid: daemonPid,
        processes: processTree(daemonPid).length,
        commands: treeCommands(processTree(daemonPid)),
      }
    : undefined;
  if (daemon) servers.push(daemon);
  else problems.push('the isolated dockerd has no pid: its baseline is not measured');

  const startApi = async (processes: number, key: string, label: string) => {
    const started = await bench.startApi({
      role: 'read',
      // As it runs for real: production mode and the default log level (one access line a request).
      env: {
        NODE_ENV: apiNodeEnv(),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'log',
        RATE_LIMIT_QUERIES: '0',
        RATE_LIMIT_MUTATIONS: '0',
        API_PROCESSES: String(processes),
      },
      // BENCH_API_ROOT: measure another checkout's built api (the commit before a change, say).
      apiRoot: process.env.BENCH_API_ROOT,
      readyTimeoutSeconds: settings.readyTimeoutSeconds,
      required: true,
      note: `API_PROCESSES=${processes}, rate limits off, ${expected} images`,
    });
    const listeners = await waitForListeners(started.api, started.port, processes);
    const info = await describeServer(started.api, key, label, started.port, settings, {
      apiProcesses: processes,
      readyMs: started.readiness.readyMs,
      listeningSockets: listeners,
    });
    servers.push(info);
    log(
      `  ${label}: ${info.processes} process(es) ${JSON.stringify(info.commands)}, ${listeners} listening ` +
        `socket(s), idle ${fixed(info.idleCores ?? NaN, 3)} cores`,
    );
    return { ...started, info };
  };

  const first = await startApi(1, 'api', 'api');
  const targets = endpoints(first.api, first.token, expected);
  const { connections } = settings;

  const bareRun = await measure({
    key: 'bare',
    label: 'bare Node http `{"status":"ok"}`',
    server: bare,
    connections,
    target: {
      url: `http://127.0.0.1:${barePort}/`,
      verifyBody: (body) => body === '{"status":"ok"}',
    },
  });
  const live = await measure({ ...targets.live, server: first.info, connections });
  const rest = await measure({ ...targets.rest, server: first.info, connections });
  const graphql = await measure({ ...targets.graphql(50), server: first.info, connections });
  await measure({ ...targets.typename, server: first.info, connections });

  // Single client: the api's images(first: 100) vs the daemon's own list.
  const daemonRun = daemon
    ? await measure({
        key: 'daemon-images-json',
        label: '`GET /images/json` (daemon socket)',
        server: daemon,
        connections: 1,
        target: {
          url: 'http://docker/images/json',
          socketPath,
          verifyBody: (body) => body.startsWith('['),
        },
        check: (body) => (Array.isArray(body) && body.length >= expected ? [] : ['fewer images than loaded']),
      })
    : undefined;
  const single = await measure({ ...targets.graphql(100), server: first.info, connections: 1 });

  // The same images query with 1 api process and with API_PROCESSES=n, both apis up (the idle one
  // costs ~0.01 cores), in rounds of alternating order so that the machine's drift hits both sides.
  const oneRounds: PathRun[] = [];
  const manyRounds: PathRun[] = [];
  let multiServer: ServerInfo | undefined;
  if (settings.processes > 0) {
    const label = `api, API_PROCESSES=${settings.processes}`;
    const second = await startApi(settings.processes, 'api-multi', label);
    multiServer = second.info;
    const sides = [
      { server: first.info, spec: targets.graphql(50), runs: oneRounds, key: 'one' },
      {
        server: second.info,
        spec: endpoints(second.api, second.token, expected).graphql(50),
        runs: manyRounds,
        key: 'many',
      },
    ];
    for (let round = 1; round <= settings.processRounds; round += 1) {
      for (const side of round % 2 === 1 ? sides : [...sides].reverse()) {
        const measured = await measure({
          ...side.spec,
          key: `${side.spec.key}-processes-${side.key}-${round}`,
          label: `${side.spec.label}, processes round ${round}`,
          server: side.server,
          connections,
        });
        if (measured) side.runs.push(measured);
      }
    }
    await second.api.stop();
  }

  const bareUs = bareRun?.cpu.perRequestUs;
  const withRatios = runs.map((measured) => ({
    ...measured,
    ratioToBare:
      bareUs && measured.cpu.perRequestUs !== undefined && measured.server !== 'dockerd'
        ? round(measured.cpu.perRequestUs / bareUs, 3)
        : undefined,
  }));

  const goals = goalResults({
    bareRun,
    live,
    rest,
    graphql,
    daemonRun,
    single,
    oneRounds,
    manyRounds,
    multiServer,
    settings,
  });

  return {
    report: ({ totalSeconds }: { totalSeconds: number }): PathReport => ({
      generatedAt: new Date().toISOString(),
      label: settings.label,
      machine: bench.machine,
      settings: {
        connections: settings.connections,
        warmupSeconds: settings.warmupSeconds,
        durationSeconds: settings.durationSeconds,
        idleSeconds: settings.idleSeconds,
        processes: settings.processes,
        processRounds: settings.processRounds,
        clockTicksPerSecond: clockTicksPerSecond(),
        nodeEnv: apiNodeEnv(),
      },
      images: {
        distinct: expected,
        distinctLayers: images.distinctLayers,
        loadSeconds: round(images.loadMs / 1000, 1),
      },
      servers,
      runs: withRatios,
      goals,
      problems,
      notes,
      totalSeconds,
    }),
    markdown: pathMarkdown,
  };
}

type EndpointSpec = Omit<RunSpec, 'server' | 'connections'>;

function endpoints(api: ApiProcess, token: string, expected: number) {
  const auth = { authorization: `Bearer ${token}` };
  const nodesCheck = (count: number) => (nodes: unknown) =>
    Array.isArray(nodes) && nodes.length === Math.min(count, expected)
      ? []
      : [`${Array.isArray(nodes) ? nodes.length : 'no'} nodes, not ${Math.min(count, expected)}`];
  const graphqlTarget = (body: object): LoadTarget => ({
    url: `${api.baseUrl}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
    verifyBody: graphqlAnswered,
  });
  return {
    live: {
      key: 'health-live',
      label: '`GET /health/live`',
      target: { url: `${api.baseUrl}/health/live`, verifyBody: (body) => body.includes('"status":"ok"') },
    } satisfies EndpointSpec,
    rest: {
      key: 'rest-images-50',
      label: '`GET /api/v1/images?first=50`',
      target: {
        url: `${api.baseUrl}/api/v1/images?first=50`,
        headers: auth,
        verifyBody: (body) => body.startsWith('{') && body.includes('"nodes":['),
      },
      check: (body) => nodesCheck(50)((body as { nodes?: unknown }).nodes),
    } satisfies EndpointSpec,
    graphql: (first: number): EndpointSpec => ({
      key: `graphql-images-${first}`,
      label: `GraphQL \`images(first: ${first}) { nodes { id repoTags size created } }\``,
      target: graphqlTarget({ operationName: 'Images', query: IMAGES_QUERY, variables: { first } }),
      check: (body) =>
        nodesCheck(first)((body as { data?: { images?: { nodes?: unknown } } }).data?.images?.nodes),
    }),
    typename: {
      key: 'graphql-typename',
      label: 'GraphQL `{ __typename }`',
      target: graphqlTarget({ query: '{ __typename }' }),
      check: (body) =>
        (body as { data?: { __typename?: string } }).data?.__typename === 'Query' ? [] : ['no __typename'],
    } satisfies EndpointSpec,
  };
}

/** The load run, with the server tree's, the bench's and the machine's CPU read at the window's edges. */
async function measureWindow(spec: RunSpec, settings: Settings): Promise<PathRun> {
  const pids = processTree(spec.server.pid);
  const ticksPerSecond = clockTicksPerSecond();
  let before: CpuReading = new Map();
  let after: CpuReading = new Map();
  let loaderBefore = process.cpuUsage();
  let loaderAfter = loaderBefore;
  let busyBefore = 0;
  let busyAfter = 0;
  const loadWindow = {
    connections: spec.connections,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    onWindowStart: () => {
      before = readCpu(pids);
      loaderBefore = process.cpuUsage();
      busyBefore = machineBusyTicks();
    },
    onWindowEnd: () => {
      after = readCpu(pids);
      loaderAfter = process.cpuUsage(loaderBefore);
      busyAfter = machineBusyTicks();
    },
  };
  // Many connections: wrk, whose own CPU leaves the api the machine's cores. One connection (the
  // latency comparison with the daemon's unix socket, which wrk cannot reach): autocannon, in
  // this process, on both sides.
  const result: WindowLoadResult & { loaderSeconds?: number } =
    spec.connections > 1
      ? await wrkWindowLoad(spec.target, loadWindow)
      : await windowLoad(spec.label, spec.target, loadWindow);
  const pidsAfter = processTree(spec.server.pid);
  const cpu = cpuSecondsBetween(before, after);
  const window = result.measured.durationSeconds;
  const loaderSeconds = result.loaderSeconds ?? (loaderAfter.user + loaderAfter.system) / 1e6;
  const machineSeconds = (busyAfter - busyBefore) / ticksPerSecond;
  return {
    key: spec.key,
    label: spec.label,
    server: spec.server.key,
    serverLabel: spec.server.label,
    request: describeTarget(spec.target),
    connections: spec.connections,
    warmupResponses: result.warmupResponses,
    load: result.measured,
    cpu: {
      processes: pids.length,
      commands: treeCommands(pids),
      ticks: cpu.ticks,
      seconds: round(cpu.seconds, 3),
      perRequestUs:
        result.measured.responses > 0 ? round((cpu.seconds / result.measured.responses) * 1e6, 1) : undefined,
      cores: round(cpu.seconds / window, 3),
      perProcess: cpu.perProcess.map(({ pid, ticks }) => ({ pid, command: commandOf(pid), ticks })),
      exited: cpu.exited,
      treeChanged: pidsAfter.length !== pids.length || pidsAfter.some((pid) => !pids.includes(pid)),
    },
    loaderCores: round(loaderSeconds / window, 3),
    othersCores: round(Math.max(0, machineSeconds - cpu.seconds - loaderSeconds) / window, 3),
    loadAverage1m: round(os.loadavg()[0] ?? NaN, 2),
  };
}

/** The process tree once it serves, and what it burns idle over `idleSeconds`. */
async function describeServer(
  server: ApiProcess,
  key: string,
  label: string,
  port: number,
  settings: Settings,
  extra: Partial<ServerInfo> = {},
): Promise<ServerInfo> {
  const pids = processTree(server.pid);
  let idleCores: number | undefined;
  if (settings.idleSeconds > 0) {
    const before = readCpu(pids);
    await sleep(settings.idleSeconds * 1000);
    idleCores = round(cpuSecondsBetween(before, readCpu(pids)).seconds / settings.idleSeconds, 3);
  }
  return {
    key,
    label,
    pid: server.pid,
    port,
    processes: pids.length,
    commands: treeCommands(pids),
    listeningSockets: listeningSockets(port),
    idleCores,
    ...extra,
  };
}

/**
 * With API_PROCESSES=n the api's processes each listen on the port (SO_REUSEPORT): connections
 * opened before all of them listen would all stay on the first. Waits for n LISTEN sockets; gives
 * up after 5 s when the api is still one process (API_PROCESSES not supported), or after 30 s.
 */
async function waitForListeners(api: ApiProcess, port: number, wanted: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const sockets = listeningSockets(port);
    if (sockets >= wanted) return sockets;
    const elapsed = performance.now() - started;
    if ((processTree(api.pid).length < 2 && elapsed > 5_000) || elapsed > 30_000) return sockets;
    await sleep(100);
  }
}

function goalResults(runs: {
  bareRun?: PathRun;
  live?: PathRun;
  rest?: PathRun;
  graphql?: PathRun;
  daemonRun?: PathRun;
  single?: PathRun;
  oneRounds: readonly PathRun[];
  manyRounds: readonly PathRun[];
  multiServer?: ServerInfo;
  settings: Settings;
}): GoalResult[] {
  const { bareRun, live, rest, graphql, daemonRun, single, oneRounds, manyRounds, multiServer, settings } =
    runs;
  const us = (run?: PathRun) => run?.cpu.perRequestUs;
  const goals: GoalResult[] = [];
  const liveUs = us(live);
  const bareUs = us(bareRun);
  const liveRatio = liveUs !== undefined && bareUs ? liveUs / bareUs : undefined;
  goals.push({
    key: 'health-live-cpu',
    target: '`GET /health/live` CPU per request',
    measured:
      liveRatio === undefined
        ? 'not measured'
        : `${fixed(liveRatio, 2)} × bare (${fixed(liveUs!, 0)} µs vs ${fixed(bareUs!, 0)} µs)`,
    value: liveRatio === undefined ? undefined : round(liveRatio, 3),
    goal: `≤ ${GOALS.liveTimesBare} × the bare Node server`,
    met: liveRatio === undefined ? undefined : liveRatio <= GOALS.liveTimesBare,
  });
  goals.push(
    cpuGoal(
      'graphql-images-cpu',
      'GraphQL `images(first: 50) { nodes { id repoTags size created } }` CPU per request',
      us(graphql),
      GOALS.graphqlImagesUs,
    ),
    cpuGoal(
      'rest-images-cpu',
      'REST `GET /api/v1/images?first=50` CPU per request',
      us(rest),
      GOALS.restImagesUs,
    ),
  );
  const apiP50 = single?.load.latencyMs.p50;
  const daemonP50 = daemonRun?.load.latencyMs.p50;
  const p50Ratio = apiP50 !== undefined && daemonP50 ? apiP50 / daemonP50 : undefined;
  goals.push({
    key: 'single-client-p50',
    target: `single-client p50 of GraphQL \`images(first: 100)\``,
    measured:
      p50Ratio === undefined
        ? 'not measured'
        : `${fixed(p50Ratio, 2)} × daemon (${fixed(apiP50!, 2)} ms vs ${fixed(daemonP50!, 2)} ms)`,
    value: p50Ratio === undefined ? undefined : round(p50Ratio, 3),
    goal: `≤ ${GOALS.singleClientP50Ratio} × a direct \`GET /images/json\` to the daemon`,
    met: p50Ratio === undefined ? undefined : p50Ratio <= GOALS.singleClientP50Ratio,
  });
  if (settings.processes > 0) {
    const mean = (values: readonly (number | undefined)[]) => {
      const known = values.filter((value): value is number => value !== undefined);
      return known.length > 0 ? known.reduce((sum, value) => sum + value, 0) / known.length : undefined;
    };
    const one = mean(oneRounds.map((run) => run.load.requestsPerSecond));
    const many = mean(manyRounds.map((run) => run.load.requestsPerSecond));
    const ratio = one && many !== undefined ? many / one : undefined;
    const listening = multiServer?.listeningSockets ?? 0;
    const noEffect = multiServer !== undefined && listening < settings.processes;
    goals.push({
      key: 'processes-throughput',
      target: `images query throughput, 1 → ${settings.processes} api processes`,
      measured:
        ratio === undefined
          ? 'not measured'
          : `${fixed(ratio, 2)} × (${fixed(one!, 0)} → ${fixed(many!, 0)} req/s, CPU ` +
            `${fixed(mean(oneRounds.map(us)) ?? NaN, 0)} → ${fixed(mean(manyRounds.map(us)) ?? NaN, 0)} µs/request; ` +
            `means of ${oneRounds.length} + ${manyRounds.length} alternating runs)`,
      value: ratio === undefined ? undefined : round(ratio, 3),
      goal: `≥ ${GOALS.processesThroughput} ×`,
      met: ratio === undefined ? undefined : ratio >= GOALS.processesThroughput,
      note: noEffect
        ? `API_PROCESSES=${settings.processes} had no visible effect: ${multiServer.processes} process(es), ` +
          `${listening} listening socket(s) on the port.`
        : undefined,
    });
  }
  return goals;
}

/** A goal of at most `maxUs` µs of CPU per request. */
function cpuGoal(key: string, target: string, perRequestUs: number | undefined, maxUs: number): GoalResult {
  return {
    key,
    target,
    measured: perRequestUs === undefined ? 'not measured' : `${fixed(perRequestUs, 0)} µs`,
    value: perRequestUs,
    goal: `≤ ${maxUs} µs`,
    met: perRequestUs === undefined ? undefined : perRequestUs <= maxUs,
  };
}

await runBench({
  name: 'path',
  logTag: 'bench:path',
  npmScript: 'npm run bench:path',
  label: process.env.BENCH_LABEL || undefined,
  settings: readSettings,
  run,
});

/** The api's NODE_ENV: production, as it runs for real, unless BENCH_NODE_ENV says otherwise. */
function apiNodeEnv(): string {
  return process.env.BENCH_NODE_ENV ?? 'production';
}
