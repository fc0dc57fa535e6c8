/**
 * The registry benchmark (issue 13), against the test environment's real registries:
 *
 *   1. Copy: the 50 MiB `large` fixture from the open registry to the htpasswd one, through
 *      `copyImage` (request → COMPLETED) and through `skopeo copy` in the same run, alternating,
 *      each round into a fresh repository so nothing is skipped. One warm-up round first (the
 *      api's first copy starts its copy thread), reported but left out; then BENCH_COPY_ROUNDS.
 *      Goal: median ratio ≤ 1.0.
 *   2. Update checks: BENCH_UPDATE_TAGS (500) local tags, each pulled from its own repository of
 *      the open registry through a counting proxy, then one `checkImageUpdates` of every tagged
 *      image: wall time, and the registry requests it made by method (a HEAD per distinct
 *      repository:tag, no manifest GET: Docker Hub counts GETs against its pull limit, not HEADs).
 *
 *   npm run bench:registry     # builds the api and bench/, then runs this (~4 min)
 *
 * Settings: BENCH_LABEL, BENCH_COPY_ROUNDS (5), BENCH_UPDATE_TAGS (500), BENCH_PULL_CONCURRENCY (8).
 * Needs root and skopeo. Writes bench/results/registry.json and prints a Markdown summary.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import pLimit from 'p-limit';

import { buildFixtures, runDocker } from '../test/environment/index.js';
import { type Bench, integerSetting as integer, runBench } from './support/runner.js';

const run = promisify(execFile);
const COPY_GOAL = 1.0;
/** Where skopeo, run as root, keeps its blob info cache (containers/image). */
const SKOPEO_ROOT_CACHE = '/var/lib/containers/cache';

interface Settings {
  readonly copyRounds: number;
  readonly updateTags: number;
  readonly pullConcurrency: number;
}

interface CopyRound {
  /** 0: the first copy of each side, cold (a new copy thread, JIT), left out of the median. */
  readonly round: number;
  readonly stevedoreSeconds: number;
  readonly skopeoSeconds: number;
}

interface RegistryReport {
  readonly generatedAt: string;
  readonly label?: string;
  readonly machine: Bench['machine'];
  readonly copy: { readonly bytes: number; readonly rounds: CopyRound[]; readonly medianRatio: number };
  readonly updates: {
    readonly tags: number;
    readonly setupSeconds: number;
    readonly checkSeconds: number;
    readonly requests: Record<string, number>;
    readonly findings: Record<string, number>;
  };
  readonly problems: string[];
  readonly totalSeconds: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** A reverse proxy in front of a registry that counts requests by method and kind (manifest, blob, …). */
async function countingProxy(target: string) {
  const counts: Record<string, number> = {};
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const server = createServer((incoming, outgoing) => {
    const kind = /\/manifests\//.test(incoming.url ?? '')
      ? 'manifest'
      : /\/blobs\//.test(incoming.url ?? '')
        ? 'blob'
        : 'other';
    const key = `${incoming.method} ${kind}`;
    counts[key] = (counts[key] ?? 0) + 1;
    const forwarded = httpRequest(
      {
        host,
        port,
        path: incoming.url,
        method: incoming.method,
        headers: { ...incoming.headers, host: target },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    reset: () => Object.keys(counts).forEach((key) => delete counts[key]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function untilFinal(
  baseUrl: string,
  token: string,
  id: string,
): Promise<{ state: string; error?: unknown }> {
  for (;;) {
    const answer = await fetch(`${baseUrl}/api/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const job = (await answer.json()) as { state: string; error?: unknown };
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.state)) return job;
    await sleep(20);
  }
}

async function runRegistryBench(bench: Bench, settings: Settings) {
  const { env, problems, log } = bench;
  const fixtures = await buildFixtures(env, { log: (line) => log(`fixtures: ${line}`) });
  const { large, appA } = fixtures.images;
  const { open, auth } = env.registries;
  const { api, token } = await bench.startApi({
    role: 'write',
    env: { RATE_LIMIT_QUERIES: '0', RATE_LIMIT_MUTATIONS: '0' },
    readyTimeoutSeconds: 120,
    required: true,
  });
  const post = async (path: string, body: object) => {
    const answer = await fetch(`${api.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await answer.json()) as { id?: string; job?: { id: string } };
  };

  // 1. Copy.
  const rounds: CopyRound[] = [];
  const creds = `${auth.credentials.username}:${auth.credentials.password}`;
  for (let round = 0; round <= settings.copyRounds; round += 1) {
    bench.notInterrupted();
    const times: Record<string, number> = {};
    for (const who of round % 2 === 1 ? ['stevedore', 'skopeo'] : ['skopeo', 'stevedore']) {
      const target = `${auth.host}/bench-copy/${who}-${round}-${Date.now()}:1`;
      const started = performance.now();
      if (who === 'stevedore') {
        const job = await post('/api/v1/images/copy', {
          source: large.registries.open.ref,
          target,
          targetAuth: { ...auth.credentials },
        });
        const final = await untilFinal(api.baseUrl, token, job.id ?? '');
        if (final.state !== 'COMPLETED') problems.push(`copy round ${round}: ${JSON.stringify(final)}`);
      } else {
        // An empty blob info cache each time. With its cache skopeo mounts the blobs it copied
        // into this registry before instead of sending them, and the comparison would be of
        // that. As root, skopeo keeps that cache in /var/lib/containers/cache whatever HOME and
        // XDG_DATA_HOME say, so it runs in a mount namespace of its own with an empty tmpfs there.
        mkdirSync(SKOPEO_ROOT_CACHE, { recursive: true });
        const copy = [
          'skopeo',
          '--insecure-policy',
          'copy',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          '--dest-creds',
          creds,
          `docker://${large.registries.open.ref}`,
          `docker://${target}`,
        ];
        await run('unshare', [
          '--mount',
          'sh',
          '-c',
          `mount -t tmpfs tmpfs ${SKOPEO_ROOT_CACHE} && exec "$@"`,
          'skopeo-without-cache',
          ...copy,
        ]);
      }
      times[who] = (performance.now() - started) / 1000;
      log(`copy round ${round} ${who}: ${times[who]!.toFixed(2)} s`);
    }
    rounds.push({ round, stevedoreSeconds: times.stevedore!, skopeoSeconds: times.skopeo! });
  }

  // 2. Update checks over many tags, through a counting proxy.
  const proxy = await countingProxy(open.host);
  bench.onStop(() => proxy.close());
  const setupStarted = performance.now();
  const from = appA.registries.open.repository.slice(open.host.length + 1);
  const manifest = Buffer.from(
    await (
      await fetch(`${open.url}/v2/${from}/manifests/${appA.registries.open.digest}`, {
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      })
    ).arrayBuffer(),
  );
  const body = JSON.parse(manifest.toString()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const limit = pLimit(settings.pullConcurrency);
  const tags = Array.from({ length: settings.updateTags }, (_, index) => `bench-updates/img-${index}`);
  await Promise.all(
    tags.map((path) =>
      limit(async () => {
        for (const blob of [body.config, ...body.layers]) {
          await fetch(`${open.url}/v2/${path}/blobs/uploads/?mount=${blob.digest}&from=${from}`, {
            method: 'POST',
          });
        }
        await fetch(`${open.url}/v2/${path}/manifests/1`, {
          method: 'PUT',
          body: manifest,
          headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
        });
        await runDocker(env, ['pull', '-q', `${proxy.host}/${path}:1`]);
      }),
    ),
  );
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  log(`updates: ${tags.length} tags pulled through the proxy in ${setupSeconds.toFixed(1)} s`);
  proxy.reset();
  const checkStarted = performance.now();
  const check = await post('/api/v1/update-checks', {});
  const final = await untilFinal(api.baseUrl, token, check.job?.id ?? '');
  const checkSeconds = (performance.now() - checkStarted) / 1000;
  if (final.state !== 'COMPLETED') problems.push(`update check: ${JSON.stringify(final)}`);
  const requests = { ...proxy.counts };
  log(`updates: checked in ${checkSeconds.toFixed(2)} s, requests ${JSON.stringify(requests)}`);
  const graphql = await fetch(`${api.baseUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ images(first: 1000) { nodes { update { status } } } }' }),
  });
  const nodes = (
    (await graphql.json()) as { data: { images: { nodes: { update: { status: string } | null }[] } } }
  ).data.images.nodes;
  const findings: Record<string, number> = {};
  for (const node of nodes)
    findings[node.update?.status ?? 'none'] = (findings[node.update?.status ?? 'none'] ?? 0) + 1;
  await Promise.all(
    tags.map((path) =>
      limit(() => runDocker(env, ['rmi', `${proxy.host}/${path}:1`]).catch(() => undefined)),
    ),
  );

  const measured = rounds.filter((round) => round.round > 0);
  const medianRatio = median(measured.map((round) => round.stevedoreSeconds / round.skopeoSeconds));
  return {
    report: ({ totalSeconds }: { totalSeconds: number }): RegistryReport => ({
      generatedAt: new Date().toISOString(),
      label: process.env.BENCH_LABEL || undefined,
      machine: bench.machine,
      copy: { bytes: large.size, rounds, medianRatio },
      updates: { tags: tags.length, setupSeconds, checkSeconds, requests, findings },
      problems,
      totalSeconds,
    }),
    markdown: (report: RegistryReport) =>
      [
        '## Registries (issue 13)',
        '',
        '| copy round | `copyImage` (s) | `skopeo copy` (s) | ratio |',
        '| ---: | ---: | ---: | ---: |',
        ...report.copy.rounds.map(
          (round) =>
            `| ${round.round === 0 ? '0 (warm-up, not in the median)' : round.round} | ${round.stevedoreSeconds.toFixed(2)} | ${round.skopeoSeconds.toFixed(2)} | ${(round.stevedoreSeconds / round.skopeoSeconds).toFixed(2)} |`,
        ),
        '',
        '| target | measured | goal | met |',
        '| --- | --- | --- | --- |',
        `| copy of \`large\` registry to registry vs \`skopeo copy\` (median ratio) | ${report.copy.medianRatio.toFixed(2)} × | ≤ ${COPY_GOAL} × | ${report.copy.medianRatio <= COPY_GOAL ? 'yes' : '**no**'} |`,
        `| update check of ${report.updates.tags} local tags: wall time | ${report.updates.checkSeconds.toFixed(2)} s | (reported) | — |`,
        `| its registry requests | ${Object.entries(report.updates.requests)
          .map(([key, count]) => `${key}: ${count}`)
          .join(
            ', ',
          )} | a HEAD per tag, no manifest GET | ${report.updates.requests['HEAD manifest'] === report.updates.tags && !report.updates.requests['GET manifest'] ? 'yes' : '**no**'} |`,
        `| local images by update status | ${Object.entries(report.updates.findings)
          .map(([key, count]) => `${key}: ${count}`)
          .join(', ')} | (reported) | — |`,
        '',
        ...(report.problems.length
          ? ['Problems:', ...report.problems.map((problem) => `- ${problem}`), '']
          : []),
      ].join('\n'),
  };
}

await runBench({
  name: 'registry',
  logTag: 'bench:registry',
  npmScript: 'npm run bench:registry',
  label: process.env.BENCH_LABEL || undefined,
  settings: (): Settings => ({
    copyRounds: integer('BENCH_COPY_ROUNDS', 5, 1),
    updateTags: integer('BENCH_UPDATE_TAGS', 500, 1),
    pullConcurrency: integer('BENCH_PULL_CONCURRENCY', 8, 1),
  }),
  run: runRegistryBench,
});
