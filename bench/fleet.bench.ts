/**
 * The fleet benchmark (issue 14), the read side: one api following a simulated fleet.
 *
 * BENCH_HOSTS (1,000) simulated hosts in BENCH_SIM_PROCESSES (4) processes
 * (support/fleet-sim-process.ts): each host is an agent as apps/agent runs one (live catalogue,
 * publisher, registration, heartbeats) over the fake engine of the unit tests, holding
 * BENCH_IMAGES (100) images drawn from a pool of BENCH_POOL (400) that the fleet shares, as a
 * fleet runs the same images on many hosts. Then the built api starts (its own host is the
 * environment's real daemon) and is measured:
 *
 *   1. time to ready: spawn → every simulated host's catalogue served (goal < 30 s), and its RSS
 *      then (goal < 600 MB) and after the runs below;
 *   2. `imageEverywhere(ref)` and `hosts(first: 100)`, one request at a time: p50 (goal < 20 ms);
 *   3. a change on one host visible in the api: a tag added on a simulated host's engine, from
 *      its agent starting the publication to the `imageEvents(host:)` event arriving at a
 *      graphql-ws subscriber, which the api sends once its replica shows the change (p95 goal
 *      < 100 ms).
 *
 * The fan-out pull target is fan-out.bench.ts.
 *
 *   npm run bench:fleet     # builds the api and bench/, then runs this
 *
 * Settings: BENCH_HOSTS, BENCH_IMAGES, BENCH_POOL, BENCH_SIM_PROCESSES, BENCH_REQUESTS (300 per
 * query), BENCH_CHANGES (200), BENCH_READY_TIMEOUT (180 s), BENCH_LABEL. Needs root (its own
 * dockerd and Redis). Writes bench/results/fleet.json and prints a Markdown summary.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { readMemory } from './support/api-process.js';
import { connectGraphqlWs, postGraphql, recordSubscription } from './support/graphql-client.js';
import { type Bench, integerSetting as integer, round, runBench } from './support/runner.js';

const GOALS = { rssMb: 600, readySeconds: 30, queryP50Ms: 20, changeP95Ms: 100 };

interface Settings {
  readonly hosts: number;
  readonly images: number;
  readonly pool: number;
  readonly simProcesses: number;
  readonly requests: number;
  readonly changes: number;
  readonly readyTimeoutSeconds: number;
}

interface Latencies {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

interface FleetReport {
  readonly generatedAt: string;
  readonly label?: string;
  readonly machine: Bench['machine'];
  readonly settings: Settings;
  readonly simulationSeconds: number;
  readonly readySeconds: number;
  readonly rssAtReadyMb: number;
  readonly rssAfterRunsMb: number;
  readonly queries: { readonly imageEverywhere: Latencies; readonly hosts: Latencies };
  readonly changeVisibleMs: Latencies;
  readonly goals: typeof GOALS;
  readonly totalSeconds: number;
}

const simHostName = (index: number) => `sim-${String(index).padStart(4, '0')}`;

function latencies(values: readonly number[]): Latencies {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN, 2);
  return {
    count: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: round(sorted.at(-1) ?? NaN, 2),
  };
}

const mb = (bytes: number | undefined) => round((bytes ?? NaN) / 1024 ** 2, 1);

await runBench<FleetReport, Settings>({
  name: 'fleet',
  logTag: 'bench:fleet',
  npmScript: 'npm run bench:fleet',
  label: process.env.BENCH_LABEL,
  settings: () => ({
    hosts: integer('BENCH_HOSTS', 1_000, 1),
    images: integer('BENCH_IMAGES', 100, 1),
    pool: integer('BENCH_POOL', 400, 1),
    simProcesses: integer('BENCH_SIM_PROCESSES', 4, 1),
    requests: integer('BENCH_REQUESTS', 300, 10),
    changes: integer('BENCH_CHANGES', 200, 10),
    readyTimeoutSeconds: integer('BENCH_READY_TIMEOUT', 180, 10),
  }),
  run: async (bench, settings) => {
    const prefix = `bench-fleet-${randomBytes(3).toString('hex')}`;

    // 1. The simulated fleet, ready before the api starts.
    bench.notInterrupted();
    const simStarted = performance.now();
    bench.log(
      `simulating ${settings.hosts} hosts × ${settings.images} images in ${settings.simProcesses} processes`,
    );
    const sims = startSimulation(bench, settings, prefix);
    await Promise.all(sims.map((sim) => sim.ready));
    const simulationSeconds = round((performance.now() - simStarted) / 1000, 1);
    bench.log(`fleet published in ${simulationSeconds} s`);

    // 2. The api, and the moment it serves every simulated host.
    bench.notInterrupted();
    const { api, token } = await bench.startApi({
      role: 'read',
      readyTimeoutSeconds: settings.readyTimeoutSeconds,
      required: true,
      env: {
        FLEET_KEY_PREFIX: prefix,
        STEVEDORE_HOST_NAME: 'bench-local',
        NODE_ENV: 'production',
        API_PROCESSES: '1',
      },
    });
    const url = api.baseUrl;
    const deadline = performance.now() + settings.readyTimeoutSeconds * 1000;
    for (;;) {
      const answer = await postGraphql<{ hosts: { imageCount: number }[] }>(
        url,
        token,
        '{ hosts(filter: { labels: ["sim=true"] }) { imageCount } }',
      );
      const loaded = answer.data?.hosts.filter((host) => host.imageCount > 0).length ?? 0;
      if (loaded >= settings.hosts) break;
      if (performance.now() > deadline)
        throw new Error(`only ${loaded} of ${settings.hosts} hosts served in time`);
      await sleep(100);
    }
    const readySeconds = round((performance.now() - api.spawnedAt) / 1000, 2);
    const rssAtReadyMb = mb(readMemory(api.pid)?.rssBytes);
    bench.log(`api serves the fleet ${readySeconds} s after spawn, RSS ${rssAtReadyMb} MB`);

    // 3. Queries, one at a time.
    bench.notInterrupted();
    const ref = 'registry.example/team-3/app-3:1.3';
    const timeQuery = async (query: string) => {
      const times: number[] = [];
      for (let index = 0; index < settings.requests + 10; index++) {
        const started = performance.now();
        const answer = await postGraphql<unknown>(url, token, query);
        const elapsed = performance.now() - started;
        if (answer.errors?.length) throw new Error(`${query}: ${JSON.stringify(answer.errors)}`);
        if (index >= 10) times.push(elapsed);
      }
      return latencies(times);
    };
    const imageEverywhere = await timeQuery(
      `{ imageEverywhere(ref: "${ref}") { host { name status } image { id } } }`,
    );
    const hosts = await timeQuery('{ hosts(first: 100) { name status imageCount lastSeen } }');
    bench.log(`imageEverywhere p50 ${imageEverywhere.p50} ms, hosts(first: 100) p50 ${hosts.p50} ms`);

    // 4. A change on one host, until the api tells it.
    bench.notInterrupted();
    const changeVisibleMs = await measureChanges(bench, settings, sims, url, token);
    bench.log(`change visible p95 ${changeVisibleMs.p95} ms`);
    const rssAfterRunsMb = mb(readMemory(api.pid)?.rssBytes);

    return {
      report: ({ totalSeconds }) => ({
        generatedAt: new Date().toISOString(),
        ...(process.env.BENCH_LABEL ? { label: process.env.BENCH_LABEL } : {}),
        machine: bench.machine,
        settings,
        simulationSeconds,
        readySeconds,
        rssAtReadyMb,
        rssAfterRunsMb,
        queries: { imageEverywhere, hosts },
        changeVisibleMs,
        goals: GOALS,
        totalSeconds,
      }),
      markdown: markdownOf,
    };
  },
});

interface Sim {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly first: number;
  readonly count: number;
}

function startSimulation(bench: Bench, settings: Settings, prefix: string): Sim[] {
  const perProcess = Math.ceil(settings.hosts / settings.simProcesses);
  const sims: Sim[] = [];
  for (let first = 0; first < settings.hosts; first += perProcess) {
    const count = Math.min(perProcess, settings.hosts - first);
    const child = fork(join(bench.repoRoot, 'dist/bench/support/fleet-sim-process.js'), [], {
      env: {
        ...process.env,
        SIM_REDIS_URL: bench.env.redis.url,
        SIM_PREFIX: prefix,
        SIM_FIRST: String(first),
        SIM_COUNT: String(count),
        SIM_IMAGES: String(settings.images),
        SIM_POOL: String(settings.pool),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: { ready?: number }) => {
        if (message.ready !== undefined) resolve();
      });
      child.once('exit', (code) => reject(new Error(`a simulation process exited with ${code}`)));
    });
    bench.onStop(async () => {
      child.kill('SIGTERM');
    });
    sims.push({ child, ready, first, count });
  }
  return sims;
}

async function measureChanges(
  bench: Bench,
  settings: Settings,
  sims: readonly Sim[],
  url: string,
  token: string,
): Promise<Latencies> {
  const watched = Array.from({ length: 20 }, (_, index) =>
    simHostName(Math.floor((index * settings.hosts) / 20)),
  );
  const connection = await connectGraphqlWs(url, token);
  const arrivals = new Map<string, number>();
  const subscriptions = watched.map((host) =>
    recordSubscription<{ imageEvents: { ref: string | null } }>(
      connection,
      'subscription ($host: String) { imageEvents(host: $host) { action ref } }',
      { host },
      (message) => {
        const ref = message.data.imageEvents.ref;
        if (ref) arrivals.set(ref, performance.timeOrigin + message.mono);
      },
    ),
  );
  await sleep(500);
  const published = new Map<string, number>();
  for (const sim of sims) {
    sim.child.on('message', (message: { tag?: string; publishAt?: number }) => {
      if (message.tag && message.publishAt !== undefined) published.set(message.tag, message.publishAt);
    });
  }
  const delays: number[] = [];
  for (let index = 0; index < settings.changes + 5; index++) {
    bench.notInterrupted();
    const host = watched[index % watched.length]!;
    const hostIndex = Number(host.slice(4));
    const sim = sims.find(
      (candidate) => hostIndex >= candidate.first && hostIndex < candidate.first + candidate.count,
    )!;
    const tag = `registry.example/bench/change-${index}:1`;
    sim.child.send({ change: host, tag });
    const deadline = Date.now() + 5_000;
    while (!(arrivals.has(tag) && published.has(tag)) && Date.now() < deadline) await sleep(2);
    const arrived = arrivals.get(tag);
    const publishAt = published.get(tag);
    if (arrived === undefined || publishAt === undefined) {
      bench.problems.push(
        `change ${index} on ${host}: ${publishAt === undefined ? 'never published' : 'never told'}`,
      );
      continue;
    }
    if (index >= 5) delays.push(arrived - publishAt);
    await sleep(20);
  }
  for (const subscription of subscriptions) subscription.stop();
  await connection.close();
  return latencies(delays);
}

function markdownOf(report: FleetReport): string {
  const met = (value: number, goal: number) => (value < goal ? 'met' : '**not met**');
  const { queries, changeVisibleMs: change, goals, settings } = report;
  return [
    `# Fleet benchmark (${settings.hosts} hosts × ${settings.images} images, pool of ${settings.pool})`,
    '',
    `Simulated fleet published in ${report.simulationSeconds} s; total run ${report.totalSeconds} s.`,
    '',
    '| target | measured | goal | |',
    '| --- | --- | --- | --- |',
    `| api RSS when ready | ${report.rssAtReadyMb} MB | < ${goals.rssMb} MB | ${met(report.rssAtReadyMb, goals.rssMb)} |`,
    `| api RSS after the runs | ${report.rssAfterRunsMb} MB | (reported) | |`,
    `| time to ready (spawn → every host served) | ${report.readySeconds} s | < ${goals.readySeconds} s | ${met(report.readySeconds, goals.readySeconds)} |`,
    `| \`imageEverywhere(ref)\` p50 (p95) | ${queries.imageEverywhere.p50} ms (${queries.imageEverywhere.p95}) | < ${goals.queryP50Ms} ms | ${met(queries.imageEverywhere.p50, goals.queryP50Ms)} |`,
    `| \`hosts(first: 100)\` p50 (p95) | ${queries.hosts.p50} ms (${queries.hosts.p95}) | < ${goals.queryP50Ms} ms | ${met(queries.hosts.p50, goals.queryP50Ms)} |`,
    `| change visible, publish → event at a subscriber, p95 (p50) | ${change.p95} ms (${change.p50}) | < ${goals.changeP95Ms} ms | ${met(change.p95, goals.changeP95Ms)} |`,
    '',
  ].join('\n');
}
