/**
 * The jobs benchmark (issue 4 speed targets). One run, one isolated dockerd, local registry and
 * Redis, the api as a built process with its embedded worker:
 *
 *   1. Pulling the `large` fixture (5 × 10 MiB incompressible layers) from the local registry
 *      through Stevedore (pullImage mutation sent → COMPLETED arriving on the jobProgress
 *      subscription) vs `docker pull` by the CLI, each from a clean daemon, alternated; the
 *      median ratio Stevedore / CLI must be at most 1.10.
 *   2. From pullImage answering to the job being ACTIVE, over many re-pulls of a small image that
 *      is already local: BullMQ's own timestamps (processedOn − timestamp) read from Redis, the
 *      Redis events stream, and what a client polling job(id) sees; p50 must be under 20 ms.
 *   3. Progress latency with 100 subscribers to one job's jobProgress: from the worker writing a
 *      progress value (its `progress` entry in BullMQ's events stream, whose id is the Redis
 *      server's clock) to that value arriving at each graphql-ws subscriber (Date.now(), same
 *      host); the pull goes through a bandwidth-limited TCP proxy so that it lasts ~10 s. p95
 *      must be under 50 ms. The same with 1 subscriber, for reference.
 *
 * Numbers are reported, never asserted: the exit status is 1 only when something could not be
 * measured (a job failing, a subscription that never ends, the api never ready).
 *
 *   npm run bench:jobs      # builds the api and bench/, then runs this (~2.5 min on 2 cores)
 *
 * Settings (environment): BENCH_PULL_RUNS (5 per side), BENCH_PULL_WARMUP (1 unmeasured round),
 * BENCH_SETTLE_MS (1000: pause after removing the image, before each pull), BENCH_ACTIVE_JOBS (50
 * per phase), BENCH_ACTIVE_WARMUP (3), BENCH_ACTIVE_GAP_MS (200), BENCH_SUBSCRIBERS (100),
 * BENCH_REFERENCE_SUBSCRIBERS (1; 0 skips the reference run), BENCH_SLOW_PULL_SECONDS (10),
 * BENCH_JOB_TIMEOUT (180 s), BENCH_READY_TIMEOUT (120 s).
 *
 * Needs root (it starts its own dockerd, see test/environment/README.md); DOCKER_HOST and
 * REDIS_URL are ignored on purpose. Writes bench/results/jobs.json and prints a Markdown summary
 * on stdout; progress goes to stderr.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { Queue } from 'bullmq';

import {
  buildFixtures,
  type FixtureImage,
  runDocker,
  type StartedTestEnvironment,
} from '../test/environment/index.js';
import type { ApiProcess } from './support/api-process.js';
import {
  connectGraphqlWs,
  errorText,
  postGraphql,
  recordSubscription,
  type TimedMessage,
  type WsConnection,
} from './support/graphql-client.js';
import {
  type ActivationPhase,
  type ActivationResult,
  type ActivationSample,
  jobsMarkdown,
  type JobsReport,
  median,
  type ProgressRun,
  type PullResult,
  type PullRun,
  stats,
} from './support/jobs-report.js';
import { QueueEventLog, type QueueStreamEvent } from './support/queue-events.js';
import { ms } from './support/report.js';
import { type Bench, integerSetting as integer, runBench } from './support/runner.js';
import { startThrottledProxy } from './support/throttled-proxy.js';

const log = (line: string) => process.stderr.write(`[bench:jobs] ${line}\n`);

/** BullMQ's queue of Stevedore's image jobs, and its events stream (default prefix `bull`). */
const IMAGE_QUEUE = 'stevedore-images';
const EVENTS_STREAM = `bull:${IMAGE_QUEUE}:events`;

/** Issue 4 targets. */
const MAX_PULL_RATIO = 1.1;
const MAX_ACTIVATION_P50_MS = 20;
const MAX_PROGRESS_P95_MS = 50;
const POLL_INTERVAL_MS = 10;
const LOOP_DELAY_RESOLUTION_MS = 2;

const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

const PULL_MUTATION = 'mutation($input: PullImageInput!) { pullImage(input: $input) { id state } }';
const JOB_STATE_QUERY = 'query($id: ID!) { job(id: $id) { id state } }';
const JOB_PROGRESS_SUBSCRIPTION = `subscription($id: ID!) { jobProgress(id: $id) {
  id state attempts imageId error { code message }
  progress { percent currentBytes totalBytes message layers { id status current total } } } }`;

interface JobView {
  readonly id: string;
  readonly state: string;
  readonly attempts?: number;
  readonly imageId?: string | null;
  readonly error?: { readonly code: string; readonly message: string } | null;
  readonly progress?: ProgressView;
}

interface ProgressView {
  readonly percent: number;
  readonly currentBytes: number;
  readonly totalBytes: number;
  readonly message: string | null;
  readonly layers: readonly { id: string; status: string; current: number; total: number }[];
}

type ProgressMessage = TimedMessage<{ jobProgress: JobView }>;

interface Settings {
  readonly pullRuns: number;
  readonly pullWarmup: number;
  readonly settleMs: number;
  readonly activeJobs: number;
  readonly activeWarmup: number;
  readonly activeGapMs: number;
  readonly subscribers: number;
  readonly referenceSubscribers: number;
  readonly slowPullSeconds: number;
  readonly jobTimeoutSeconds: number;
  readonly readyTimeoutSeconds: number;
}

function readSettings(): Settings {
  return {
    pullRuns: integer('BENCH_PULL_RUNS', 5, 1),
    pullWarmup: integer('BENCH_PULL_WARMUP', 1, 0),
    settleMs: integer('BENCH_SETTLE_MS', 1000, 0),
    activeJobs: integer('BENCH_ACTIVE_JOBS', 50, 1),
    activeWarmup: integer('BENCH_ACTIVE_WARMUP', 3, 0),
    activeGapMs: integer('BENCH_ACTIVE_GAP_MS', 200, 0),
    subscribers: integer('BENCH_SUBSCRIBERS', 100, 1),
    referenceSubscribers: integer('BENCH_REFERENCE_SUBSCRIBERS', 1, 0),
    slowPullSeconds: integer('BENCH_SLOW_PULL_SECONDS', 10, 1),
    jobTimeoutSeconds: integer('BENCH_JOB_TIMEOUT', 180, 1),
    readyTimeoutSeconds: integer('BENCH_READY_TIMEOUT', 120, 1),
  };
}

/** What every scenario needs. */
interface Context {
  readonly env: StartedTestEnvironment;
  readonly api: ApiProcess;
  readonly token: string;
  readonly events: QueueEventLog;
  readonly queue: Queue;
  readonly settings: Settings;
  readonly problems: string[];
  readonly notes: string[];
  readonly notInterrupted: () => void;
}

async function run(bench: Bench, settings: Settings) {
  const { env, problems } = bench;
  const notes: string[] = [];
  const fixtures = await buildFixtures(env, { log: (line) => log(`fixtures: ${line}`) });
  const { large, multiTag } = fixtures.images;

  const events = await QueueEventLog.start(env.redis.url, EVENTS_STREAM);
  bench.onStop(() => events.stop());
  const queue = new Queue(IMAGE_QUEUE, { connection: { url: env.redis.url, maxRetriesPerRequest: null } });
  bench.onStop(() => queue.close());
  queue.on('error', () => undefined);

  const { api, token, readiness } = await bench.startApi({
    role: 'write',
    env: {
      WORKER_EMBEDDED: 'true',
      // The CLI's config (the same registries, no credentials needed for the open one).
      DOCKER_CONFIG: env.dockerConfigDir,
      // The fan-out run opens 100 graphql-ws connections with the bench's one token; the
      // per-token limits (issue 8) are not what this bench measures.
      WS_MAX_CONNECTIONS_PER_TOKEN: '1000',
      RATE_LIMIT_QUERIES: '0',
      RATE_LIMIT_MUTATIONS: '0',
    },
    readyTimeoutSeconds: settings.readyTimeoutSeconds,
    required: true,
    note: 'embedded worker',
  });

  const context: Context = {
    env,
    api,
    token,
    events,
    queue,
    settings,
    problems,
    notes,
    notInterrupted: bench.notInterrupted,
  };
  const ws = await connectGraphqlWs(api.baseUrl, token);
  bench.onStop(() => ws.close());

  const scenario = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    bench.notInterrupted();
    try {
      return await run();
    } catch (error) {
      if (bench.isInterrupted()) throw error;
      problems.push(`${name}: NOT MEASURED: ${(error as Error).message}`);
      log(`${name} failed: ${(error as Error).stack ?? String(error)}`);
      return undefined;
    }
  };
  const registryBytes = await manifestBytes(env, large);
  const pull = await scenario('1. pull', () => measurePulls(context, ws, large, registryBytes));
  const activation = await scenario('2. activation', () => measureActivation(context, multiTag));
  const progress: ProgressRun[] = [];
  const counts = [settings.subscribers, settings.referenceSubscribers].filter((count) => count > 0);
  for (const [index, subscribers] of counts.entries()) {
    const run = await scenario(`3. progress, ${subscribers} subscribers`, () =>
      measureProgress(context, large, registryBytes, subscribers, index === 0),
    );
    if (run) progress.push(run);
  }

  if (api.exitStatus() !== undefined) {
    problems.push(`the api ${api.exitStatus()} during the run`);
    log(`api output:\n${api.outputTail()}`);
  }

  return {
    report: ({ totalSeconds }: { totalSeconds: number }): JobsReport => ({
      generatedAt: new Date().toISOString(),
      machine: bench.machine,
      settings: { ...settings },
      api: { readyMs: readiness.readyMs },
      pull,
      activation,
      progress,
      problems,
      notes,
      totalSeconds,
    }),
    markdown: jobsMarkdown,
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Pull through Stevedore vs the CLI

async function measurePulls(
  context: Context,
  ws: WsConnection,
  large: FixtureImage,
  bytes: number,
): Promise<PullResult> {
  const { env, settings } = context;
  const ref = large.registries.open.ref;
  const runs: PullRun[] = [];
  const timeoutMs = settings.jobTimeoutSeconds * 1000;
  log(
    `1. pull ${ref} (${(bytes / 1e6).toFixed(1)} MB): ${settings.pullWarmup} warm-up + ${settings.pullRuns} rounds`,
  );
  for (let round = 1 - settings.pullWarmup; round <= settings.pullRuns; round += 1) {
    // Alternate which side goes first, so neither always follows the other.
    const order: PullRun['side'][] = round % 2 === 0 ? ['stevedore', 'cli'] : ['cli', 'stevedore'];
    for (const side of order) {
      context.notInterrupted();
      await removeImage(env, large);
      await sleep(settings.settleMs);
      const run =
        side === 'cli'
          ? await pullWithCli(env, ref, large.id, timeoutMs)
          : await pullWithStevedore(context, ws, ref, large.id, timeoutMs);
      const recorded = { ...run, round: Math.max(0, round) };
      runs.push(recorded);
      log(
        `  ${round <= 0 ? 'warm-up' : `round ${round}`} ${side}: ` +
          (run.ms !== undefined ? ms(run.ms) : `FAILED: ${run.failure}`) +
          (side === 'stevedore' && run.ms !== undefined
            ? ` (queued ${ms(run.queuedMs)}, worker ${ms(run.runningMs)}, relay ${ms(run.relayMs)})`
            : ''),
      );
      if (run.failure) context.problems.push(`1. ${side} pull, round ${recorded.round}: ${run.failure}`);
    }
  }
  const measured = (side: PullRun['side']) =>
    runs.filter((run) => run.round > 0 && run.side === side && run.ms !== undefined).map((run) => run.ms!);
  const stevedoreMedianMs = median(measured('stevedore'));
  const cliMedianMs = median(measured('cli'));
  const ratio =
    stevedoreMedianMs !== undefined && cliMedianMs !== undefined
      ? Math.round((stevedoreMedianMs / cliMedianMs) * 1000) / 1000
      : undefined;
  const complete =
    measured('stevedore').length === settings.pullRuns && measured('cli').length === settings.pullRuns;
  return {
    ref,
    imageId: large.id,
    layers: large.layers.length,
    bytes,
    method:
      'Before each pull: `docker image rm --force <id>` (the image is gone, and `large` shares no layer with ' +
      `another image), then ${context.settings.settleMs} ms of quiet. CLI: \`docker pull <ref>\` spawned → exited. ` +
      'Stevedore: `pullImage` sent → `COMPLETED` arriving on `jobProgress`, subscribed on an open graphql-ws ' +
      'connection right after the mutation answered (the subscription emits the current job first, so nothing ' +
      'is missed). Rounds alternate which side goes first. Queued/running are BullMQ timestamps; relay is ' +
      "COMPLETED's arrival − BullMQ finishedOn (the api refreshes its catalogue before relaying COMPLETED).",
    runs,
    stevedoreMedianMs,
    cliMedianMs,
    ratio,
    maxRatio: MAX_PULL_RATIO,
    met: ratio !== undefined && complete ? ratio <= MAX_PULL_RATIO : undefined,
  };
}

async function pullWithCli(
  env: StartedTestEnvironment,
  ref: string,
  imageId: string,
  timeoutMs: number,
): Promise<Omit<PullRun, 'round'>> {
  const startedAt = performance.now();
  try {
    await runDocker(env, ['pull', ref], { timeoutMs });
  } catch (error) {
    return { side: 'cli', failure: firstLine(error) };
  }
  const elapsed = performance.now() - startedAt;
  const id = await imageIdOf(env, ref);
  if (id !== imageId)
    return { side: 'cli', ms: elapsed, failure: `pulled ${ref} is ${id}, expected ${imageId}` };
  return { side: 'cli', ms: elapsed };
}

async function pullWithStevedore(
  context: Context,
  ws: WsConnection,
  ref: string,
  imageId: string,
  timeoutMs: number,
): Promise<Omit<PullRun, 'round'>> {
  const startedAt = performance.now();
  const answer = await postGraphql<{ pullImage: JobView }>(
    context.api.baseUrl,
    context.token,
    PULL_MUTATION,
    {
      input: { ref },
    },
  );
  const mutationMs = performance.now() - startedAt;
  const jobId = answer.data?.pullImage?.id;
  if (!jobId)
    return { side: 'stevedore', failure: `pullImage: ${errorText(answer.errors) || answer.status}` };
  let finalMessage: ProgressMessage | undefined;
  let markFinal!: () => void;
  const final = new Promise<void>((resolve) => (markFinal = resolve));
  const subscription = recordSubscription<{ jobProgress: JobView }>(
    ws,
    JOB_PROGRESS_SUBSCRIPTION,
    { id: jobId },
    (message) => {
      if (!finalMessage && FINAL_STATES.has(message.data.jobProgress.state)) {
        finalMessage = message;
        markFinal();
      }
    },
  );
  try {
    const outcome = await Promise.race([
      final.then(() => 'final' as const),
      subscription.ended.then(() => 'ended' as const),
      unrefSleep(timeoutMs).then(() => 'timeout' as const),
    ]);
    const base = {
      side: 'stevedore' as const,
      jobId,
      mutationMs,
      progressMessages: subscription.messages.length,
    };
    if (!finalMessage) {
      const last = subscription.messages.at(-1)?.data.jobProgress;
      const why =
        outcome === 'timeout'
          ? `no final state on jobProgress within ${timeoutMs / 1000} s`
          : `jobProgress ended before a final state (errors: ${subscription.errors.join('; ') || 'none'})`;
      return {
        ...base,
        failure: `${why}; last message: ${last ? `${last.state} ${last.progress?.percent}%` : 'none'}`,
      };
    }
    const elapsed = finalMessage.mono - startedAt;
    // The subscription must end by itself after the final state.
    await Promise.race([subscription.ended, unrefSleep(2_000)]);
    const bull = await context.queue.getJob(jobId);
    const timing = bull
      ? {
          queuedMs: diff(bull.processedOn, bull.timestamp),
          runningMs: diff(bull.finishedOn, bull.processedOn),
          relayMs: diff(finalMessage.at, bull.finishedOn),
        }
      : {};
    const job = finalMessage.data.jobProgress;
    const subscriptionCompleted = subscription.completedAt() !== undefined;
    const failures: string[] = [];
    if (job.state !== 'COMPLETED')
      failures.push(`job ${jobId} ended ${job.state}: ${job.error?.code} ${job.error?.message}`);
    else if (job.imageId !== imageId)
      failures.push(`job ${jobId} reports imageId ${job.imageId}, expected ${imageId}`);
    if (!subscriptionCompleted)
      failures.push(`jobProgress(${jobId}) did not complete within 2 s of ${job.state}`);
    if (job.attempts !== 1) context.notes.push(`1. pull job ${jobId} took ${job.attempts} attempts`);
    return {
      ...base,
      ...timing,
      ms: elapsed,
      subscriptionCompleted,
      failure: failures.length > 0 ? failures.join('; ') : undefined,
    };
  } finally {
    subscription.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. pullImage answered → ACTIVE

async function measureActivation(context: Context, multiTag: FixtureImage): Promise<ActivationResult> {
  const { settings } = context;
  const ref =
    multiTag.registries.open.refs.find((candidate) => candidate.endsWith(':1')) ??
    multiTag.registries.open.ref;
  log(`2. activation: ${settings.activeWarmup} warm-up + 2 × ${settings.activeJobs} re-pulls of ${ref}`);
  for (let index = 0; index < settings.activeWarmup; index += 1) {
    await activationJob(context, ref, false);
    await sleep(settings.activeGapMs);
  }
  const phases: ActivationPhase[] = [];
  for (const observed of ['none', 'poll'] as const) {
    const samples: ActivationSample[] = [];
    const failures: string[] = [];
    let previousId: string | undefined;
    for (let index = 0; index < settings.activeJobs; index += 1) {
      context.notInterrupted();
      try {
        const sample = await activationJob(context, ref, observed === 'poll');
        if (sample.jobId === previousId)
          failures.push(`pullImage answered the previous job ${sample.jobId} again`);
        previousId = sample.jobId;
        if (sample.state !== 'COMPLETED') failures.push(`job ${sample.jobId} ended ${sample.state}`);
        samples.push(sample);
      } catch (error) {
        failures.push((error as Error).message);
        if (failures.length >= 5) break;
      }
      await sleep(settings.activeGapMs);
    }
    const pick = (key: keyof ActivationSample) =>
      samples.map((sample) => sample[key]).filter((value): value is number => typeof value === 'number');
    const phase: ActivationPhase = {
      label: observed === 'none' ? 'unobserved' : 'polled',
      observed,
      samples,
      failures,
      serverMs: stats(pick('serverMs')),
      fromAnswerMs: stats(pick('fromAnswerMs')),
      redisMs: stats(pick('redisMs')),
      clientPollMs: observed === 'poll' ? stats(pick('clientPollMs')) : undefined,
      firstPollSawActive:
        observed === 'poll' ? samples.filter((sample) => sample.polls === 1).length : undefined,
      mutationMs: stats(pick('mutationMs')),
    };
    phases.push(phase);
    for (const failure of failures) context.problems.push(`2. ${phase.label}: ${failure}`);
    log(
      `  ${phase.label}: processedOn − timestamp p50 ${ms(phase.serverMs.p50)}, p95 ${ms(phase.serverMs.p95)}; ` +
        `from the answer p50 ${ms(phase.fromAnswerMs.p50)}` +
        (phase.clientPollMs ? `; first poll showing ACTIVE p50 ${ms(phase.clientPollMs.p50)}` : ''),
    );
  }
  const primary = phases[0]!;
  return {
    ref,
    warmupJobs: settings.activeWarmup,
    phases,
    maxP50Ms: MAX_ACTIVATION_P50_MS,
    met:
      primary.serverMs.n === settings.activeJobs && primary.failures.length === 0
        ? primary.serverMs.p50 < MAX_ACTIVATION_P50_MS
        : undefined,
  };
}

/** One re-pull, waited for on the Redis events stream (so the api sees no extra request). */
async function activationJob(context: Context, ref: string, poll: boolean): Promise<ActivationSample> {
  const { api, token, events, queue, settings } = context;
  const startedAt = performance.now();
  const answer = await postGraphql<{ pullImage: JobView }>(api.baseUrl, token, PULL_MUTATION, {
    input: { ref },
  });
  const answeredAt = performance.now();
  const answeredWall = Date.now();
  const jobId = answer.data?.pullImage?.id;
  if (!jobId) throw new Error(`pullImage: ${errorText(answer.errors) || answer.status}`);
  let clientPollMs: number | undefined;
  let polls: number | undefined;
  if (poll) {
    for (let count = 1; ; count += 1) {
      const pollStarted = performance.now();
      const seen = await postGraphql<{ job: JobView | null }>(api.baseUrl, token, JOB_STATE_QUERY, {
        id: jobId,
      });
      const state = seen.data?.job?.state;
      if (!state) throw new Error(`job(${jobId}): ${errorText(seen.errors) || 'null'}`);
      if (state !== 'QUEUED') {
        clientPollMs = performance.now() - answeredAt;
        polls = count;
        break;
      }
      if (performance.now() - answeredAt > settings.jobTimeoutSeconds * 1000)
        throw new Error(`job ${jobId} still QUEUED after ${settings.jobTimeoutSeconds} s`);
      await sleep(Math.max(0, POLL_INTERVAL_MS - (performance.now() - pollStarted)));
    }
  }
  const finished = await events.waitFor(
    (event) => event.jobId === jobId && (event.event === 'completed' || event.event === 'failed'),
    settings.jobTimeoutSeconds * 1000,
  );
  const bull = await queue.getJob(jobId);
  const added = events.ofJob(jobId, 'added')[0];
  const active = events.ofJob(jobId, 'active')[0];
  return {
    jobId,
    state:
      finished.event === 'completed' ? 'COMPLETED' : `FAILED (${finished.fields['failedReason'] ?? '?'})`,
    mutationMs: answeredAt - startedAt,
    serverMs: diff(bull?.processedOn, bull?.timestamp),
    fromAnswerMs: diff(bull?.processedOn, answeredWall),
    redisMs: active && added ? active.writtenAt - added.writtenAt : undefined,
    clientPollMs,
    polls,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Progress latency

async function measureProgress(
  context: Context,
  large: FixtureImage,
  bytes: number,
  subscribers: number,
  isTarget: boolean,
): Promise<ProgressRun> {
  const { env, api, token, events, settings } = context;
  const bytesPerSecond = bytes / settings.slowPullSeconds;
  await removeImage(env, large);
  await sleep(settings.settleMs);
  const registryPort = Number(env.registries.open.host.split(':').at(-1));
  const proxy = await startThrottledProxy({
    target: { host: '127.0.0.1', port: registryPort },
    bytesPerSecond,
  });
  const repository = large.registries.open.repository.slice(env.registries.open.host.length + 1);
  const ref = `${proxy.host}/${repository}:${large.tags[0]}`;
  log(
    `3. progress, ${subscribers} subscriber(s): pulling ${ref} at ${(bytesPerSecond / 1e6).toFixed(2)} MB/s ` +
      `(~${settings.slowPullSeconds} s)`,
  );
  const connections: WsConnection[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  const base = {
    subscribers,
    ref,
    bytesPerSecond: Math.round(bytesPerSecond),
    maxP95Ms: isTarget ? MAX_PROGRESS_P95_MS : undefined,
  };
  try {
    connections.push(
      ...(await Promise.all(Array.from({ length: subscribers }, () => connectGraphqlWs(api.baseUrl, token)))),
    );
    loopDelay.enable();
    const startedAt = performance.now();
    const answer = await postGraphql<{ pullImage: JobView }>(api.baseUrl, token, PULL_MUTATION, {
      input: { ref },
    });
    const jobId = answer.data?.pullImage?.id;
    if (!jobId) throw new Error(`pullImage: ${errorText(answer.errors) || answer.status}`);
    const subscriptions = connections.map((connection) =>
      recordSubscription<{ jobProgress: JobView }>(connection, JOB_PROGRESS_SUBSCRIPTION, { id: jobId }),
    );
    const timeoutMs = settings.jobTimeoutSeconds * 1000;
    const allEnded = await Promise.race([
      Promise.all(subscriptions.map((subscription) => subscription.ended)).then(() => true),
      unrefSleep(timeoutMs).then(() => false),
    ]);
    const pullMs = performance.now() - startedAt;
    loopDelay.disable();
    for (const subscription of subscriptions) subscription.stop();

    const finalStates: Record<string, number> = {};
    for (const subscription of subscriptions) {
      const state = subscription.messages.at(-1)?.data.jobProgress.state ?? 'no message';
      finalStates[state] = (finalStates[state] ?? 0) + 1;
    }
    const subscriptionsCompleted = subscriptions.filter((s) => s.completedAt() !== undefined).length;
    const subscriptionErrors = [...new Set(subscriptions.flatMap((subscription) => subscription.errors))];
    const failures: string[] = [];
    if (!allEnded) failures.push(`not every jobProgress subscription ended within ${timeoutMs / 1000} s`);
    if (subscriptionsCompleted < subscribers)
      failures.push(
        `${subscribers - subscriptionsCompleted} of ${subscribers} subscriptions never completed`,
      );
    if (subscriptionErrors.length > 0)
      failures.push(`subscription errors: ${subscriptionErrors.slice(0, 3).join('; ')}`);
    if (finalStates['COMPLETED'] !== subscribers)
      failures.push(`final states seen by the subscribers: ${JSON.stringify(finalStates)}`);

    const analysis = analyseProgress(
      events,
      jobId,
      subscriptions.map((s) => s.messages),
    );
    if (analysis.progressEvents < 20)
      failures.push(`only ${analysis.progressEvents} progress updates were written: too few to measure`);
    if (analysis.latencies.length === 0) failures.push('no progress value reached a subscriber');
    for (const failure of failures) context.problems.push(`3. ${subscribers} subscriber(s): ${failure}`);
    const latencyMs = stats(analysis.latencies);
    // The histogram counts the sampling interval itself: what is beyond it is the loop's delay.
    const histogram = (value: number) =>
      Math.max(0, Math.round(value / 1e4) / 100 - LOOP_DELAY_RESOLUTION_MS);
    const run: ProgressRun = {
      ...base,
      jobId,
      pullMs,
      finalStates,
      progressEvents: analysis.progressEvents,
      latencyMs,
      firstSubscriberMs: stats(analysis.firstArrivals),
      lastSubscriberMs: stats(analysis.lastArrivals),
      benchReaderMs: stats(analysis.readerLags),
      delivered: analysis.delivered,
      unmatchedMessages: analysis.unmatched,
      subscriptionsCompleted,
      subscriptionErrors,
      benchEventLoopDelayMs: {
        p50: histogram(loopDelay.percentile(50)),
        p99: histogram(loopDelay.percentile(99)),
        max: histogram(loopDelay.max),
      },
      met: isTarget && failures.length === 0 ? latencyMs.p95 < MAX_PROGRESS_P95_MS : undefined,
      failure: failures[0],
    };
    log(
      `  ${analysis.progressEvents} updates written, ${latencyMs.n} samples: p50 ${ms(latencyMs.p50)}, ` +
        `p95 ${ms(latencyMs.p95)}, max ${ms(latencyMs.max)}; pull ${ms(pullMs)}; ` +
        `${subscriptionsCompleted}/${subscribers} subscriptions completed`,
    );
    return run;
  } finally {
    loopDelay.disable();
    await Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));
    await proxy.close();
  }
}

/**
 * Matches what the subscribers received with what the worker wrote, by content: the api re-reads
 * the job on each event, so a message carries the progress stored at that moment, which is the
 * data of one `progress` entry of the events stream. A message's latency is its arrival minus
 * that entry's time. Per subscriber, only the first arrival of each distinct value counts, and
 * never its first message (the job as it was when it subscribed).
 */
function analyseProgress(events: QueueEventLog, jobId: string, perSubscriber: readonly ProgressMessage[][]) {
  const written = events.ofJob(jobId, 'progress');
  const byKey = new Map<string, QueueStreamEvent>();
  for (const event of written) {
    const key = event.data ? progressKey(JSON.parse(event.data) as ProgressView) : '';
    if (!byKey.has(key)) byKey.set(key, event);
  }
  const latencies: number[] = [];
  const arrivals = new Map<string, number[]>();
  let unmatched = 0;
  let expected = 0;
  let received = 0;
  const liveTimes: number[] = [];
  for (const messages of perSubscriber) {
    const first = messages[0];
    if (!first) continue;
    const liveAt = first.at;
    liveTimes.push(liveAt);
    const seen = new Set<string>();
    if (first.data.jobProgress.progress) seen.add(progressKey(first.data.jobProgress.progress));
    for (const message of messages.slice(1)) {
      const job = message.data.jobProgress;
      if (job.state !== 'ACTIVE' || !job.progress) continue;
      const key = progressKey(job.progress);
      if (seen.has(key)) continue;
      seen.add(key);
      const event = byKey.get(key);
      if (!event) {
        unmatched += 1;
        continue;
      }
      latencies.push(message.at - event.writtenAt);
      const list = arrivals.get(key) ?? [];
      list.push(message.at);
      arrivals.set(key, list);
    }
    for (const [key, event] of byKey) {
      if (event.writtenAt <= liveAt) continue;
      expected += 1;
      if (seen.has(key)) received += 1;
    }
  }
  const firstArrivals: number[] = [];
  const lastArrivals: number[] = [];
  for (const [key, event] of byKey) {
    const live = liveTimes.filter((liveAt) => liveAt < event.writtenAt).length;
    const got = arrivals.get(key) ?? [];
    if (got.length > 0) firstArrivals.push(Math.min(...got) - event.writtenAt);
    if (live > 0 && got.length >= live) lastArrivals.push(Math.max(...got) - event.writtenAt);
  }
  return {
    progressEvents: written.length,
    latencies,
    firstArrivals,
    lastArrivals,
    readerLags: written.map((event) => event.readAt - event.writtenAt),
    delivered: { received, expected },
    unmatched,
  };
}

function progressKey(progress: ProgressView): string {
  return JSON.stringify([
    progress.percent,
    progress.currentBytes,
    progress.totalBytes,
    progress.message ?? null,
    (progress.layers ?? []).map((layer) => [layer.id, layer.status, layer.current, layer.total]),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Daemon and registry helpers

/**
 * Removes the image by id (every tag of it, and the untagged parents the legacy builder left),
 * then checks that the next pull starts clean: the image is gone and no image left on the daemon
 * holds one of its layers.
 */
async function removeImage(env: StartedTestEnvironment, image: FixtureImage): Promise<void> {
  await runDocker(env, ['image', 'rm', '--force', image.id]).catch(() => undefined);
  const ids = (await runDocker(env, ['image', 'ls', '--all', '--quiet', '--no-trunc'])).stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (ids.includes(image.id))
    throw new Error(`image ${image.id} is still present after docker image rm --force`);
  if (ids.length === 0) return;
  const { stdout } = await runDocker(env, [
    'image',
    'inspect',
    '--format',
    '{{json .RootFS.Layers}}',
    ...new Set(ids),
  ]);
  const held = new Set(
    stdout.split('\n').flatMap((line) => (line.trim() ? (JSON.parse(line) as string[]) : [])),
  );
  const shared = image.layers.filter((layer) => held.has(layer));
  if (shared.length > 0) {
    throw new Error(
      `${shared.length} of ${image.ref}'s layers are still held by other images: a pull would not be clean`,
    );
  }
}

async function imageIdOf(env: StartedTestEnvironment, ref: string): Promise<string | undefined> {
  try {
    return (await runDocker(env, ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
  } catch {
    return undefined;
  }
}

/** Bytes a pull downloads: the manifest's config and layer sizes (compressed). */
async function manifestBytes(env: StartedTestEnvironment, image: FixtureImage): Promise<number> {
  const repository = image.registries.open.repository.slice(env.registries.open.host.length + 1);
  const response = await fetch(`${env.registries.open.url}/v2/${repository}/manifests/${image.tags[0]}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  if (!response.ok) throw new Error(`registry manifest of ${repository}: HTTP ${response.status}`);
  const manifest = (await response.json()) as { config: { size: number }; layers: { size: number }[] };
  return manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

/** A timeout for Promise.race that does not keep the process alive once the race is over. */
function unrefSleep(delayMs: number): Promise<void> {
  return sleep(delayMs, undefined, { ref: false });
}

function diff(later: number | undefined, earlier: number | undefined): number | undefined {
  return later === undefined || earlier === undefined || !later || !earlier ? undefined : later - earlier;
}

function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n').slice(0, 3).join(' | ');
}

await runBench({
  name: 'jobs',
  logTag: 'bench:jobs',
  npmScript: 'npm run bench:jobs',
  settings: readSettings,
  run,
});
