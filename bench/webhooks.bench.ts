/**
 * The webhooks benchmark (issue 16): the time from a job's final state to a receiver getting
 * the delivery, with 50 subscriptions to the event.
 *
 * The built api (its embedded worker runs the jobs, its webhook worker the deliveries) and a
 * receiver in this process on 127.0.0.1 that answers 200 at once. 50 subscriptions to
 * `job.completed`; then BENCH_JOBS pulls, one after another, of a fixture already local (a real
 * daemon pull that completes in a few ms). For each job and subscription: the receiver's arrival
 * time minus the job's `finishedAt` (BullMQ's finishedOn, the worker's clock, the same machine).
 * The first job is not measured. Goal: p95 < 100 ms. Numbers are reported, never asserted.
 *
 *   npm run bench:webhooks   # builds the api and bench/, then runs this (~1 min)
 *
 * Settings: BENCH_JOBS (30), BENCH_SUBSCRIPTIONS (50), BENCH_LABEL.
 * Writes bench/results/webhooks.json and prints a Markdown summary.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { buildFixtures } from '../test/environment/index.js';
import { errorText, postGraphql } from './support/graphql-client.js';
import { stats, type Stats } from './support/jobs-report.js';
import { type Bench, integerSetting as integer, runBench } from './support/runner.js';

const GOAL_P95_MS = 100;

interface Settings {
  readonly jobs: number;
  readonly subscriptions: number;
}

interface WebhooksReport {
  readonly generatedAt: string;
  readonly label?: string;
  readonly machine: Bench['machine'];
  readonly settings: Settings;
  readonly method: string;
  readonly latencyMs: Stats;
  readonly missing: number;
  readonly goalP95Ms: number;
  readonly met: boolean;
  readonly totalSeconds: number;
}

await runBench<WebhooksReport, Settings>({
  name: 'webhooks',
  logTag: 'bench:webhooks',
  npmScript: 'npm run bench:webhooks',
  label: process.env.BENCH_LABEL,
  settings: () => ({
    jobs: integer('BENCH_JOBS', 30, 2),
    subscriptions: integer('BENCH_SUBSCRIPTIONS', 50, 1),
  }),
  run: async (bench, settings) => {
    const { env } = bench;
    const fixtures = await buildFixtures(env, { log: (line) => bench.log(`fixtures: ${line}`) });
    const ref = fixtures.images.base.registries.open.ref;

    // Arrival times by job id, one per subscription.
    const arrivals = new Map<string, number[]>();
    const receiver = createServer((request, response) => {
      const at = performance.timeOrigin + performance.now();
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(200).end();
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { job: { id: string } } };
        const list = arrivals.get(event.data.job.id) ?? [];
        list.push(at);
        arrivals.set(event.data.job.id, list);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    bench.onStop(() => new Promise((resolve) => receiver.close(resolve)));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const { api, token } = await bench.startApi({
      role: 'admin',
      readyTimeoutSeconds: 120,
      required: true,
      env: { WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', RATE_LIMIT_QUERIES: '0', RATE_LIMIT_MUTATIONS: '0' },
    });
    for (let index = 0; index < settings.subscriptions; index++) {
      const made = await postGraphql(
        api.baseUrl,
        token,
        'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }',
        { input: { url: `${url}?n=${index}`, events: ['job.completed'] } },
      );
      if (made.errors) throw new Error(`createWebhook: ${errorText(made.errors)}`);
    }
    bench.log(`${settings.subscriptions} subscriptions to job.completed`);

    const latencies: number[] = [];
    let missing = 0;
    for (let round = 0; round < settings.jobs; round++) {
      bench.notInterrupted();
      const queued = await postGraphql<{ pullImage: { id: string } }>(
        api.baseUrl,
        token,
        'mutation ($input: PullImageInput!) { pullImage(input: $input) { id } }',
        { input: { ref } },
      );
      const id = queued.data?.pullImage.id;
      if (!id) throw new Error(`pullImage: ${errorText(queued.errors)}`);
      let finishedAt: number | null = null;
      for (let tries = 0; finishedAt === null && tries < 600; tries++) {
        const job = await postGraphql<{ job: { state: string; finishedAt: string | null } }>(
          api.baseUrl,
          token,
          'query ($id: ID!) { job(id: $id) { state finishedAt } }',
          { id },
        );
        if (job.data?.job.state === 'COMPLETED' && job.data.job.finishedAt) {
          finishedAt = Date.parse(job.data.job.finishedAt);
        } else await sleep(20);
      }
      if (finishedAt === null) throw new Error(`job ${id} did not complete`);
      for (let tries = 0; (arrivals.get(id)?.length ?? 0) < settings.subscriptions && tries < 250; tries++) {
        await sleep(20);
      }
      const arrived = arrivals.get(id) ?? [];
      if (round === 0) continue;
      missing += settings.subscriptions - arrived.length;
      for (const at of arrived) latencies.push(at - finishedAt);
    }
    if (missing > 0) bench.problems.push(`${missing} deliveries did not arrive within 5 s`);
    const latencyMs = stats(latencies);
    bench.log(`latency p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms, max ${latencyMs.max} ms`);

    return {
      report: ({ totalSeconds }) => ({
        generatedAt: new Date().toISOString(),
        ...(process.env.BENCH_LABEL ? { label: process.env.BENCH_LABEL } : {}),
        machine: bench.machine,
        settings,
        method:
          `${settings.subscriptions} subscriptions to job.completed; ${settings.jobs} pulls one after another of a ` +
          'local fixture (round 0 not measured); per delivery, the receiver’s arrival time minus the job’s finishedAt.',
        latencyMs,
        missing,
        goalP95Ms: GOAL_P95_MS,
        met: latencyMs.p95 < GOAL_P95_MS && missing === 0,
        totalSeconds,
      }),
      markdown: (report) =>
        [
          `# Webhooks benchmark (${report.settings.subscriptions} subscriptions, ${report.settings.jobs - 1} measured jobs)`,
          '',
          report.method,
          '',
          '| target | p50 | p95 | max | goal | |',
          '| --- | --- | --- | --- | --- | --- |',
          `| job final state → receiver | ${report.latencyMs.p50} ms | ${report.latencyMs.p95} ms | ${report.latencyMs.max} ms | p95 < ${report.goalP95Ms} ms | ${report.met ? 'met' : '**not met**'} |`,
          '',
        ].join('\n'),
    };
  },
});
