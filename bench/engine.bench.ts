/**
 * The Engine API benchmark (issue 15): the unmodified docker CLI through Stevedore's `/engine`
 * against the same CLI straight at the daemon, in one run, on one machine.
 *
 *   - pull: `docker pull` of the `large` fixture (5 × 10 MiB incompressible layers) from the
 *     local registry, the image removed before each run. Goal: Stevedore / daemon ≤ 1.10.
 *   - list: `docker images` with 1,000 images (generated, one `docker load`), spawned
 *     BENCH_LIST_RUNS times per side. Stevedore answers from its catalogue. Goal: ≤ 0.5.
 *     Also `GET /images/json` alone on each side, without the CLI, whose own cost (start-up, the
 *     version ping, decoding and printing 1,000 rows) is the same on both sides.
 *
 * Both sides run the same CLI binary (Debian's /usr/bin/docker when present) as a child
 * process, so process start-up is in both. Rounds alternate which side goes first; the first
 * round of each target is not measured. Numbers are reported, never asserted.
 *
 *   npm run bench:engine   # builds the api and bench/, then runs this (~3 min on 2 cores)
 *
 * Settings: BENCH_ROUNDS (5 pulls per side), BENCH_LIST_RUNS (30 per side), BENCH_IMAGES (1000),
 * BENCH_SETTLE_MS (1000), BENCH_LABEL. Writes bench/results/engine.json and prints Markdown.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { runCommand } from '../test/environment/command.js';
import { dockerCliEnv } from '../test/environment/docker-cli.js';
import { findExecutable } from '../test/environment/executables.js';
import { buildFixtures, runDocker } from '../test/environment/index.js';
import { createBenchImages, DEFAULT_LAYER_GROUPS, DEFAULT_OWN_LAYERS } from './support/many-images.js';
import { type Bench, integerSetting as integer, median, round, runBench } from './support/runner.js';

const PULL_MAX_RATIO = 1.1;
const LIST_MAX_RATIO = 0.5;

interface Settings {
  readonly rounds: number;
  readonly listRuns: number;
  readonly images: number;
  readonly settleMs: number;
}

type Side = 'stevedore' | 'daemon';

interface Target {
  readonly stevedoreMedianMs?: number;
  readonly daemonMedianMs?: number;
  readonly ratio?: number;
  readonly maxRatio: number;
  readonly met?: boolean;
  readonly runs: readonly { round: number; side: Side; ms: number }[];
}

interface EngineReport {
  readonly generatedAt: string;
  readonly label?: string;
  readonly machine: Bench['machine'];
  readonly settings: Settings;
  readonly cli: string;
  readonly pull: Target & { readonly ref: string };
  readonly list: Target & { readonly rows: number };
  /** `GET /images/json` alone, a new connection each time, as the CLI opens one per run. */
  readonly listApi: Target & { readonly rows: number };
  readonly totalSeconds: number;
}

await runBench<EngineReport, Settings>({
  name: 'engine',
  logTag: 'bench:engine',
  npmScript: 'npm run bench:engine',
  label: process.env.BENCH_LABEL,
  settings: () => ({
    rounds: integer('BENCH_ROUNDS', 5, 1),
    listRuns: integer('BENCH_LIST_RUNS', 30, 2),
    images: integer('BENCH_IMAGES', 1000, 1),
    settleMs: integer('BENCH_SETTLE_MS', 1_000, 0),
  }),
  run: async (bench, settings) => {
    const { env } = bench;
    const fixtures = await buildFixtures(env, { log: (line) => bench.log(`fixtures: ${line}`) });
    const { large } = fixtures.images;
    const ref = large.registries.open.ref;
    const { port, token } = await bench.startApi({
      role: 'write',
      readyTimeoutSeconds: 120,
      required: true,
      env: { RATE_LIMIT_QUERIES: '0', RATE_LIMIT_MUTATIONS: '0' },
    });

    const cli = existsSync('/usr/bin/docker')
      ? '/usr/bin/docker'
      : findExecutable(['docker'], 'a docker CLI');
    const config = mkdtempSync(join(env.tmpDir, 'engine-cli-'));
    bench.onStop(async () => rmSync(config, { recursive: true, force: true }));
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({ HttpHeaders: { Authorization: `Bearer ${token}` } }),
    );
    const sideEnv: Record<Side, NodeJS.ProcessEnv> = {
      daemon: dockerCliEnv(env),
      stevedore: {
        ...dockerCliEnv(env),
        DOCKER_HOST: `tcp://127.0.0.1:${port}/engine`,
        DOCKER_CONFIG: config,
      },
    };
    const timed = async (side: Side, args: string[]) => {
      const startedAt = performance.now();
      const { stdout } = await runCommand(cli, args, { env: sideEnv[side], timeoutMs: 300_000 });
      return { ms: performance.now() - startedAt, stdout };
    };
    const removeLarge = async () => {
      await runDocker(env, ['image', 'rm', '--force', large.id]).catch(() => undefined);
      await sleep(settings.settleMs);
    };

    bench.log(`pull: ${ref}, ${settings.rounds} measured rounds per side`);
    const pullRuns: Target['runs'][number][] = [];
    for (let roundNumber = 0; roundNumber <= settings.rounds; roundNumber++) {
      for (const side of order(roundNumber)) {
        bench.notInterrupted();
        await removeLarge();
        const { ms, stdout } = await timed(side, ['pull', ref]);
        if (!stdout.includes(`Digest: ${large.registries.open.digest}`)) {
          bench.problems.push(`pull round ${roundNumber} (${side}) printed no digest line`);
        }
        pullRuns.push({ round: roundNumber, side, ms: round(ms, 1) });
        bench.log(`pull round ${roundNumber} ${side}: ${round(ms, 1)} ms`);
      }
    }

    const images = await createBenchImages(
      env,
      { images: settings.images, layerGroups: DEFAULT_LAYER_GROUPS, ownLayers: DEFAULT_OWN_LAYERS },
      (line) => bench.log(line),
    );
    // The catalogue follows the daemon's events; wait until the list through Stevedore shows them all.
    const rowsOf = (stdout: string) => stdout.trim().split('\n').length - 1;
    const expectedRows = rowsOf((await timed('daemon', ['images'])).stdout);
    for (let tries = 0; rowsOf((await timed('stevedore', ['images'])).stdout) !== expectedRows; tries++) {
      if (tries > 120) throw new Error('Stevedore never listed as many images as the daemon');
      await sleep(500);
    }
    bench.log(`list: ${expectedRows} rows, ${settings.listRuns} measured runs per side`);
    const listRuns: Target['runs'][number][] = [];
    for (let roundNumber = 0; roundNumber <= settings.listRuns; roundNumber++) {
      for (const side of order(roundNumber)) {
        bench.notInterrupted();
        const { ms, stdout } = await timed(side, ['images']);
        if (rowsOf(stdout) !== expectedRows)
          bench.problems.push(`list round ${roundNumber} (${side}): ${rowsOf(stdout)} rows`);
        listRuns.push({ round: roundNumber, side, ms: round(ms, 1) });
      }
    }
    bench.log(`list: ${images.distinctImageIds} images measured`);

    // The same list without the CLI: its own start-up, decoding and table cost the same on both
    // sides and bound how far apart the two CLI runs can be.
    const apiRuns: Target['runs'][number][] = [];
    const request = {
      daemon: { socketPath: env.docker.socketPath, headers: {} },
      stevedore: { host: '127.0.0.1', port, headers: { authorization: `Bearer ${token}` } },
    } as const;
    for (let roundNumber = 0; roundNumber <= settings.listRuns; roundNumber++) {
      for (const side of order(roundNumber)) {
        bench.notInterrupted();
        const path = side === 'daemon' ? '/v1.41/images/json' : '/engine/v1.41/images/json';
        const ms = await timedGet({ ...request[side], path });
        apiRuns.push({ round: roundNumber, side, ms: round(ms, 1) });
      }
    }

    return {
      report: ({ totalSeconds }) => ({
        generatedAt: new Date().toISOString(),
        ...(process.env.BENCH_LABEL ? { label: process.env.BENCH_LABEL } : {}),
        machine: bench.machine,
        settings,
        cli,
        pull: { ref, ...targetOf(pullRuns, PULL_MAX_RATIO) },
        list: { rows: expectedRows, ...targetOf(listRuns, LIST_MAX_RATIO) },
        listApi: { rows: expectedRows, ...targetOf(apiRuns, LIST_MAX_RATIO) },
        totalSeconds,
      }),
      markdown: markdownOf,
    };
  },
});

/** One GET on a new connection, its body read to the end: milliseconds. */
function timedGet(options: http.RequestOptions): Promise<number> {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ ...options, agent: false }, (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200
            ? resolve(performance.now() - startedAt)
            : reject(new Error(`${options.path} answered ${response.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

function order(roundNumber: number): Side[] {
  return roundNumber % 2 === 0 ? ['stevedore', 'daemon'] : ['daemon', 'stevedore'];
}

function targetOf(runs: Target['runs'], maxRatio: number): Target {
  const measured = (side: Side) =>
    runs.filter((run) => run.round > 0 && run.side === side).map((run) => run.ms);
  const stevedore = median(measured('stevedore'));
  const daemon = median(measured('daemon'));
  const ratio = stevedore !== undefined && daemon !== undefined ? round(stevedore / daemon, 3) : undefined;
  return {
    stevedoreMedianMs: stevedore === undefined ? undefined : round(stevedore, 1),
    daemonMedianMs: daemon === undefined ? undefined : round(daemon, 1),
    ratio,
    maxRatio,
    met: ratio === undefined ? undefined : ratio <= maxRatio,
    runs,
  };
}

function markdownOf(report: EngineReport): string {
  const verdict = (target: Target) =>
    target.met === undefined ? 'not measured' : target.met ? 'met' : '**not met**';
  const row = (name: string, target: Target) =>
    `| ${name} | ${target.stevedoreMedianMs} ms | ${target.daemonMedianMs} ms | ${target.ratio}× | ≤ ${target.maxRatio}× | ${verdict(target)} |`;
  return [
    `# Engine API benchmark (the docker CLI, \`${report.cli}\`, through Stevedore vs straight at the daemon)`,
    '',
    '| target | through Stevedore (median) | at the daemon (median) | ratio | goal | |',
    '| --- | --- | --- | --- | --- | --- |',
    row(`\`docker pull\` of \`large\` (50 MiB, ${report.settings.rounds} rounds per side)`, report.pull),
    row(
      `\`docker images\`, ${report.list.rows} rows (${report.settings.listRuns} runs per side)`,
      report.list,
    ),
    row('`GET /images/json` alone, the same images', report.listApi),
    '',
  ].join('\n');
}
