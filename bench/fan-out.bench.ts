/**
 * The fan-out benchmark (issue 14's last target): one pull over three real hosts through
 * Stevedore against three `docker pull`s run in parallel, one per host.
 *
 * Three isolated dockerds, each with its own agent process (the built apps/agent), and the built
 * api (its own host, the environment's daemon, is not selected). Each round removes the `large`
 * fixture (5 × 10 MiB incompressible layers, sharing none) from the three daemons, then times:
 *
 *   - CLI: `docker pull <ref>` spawned against each daemon at once → the last one exited;
 *   - Stevedore: `pullImage(input: { ref, hosts: { labels } })` sent → the parent's COMPLETED
 *     arriving on its jobProgress subscription (a parent completes once its three children,
 *     one in each host's queue, worked by that host's agent, did).
 *
 * Rounds alternate which side goes first; the first round is not measured. The median ratio
 * Stevedore / CLI must be at most 1.15. Numbers are reported, never asserted.
 *
 *   npm run bench:fan-out   # builds the api and bench/, then runs this (~2 min on 2 cores)
 *
 * Settings: BENCH_ROUNDS (5 measured per side), BENCH_SETTLE_MS (1000: quiet after removing the
 * image), BENCH_JOB_TIMEOUT (180 s), BENCH_LABEL. Needs root (its own dockerds and Redis).
 * Writes bench/results/fan-out.json and prints a Markdown summary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  launchDockerDaemon,
  planDockerDaemon,
  stopManagedDaemon,
} from '../test/environment/docker-daemon.js';
import { buildFixtures, runDocker, type FixtureImage } from '../test/environment/index.js';
import type { ManagedDockerDaemon, TestEnvironment } from '../test/environment/types.js';
import { connectGraphqlWs, errorText, postGraphql, recordSubscription } from './support/graphql-client.js';
import { type Bench, integerSetting as integer, median, round, runBench } from './support/runner.js';

const MAX_RATIO = 1.15;
const HOSTS = ['bench-edge-1', 'bench-edge-2', 'bench-edge-3'] as const;
const LABEL = 'role=bench-edge';

interface Settings {
  readonly rounds: number;
  readonly settleMs: number;
  readonly jobTimeoutSeconds: number;
}

interface PullRun {
  readonly round: number;
  readonly side: 'stevedore' | 'cli';
  readonly ms?: number;
  readonly failure?: string;
}

interface FanOutReport {
  readonly generatedAt: string;
  readonly label?: string;
  readonly machine: Bench['machine'];
  readonly settings: Settings;
  readonly ref: string;
  readonly hosts: number;
  readonly method: string;
  readonly runs: readonly PullRun[];
  readonly stevedoreMedianMs?: number;
  readonly cliMedianMs?: number;
  readonly ratio?: number;
  readonly maxRatio: number;
  readonly met?: boolean;
  readonly totalSeconds: number;
}

/** The median of the runs, to 0.1 ms; undefined for none. */
const medianMs = (values: readonly number[]) => {
  const value = median(values);
  return value === undefined ? undefined : round(value, 1);
};

await runBench<FanOutReport, Settings>({
  name: 'fan-out',
  logTag: 'bench:fan-out',
  npmScript: 'npm run bench:fan-out',
  label: process.env.BENCH_LABEL,
  settings: () => ({
    rounds: integer('BENCH_ROUNDS', 5, 1),
    settleMs: integer('BENCH_SETTLE_MS', 1_000, 0),
    jobTimeoutSeconds: integer('BENCH_JOB_TIMEOUT', 180, 10),
  }),
  run: async (bench, settings) => {
    const { env } = bench;
    const fixtures = await buildFixtures(env, { log: (line) => bench.log(`fixtures: ${line}`) });
    const { large } = fixtures.images;
    const ref = large.registries.open.ref;
    const prefix = `bench-fan-out-${randomBytes(3).toString('hex')}`;

    // Three hosts: a dockerd and an agent each.
    bench.notInterrupted();
    const tmp = mkdtempSync('/tmp/sv-bfan-');
    bench.onStop(async () => rmSync(tmp, { recursive: true, force: true }));
    const daemons = HOSTS.map((host) => planDockerDaemon(join(tmp, host), []));
    for (const daemon of daemons) bench.onStop(() => stopManagedDaemon(daemon).catch(() => undefined));
    await Promise.all(daemons.map((daemon) => launchDockerDaemon(daemon)));
    const agents = HOSTS.map((host, index) => startAgent(bench, env, daemons[index]!, host, prefix));
    await Promise.all(agents.map((agent) => agent.registered));
    bench.log(`three hosts with their agents: ${HOSTS.join(', ')}`);

    const { api, token } = await bench.startApi({
      role: 'write',
      readyTimeoutSeconds: 120,
      required: true,
      env: {
        FLEET_KEY_PREFIX: prefix,
        STEVEDORE_HOST_NAME: 'bench-own',
        RATE_LIMIT_QUERIES: '0',
        RATE_LIMIT_MUTATIONS: '0',
      },
    });
    const url = api.baseUrl;
    for (let tries = 0; ; tries++) {
      const answer = await postGraphql<{ hosts: { name: string }[] }>(
        url,
        token,
        `{ hosts(filter: { labels: ["${LABEL}"] }) { name } }`,
      );
      if (answer.data?.hosts.length === HOSTS.length) break;
      if (tries > 300) throw new Error('the api never served the three hosts');
      await sleep(100);
    }
    const ws = await connectGraphqlWs(url, token);
    bench.onStop(() => ws.close());

    const runs: PullRun[] = [];
    const timeoutMs = settings.jobTimeoutSeconds * 1000;
    const sides = {
      cli: () => pullWithClis(env, daemons, large, timeoutMs),
      stevedore: async () => {
        const startedAt = performance.now();
        const answer = await postGraphql<{ pullImage: { id: string } }>(
          url,
          token,
          'mutation ($input: PullImageInput!) { pullImage(input: $input) { id } }',
          { input: { ref, hosts: { labels: [LABEL] } } },
        );
        const id = answer.data?.pullImage.id;
        if (!id) return { failure: `pullImage: ${errorText(answer.errors)}` };
        let completedAt: number | undefined;
        let finalState: string | undefined;
        const subscription = recordSubscription<{ jobProgress: { state: string; error: unknown } }>(
          ws,
          'subscription ($id: ID!) { jobProgress(id: $id) { state error { code message } } }',
          { id },
          (message) => {
            const { state } = message.data.jobProgress;
            if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(state) && finalState === undefined) {
              finalState = state;
              completedAt = message.mono;
            }
          },
        );
        await Promise.race([subscription.ended, sleep(timeoutMs)]);
        subscription.stop();
        if (finalState !== 'COMPLETED' || completedAt === undefined) {
          return {
            failure: `fan-out ${id} ended ${finalState ?? 'never'}: ${subscription.errors.join('; ')}`,
          };
        }
        for (const [index, daemon] of daemons.entries()) {
          if ((await imageIdOn(env, daemon, ref)) !== large.id)
            return { failure: `${HOSTS[index]} lacks ${ref}` };
        }
        return { ms: completedAt - startedAt };
      },
    };

    for (let roundNumber = 0; roundNumber <= settings.rounds; roundNumber++) {
      const order: PullRun['side'][] = roundNumber % 2 === 0 ? ['stevedore', 'cli'] : ['cli', 'stevedore'];
      for (const side of order) {
        bench.notInterrupted();
        await Promise.all(daemons.map((daemon) => removeImage(env, daemon, large)));
        await sleep(settings.settleMs);
        const outcome = await sides[side]();
        const ms = outcome.ms === undefined ? undefined : round(outcome.ms, 1);
        runs.push({ round: roundNumber, side, ms, failure: outcome.failure });
        if (outcome.failure) bench.problems.push(`round ${roundNumber}, ${side}: ${outcome.failure}`);
        bench.log(`round ${roundNumber} ${side}: ${ms !== undefined ? `${ms} ms` : outcome.failure}`);
      }
    }

    const measured = (side: PullRun['side']) =>
      runs.filter((run) => run.round > 0 && run.side === side && run.ms !== undefined).map((run) => run.ms!);
    const stevedoreMedianMs = medianMs(measured('stevedore'));
    const cliMedianMs = medianMs(measured('cli'));
    const ratio =
      stevedoreMedianMs !== undefined && cliMedianMs !== undefined
        ? round(stevedoreMedianMs / cliMedianMs, 3)
        : undefined;
    return {
      report: ({ totalSeconds }) => ({
        generatedAt: new Date().toISOString(),
        ...(process.env.BENCH_LABEL ? { label: process.env.BENCH_LABEL } : {}),
        machine: bench.machine,
        settings,
        ref,
        hosts: HOSTS.length,
        method:
          'Before each run: `docker image rm --force <id>` on the three daemons, then the settle pause. CLI: ' +
          '`docker pull <ref>` spawned against each daemon at once → the last exited. Stevedore: `pullImage` over ' +
          'the three hosts sent → the parent job’s COMPLETED arriving on `jobProgress`. Rounds alternate which ' +
          'side goes first; round 0 is not measured.',
        runs,
        stevedoreMedianMs,
        cliMedianMs,
        ratio,
        maxRatio: MAX_RATIO,
        met: ratio === undefined ? undefined : ratio <= MAX_RATIO,
        totalSeconds,
      }),
      markdown: markdownOf,
    };
  },
});

function startAgent(
  bench: Bench,
  env: TestEnvironment,
  daemon: ManagedDockerDaemon,
  host: string,
  prefix: string,
): { child: ChildProcess; registered: Promise<void> } {
  const child = spawn(process.execPath, [join(bench.repoRoot, 'dist/apps/agent/src/main.js')], {
    env: {
      PATH: process.env.PATH,
      DOCKER_HOST: daemon.host,
      DOCKER_CONFIG: env.dockerConfigDir,
      REDIS_URL: env.redis.url,
      STEVEDORE_HOST_NAME: host,
      STEVEDORE_HOST_LABELS: LABEL,
      FLEET_KEY_PREFIX: prefix,
      STEVEDORE_STATE_DIR: mkdtempSync(join(env.tmpDir, `${host}-`)),
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  bench.onStop(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  let output = '';
  const registered = new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      if (/host registered/.test(output)) resolve();
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`agent ${host} exited with ${code}:\n${output}`)));
  });
  return { child, registered };
}

/** The docker CLI against one of the bench's daemons. */
function cliOn(env: TestEnvironment, daemon: ManagedDockerDaemon) {
  return { docker: { ...env.docker, host: daemon.host }, dockerConfigDir: env.dockerConfigDir };
}

async function pullWithClis(
  env: TestEnvironment,
  daemons: readonly ManagedDockerDaemon[],
  image: FixtureImage,
  timeoutMs: number,
): Promise<{ ms?: number; failure?: string }> {
  const ref = image.registries.open.ref;
  const startedAt = performance.now();
  try {
    await Promise.all(daemons.map((daemon) => runDocker(cliOn(env, daemon), ['pull', ref], { timeoutMs })));
  } catch (error) {
    return { failure: String(error).split('\n')[0] };
  }
  const ms = performance.now() - startedAt;
  for (const daemon of daemons) {
    if ((await imageIdOn(env, daemon, ref)) !== image.id) return { ms, failure: `a daemon lacks ${ref}` };
  }
  return { ms };
}

async function removeImage(env: TestEnvironment, daemon: ManagedDockerDaemon, image: FixtureImage) {
  await runDocker(cliOn(env, daemon), ['image', 'rm', '--force', image.id]).catch(() => undefined);
  if ((await imageIdOn(env, daemon, image.id)) !== undefined)
    throw new Error(`${image.id} survived its removal`);
}

async function imageIdOn(env: TestEnvironment, daemon: ManagedDockerDaemon, ref: string) {
  try {
    return (
      await runDocker(cliOn(env, daemon), ['image', 'inspect', '--format', '{{.Id}}', ref])
    ).stdout.trim();
  } catch {
    return undefined;
  }
}

function markdownOf(report: FanOutReport): string {
  const verdict = report.met === undefined ? 'not measured' : report.met ? 'met' : '**not met**';
  return [
    `# Fan-out benchmark (${report.hosts} real hosts, ${report.settings.rounds} rounds per side)`,
    '',
    report.method,
    '',
    '| target | Stevedore median | CLI median | ratio | goal | |',
    '| --- | --- | --- | --- | --- | --- |',
    `| fan-out pull of \`large\` over ${report.hosts} hosts vs ${report.hosts} parallel \`docker pull\`s | ${report.stevedoreMedianMs} ms | ${report.cliMedianMs} ms | ${report.ratio}× | ≤ ${report.maxRatio}× | ${verdict} |`,
    '',
  ].join('\n');
}
