import { summarize } from './load.js';
import type { MachineDescription } from './machine.js';
import { fixed, ms } from './report.js';

/** Exact percentiles (nearest rank) of a set of milliseconds, with how many there were. */
export interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats {
  const summary = summarize(values);
  const r = (value: number) => Math.round(value * 100) / 100;
  return {
    n: values.length,
    p50: r(summary.p50),
    p95: r(summary.p95),
    p99: r(summary.p99),
    mean: r(summary.mean),
    min: r(summary.min),
    max: r(summary.max),
  };
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// 1. Pull through Stevedore vs the CLI

export interface PullRun {
  /** 1..runs; 0 for a warm-up run, whose time is kept apart. */
  readonly round: number;
  readonly side: 'stevedore' | 'cli';
  readonly ms?: number;
  readonly failure?: string;
  readonly jobId?: string;
  /** The pullImage mutation's round trip. */
  readonly mutationMs?: number;
  /** BullMQ: processedOn − timestamp (created → taken by the worker). */
  readonly queuedMs?: number;
  /** BullMQ: finishedOn − processedOn (the worker's pull, inspect and completion). */
  readonly runningMs?: number;
  /** COMPLETED arriving on jobProgress − BullMQ finishedOn (the relay, including the catalogue refresh). */
  readonly relayMs?: number;
  readonly progressMessages?: number;
  /** The server completed the jobProgress subscription after COMPLETED. */
  readonly subscriptionCompleted?: boolean;
}

export interface PullResult {
  readonly ref: string;
  readonly imageId: string;
  readonly layers: number;
  /** Compressed bytes the registry serves (manifest: config + layers). */
  readonly bytes: number;
  readonly method: string;
  readonly runs: readonly PullRun[];
  readonly stevedoreMedianMs?: number;
  readonly cliMedianMs?: number;
  readonly ratio?: number;
  readonly maxRatio: number;
  readonly met?: boolean;
}

// ---------------------------------------------------------------------------------------------
// 2. pullImage answered → ACTIVE

export interface ActivationSample {
  readonly jobId: string;
  readonly state: string;
  readonly mutationMs: number;
  /** BullMQ processedOn − timestamp, both stamped by the api process. */
  readonly serverMs?: number;
  /** BullMQ processedOn − Date.now() when the bench had the mutation's answer (negative: active first). */
  readonly fromAnswerMs?: number;
  /** Redis stream: the job's `active` entry − its `added` entry (Redis clock, whole ms). */
  readonly redisMs?: number;
  /** First job(id) answer showing ACTIVE or later − the mutation's answer (polled every 10 ms). */
  readonly clientPollMs?: number;
  /** How many job(id) polls that took (1: the first poll already saw it). */
  readonly polls?: number;
}

export interface ActivationPhase {
  readonly label: string;
  /** none: the bench waits on the Redis events stream only; poll: it also polls job(id). */
  readonly observed: 'none' | 'poll';
  readonly samples: readonly ActivationSample[];
  readonly failures: readonly string[];
  readonly serverMs: Stats;
  readonly fromAnswerMs: Stats;
  readonly redisMs: Stats;
  readonly clientPollMs?: Stats;
  /** Jobs whose very first job(id) poll, sent as the mutation answered, already showed ACTIVE or later. */
  readonly firstPollSawActive?: number;
  readonly mutationMs: Stats;
}

export interface ActivationResult {
  readonly ref: string;
  readonly warmupJobs: number;
  readonly phases: readonly ActivationPhase[];
  readonly maxP50Ms: number;
  /** Of the unobserved phase's server-side p50. */
  readonly met?: boolean;
}

// ---------------------------------------------------------------------------------------------
// 3. Progress latency with many subscribers

export interface ProgressRun {
  readonly subscribers: number;
  readonly ref: string;
  readonly jobId?: string;
  readonly bytesPerSecond: number;
  /** Mutation sent → the last subscription ended. */
  readonly pullMs?: number;
  readonly finalStates: Readonly<Record<string, number>>;
  /** `progress` entries the worker wrote for the job. */
  readonly progressEvents: number;
  /** Latency samples: each distinct progress value's first arrival at each subscriber. */
  readonly latencyMs: Stats;
  /** Per progress value: its first arrival at any subscriber. */
  readonly firstSubscriberMs: Stats;
  /** Per progress value received by every subscriber live when it was written: its last arrival. */
  readonly lastSubscriberMs: Stats;
  /** The bench's own XREAD of the same entries: read − written (a floor, and a clock sanity check). */
  readonly benchReaderMs: Stats;
  /** Values written after a subscriber was live that it received, over all it could have. */
  readonly delivered: { readonly received: number; readonly expected: number };
  readonly unmatchedMessages: number;
  readonly subscriptionsCompleted: number;
  readonly subscriptionErrors: readonly string[];
  /**
   * monitorEventLoopDelay of the bench process (which hosts every subscriber, the proxy and the
   * events reader) during the run, beyond its sampling interval: how late the bench itself may
   * have noticed an arrival.
   */
  readonly benchEventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly maxP95Ms?: number;
  readonly met?: boolean;
  readonly failure?: string;
}

export interface JobsReport {
  readonly generatedAt: string;
  readonly machine: MachineDescription;
  readonly settings: Record<string, number>;
  readonly api?: { readonly readyMs?: number };
  readonly pull?: PullResult;
  readonly activation?: ActivationResult;
  readonly progress: readonly ProgressRun[];
  readonly problems: readonly string[];
  readonly notes: readonly string[];
  readonly totalSeconds: number;
}

const loadText = (value: unknown) => (Array.isArray(value) ? fixed(Number(value[0]), 2) : 'n/a');
const yesNo = (met: boolean | undefined) => (met === undefined ? '—' : met ? 'yes' : '**no**');
const msText = (value: number | undefined) => (value === undefined ? 'n/a' : `${fixed(value, 1)} ms`);

export function jobsMarkdown(report: JobsReport): string {
  const { pull, activation, progress } = report;
  const out: string[] = ['', '## Jobs benchmark (issue 4)', ''];

  out.push('| target | measured | goal | met |', '| --- | --- | --- | --- |');
  if (pull) {
    const measured =
      pull.ratio !== undefined
        ? `${fixed(pull.ratio, 2)} × (${ms(pull.stevedoreMedianMs)} / ${ms(pull.cliMedianMs)})`
        : 'not measured';
    out.push(
      `| 1. pull \`large\` (${fixed(pull.bytes / 1e6, 1)} MB) through Stevedore / \`docker pull\`, ` +
        `median of ${pull.runs.filter((run) => run.round > 0 && run.side === 'cli').length} | ${measured} | ` +
        `≤ ${fixed(pull.maxRatio, 2)} | ${yesNo(pull.met)} |`,
    );
  }
  if (activation) {
    const primary = activation.phases[0];
    const measured = primary?.serverMs.n
      ? `p50 ${msText(primary.serverMs.p50)}, p95 ${msText(primary.serverMs.p95)} (${primary.serverMs.n} jobs)`
      : 'not measured';
    out.push(
      `| 2. \`pullImage\` answered → ACTIVE (BullMQ processedOn − timestamp, an upper bound) | ${measured} | ` +
        `p50 < ${activation.maxP50Ms} ms | ${yesNo(activation.met)} |`,
    );
  }
  for (const run of progress.filter((run) => run.maxP95Ms !== undefined)) {
    const measured = run.latencyMs.n
      ? `p95 ${msText(run.latencyMs.p95)}, p50 ${msText(run.latencyMs.p50)} (${run.latencyMs.n} samples)`
      : `not measured${run.failure ? `: ${run.failure}` : ''}`;
    out.push(
      `| 3. progress: worker's write → graphql-ws subscriber, ${run.subscribers} subscribers | ${measured} | ` +
        `p95 < ${run.maxP95Ms} ms | ${yesNo(run.met)} |`,
    );
  }

  if (pull) {
    out.push(
      '',
      `### 1. Pull of \`${pull.ref}\` (${pull.layers} layers, ${fixed(pull.bytes / 1e6, 1)} MB), from a clean daemon`,
      '',
      pull.method,
      '',
      '| round | `docker pull` | Stevedore | Stevedore / CLI | mutation | queued | running (worker) | relay to subscriber | progress msgs |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const rounds = [...new Set(pull.runs.map((run) => run.round))].sort((a, b) => a - b);
    for (const round of rounds) {
      const cli = pull.runs.find((run) => run.round === round && run.side === 'cli');
      const sd = pull.runs.find((run) => run.round === round && run.side === 'stevedore');
      const time = (run?: PullRun) =>
        run?.ms !== undefined ? ms(run.ms) : `failed${run ? '' : ' (not run)'}`;
      const ratio = cli?.ms && sd?.ms ? fixed(sd.ms / cli.ms, 2) : '';
      out.push(
        `| ${round === 0 ? 'warm-up' : round} | ${time(cli)} | ${time(sd)} | ${ratio} | ${msText(sd?.mutationMs)} | ` +
          `${msText(sd?.queuedMs)} | ${ms(sd?.runningMs)} | ${msText(sd?.relayMs)} | ${sd?.progressMessages ?? ''} |`,
      );
    }
    out.push(
      `| **median** | **${ms(pull.cliMedianMs)}** | **${ms(pull.stevedoreMedianMs)}** | ` +
        `**${pull.ratio !== undefined ? fixed(pull.ratio, 2) : 'n/a'}** | | | | | |`,
    );
  }

  if (activation) {
    out.push(
      '',
      `### 2. \`pullImage\` answered → job ACTIVE: re-pulls of \`${activation.ref}\` (already local), one at a time`,
      '',
      '| view | jobs | p50 | p95 | p99 | min | max |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const row = (label: string, s?: Stats) =>
      s && s.n > 0
        ? `| ${label} | ${s.n} | ${fixed(s.p50)} | ${fixed(s.p95)} | ${fixed(s.p99)} | ${fixed(s.min)} | ${fixed(s.max)} |`
        : `| ${label} | 0 | | | | | |`;
    for (const phase of activation.phases) {
      const tag = `${phase.label}:`;
      out.push(
        row(`${tag} **BullMQ processedOn − timestamp** (api clock)`, phase.serverMs),
        row(`${tag} Redis stream \`active\` − \`added\` entry (Redis clock, whole ms)`, phase.redisMs),
        row(`${tag} processedOn − bench had the answer (negative: ACTIVE first)`, phase.fromAnswerMs),
      );
      if (phase.clientPollMs) {
        out.push(
          row(`${tag} first \`job(id)\` poll showing ≥ ACTIVE − answer (10 ms polls)`, phase.clientPollMs),
        );
      }
      out.push(row(`${tag} \`pullImage\` mutation round trip`, phase.mutationMs));
    }
    const polled = activation.phases.find((phase) => phase.observed === 'poll');
    out.push(
      '',
      'Latencies in ms. Each job is queued once the previous one has finished (waited for on the Redis events ' +
        'stream, so the api serves nothing but the mutation). **processedOn − timestamp**: both stamped by the api ' +
        'process, `timestamp` as it creates the job just before the Redis call that queues it, `processedOn` as its ' +
        'embedded worker takes it; the answer leaves after `timestamp`, so this bounds "answered → ACTIVE" from ' +
        "above. The Redis-stream view is the same span on Redis's clock. processedOn − answer compares with the " +
        "bench's clock (same host): negative when the worker had the job before the client had the answer." +
        (polled
          ? ' In the polled phase the bench also sends `job(id) { state }` every 10 ms from the answer; the first ' +
            `poll already showed ACTIVE or later for ${polled.firstPollSawActive ?? 0} of ${polled.samples.length} ` +
            "jobs, so that view is mostly one query's round trip."
          : ''),
    );
  }

  if (progress.length > 0) {
    out.push(
      '',
      '### 3. Progress latency: `progress` entry written to Redis by the worker → the value arriving at a `jobProgress` subscriber',
      '',
      '| subscribers | pull | updates written | samples | p50 | p95 | p99 | max | first subscriber p50 / p95 | last subscriber p50 / p95 | delivered | subscriptions completed | bench XREAD p50 / p95 | bench loop delay p99 / max |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const run of progress) {
      const l = run.latencyMs;
      const delivered = run.delivered.expected
        ? `${fixed((100 * run.delivered.received) / run.delivered.expected, 1)} %`
        : 'n/a';
      out.push(
        `| ${run.subscribers} | ${ms(run.pullMs)} | ${run.progressEvents} | ${l.n} | ${fixed(l.p50)} | ${fixed(l.p95)} | ` +
          `${fixed(l.p99)} | ${fixed(l.max)} | ${fixed(run.firstSubscriberMs.p50)} / ${fixed(run.firstSubscriberMs.p95)} | ` +
          `${fixed(run.lastSubscriberMs.p50)} / ${fixed(run.lastSubscriberMs.p95)} | ` +
          `${delivered} | ${run.subscriptionsCompleted} / ${run.subscribers} | ` +
          `${fixed(run.benchReaderMs.p50)} / ${fixed(run.benchReaderMs.p95)} | ` +
          `${fixed(run.benchEventLoopDelayMs.p99)} / ${fixed(run.benchEventLoopDelayMs.max)} |`,
      );
    }
    out.push(
      '',
      `Latencies in ms. Pulls of \`large\` from a clean daemon through a TCP proxy limited to ` +
        `${fixed((progress[0]?.bytesPerSecond ?? 0) / 1e6, 2)} MB/s. The job's \`progress\` entries in BullMQ's ` +
        "events stream are what the worker's job.updateProgress wrote (at most one per 100 ms); an entry's id is " +
        "the Redis server's clock in ms, on the same host as the subscribers' Date.now(), so latencies are whole " +
        "ms ± 1. A subscriber's message is matched with the entry of the same progress (percent, bytes, message, " +
        'layers); per subscriber only the first arrival of each value counts, never its first message (the job as ' +
        'it was when it subscribed). Every subscriber is its own graphql-ws connection from the bench process, ' +
        'opened before the mutation and subscribed right after its answer. First/last subscriber: per value, its ' +
        'earliest and latest arrival. Delivered: values written after a subscriber was live that it received (the ' +
        "api re-reads the job on each event, so a newer value can stand in for one). Bench XREAD: the bench's own " +
        'blocking read of the same entries, a floor for any reader.',
    );
  }

  out.push(
    '',
    `Whole run ${fixed(report.totalSeconds, 0)} s on ${String(report.machine.cpus)} CPUs, dockerd ` +
      `${String(report.machine.dockerVersion)} (${String(report.machine.storageDriver)}); api ready after ` +
      `${ms(report.api?.readyMs)}; load average (1 min) ${loadText(report.machine.loadAverageAtStart)} at the ` +
      `start, ${loadText(report.machine.loadAverageAtEnd)} at the end.`,
    '',
  );
  const notes = [...report.notes];
  if (report.machine.otherTestEnvironments > 0) {
    notes.push(
      `${report.machine.otherTestEnvironments} other test environment(s) ran on this machine during the run: ` +
        'they share the CPUs, so these numbers are noisier than usual.',
    );
  }
  if (notes.length > 0) out.push('### Notes', '', ...notes.map((note) => `- ${note}`), '');
  if (report.problems.length > 0) {
    out.push('### Problems', '', ...report.problems.map((problem) => `- ${problem}`), '');
  }
  return `${out.join('\n')}\n`;
}
