import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { format, resolveConfig } from 'prettier';

import { findFreePort } from '../../test/environment/free-port.js';
import { startTestEnvironment, type StartedTestEnvironment } from '../../test/environment/index.js';
import { type ApiProcess, type Readiness, spawnApi, waitForReady } from './api-process.js';
import { describeMachine, type MachineDescription, otherTestDaemons } from './machine.js';
import { ms } from './report.js';

/**
 * What every bench shares: the isolated test environment, the machine's description, the built
 * api as child processes, progress on stderr, the results file and the Markdown summary, the exit
 * status, and stopping everything on failure or on a signal.
 *
 *   await runBench({
 *     name: 'catalogue', logTag: 'bench', npmScript: 'npm run bench',
 *     settings: () => ({ connections: integerSetting('BENCH_CONNECTIONS', 10, 1) }),
 *     run: async (bench, settings) => {
 *       const { api, token } = await bench.startApi({ readyTimeoutSeconds: 300, required: true });
 *       ... measure, pushing what could not be measured onto bench.problems ...
 *       return { report: ({ totalSeconds }) => ({ ..., totalSeconds }), markdown: (report) => '...' };
 *     },
 *   });
 *
 * Exit status: 0, or 1 when `bench.problems` is not empty or the run threw (the stack goes to
 * stderr), 130 after SIGINT/SIGTERM.
 */
export interface BenchDefinition<R extends object, S> {
  /** Results file `bench/results/<name>.json`. */
  readonly name: string;
  /** Progress lines on stderr start with `[<logTag>]`. */
  readonly logTag: string;
  /** The npm script that builds and runs it, for the "no built api" message. */
  readonly npmScript: string;
  /** Also keep this run as `bench/results/<name>-<label>.json` (letters, digits, `.`, `_`, `-`). */
  readonly label?: string;
  /** Read before anything starts, so that a bad BENCH_* value fails at once. */
  readonly settings: () => S;
  /** Everything measured; `bench.env` and `bench.machine` are ready when it is called. */
  readonly run: (bench: Bench, settings: S) => Promise<BenchOutcome<R>>;
}

export interface BenchOutcome<R extends object> {
  /**
   * The report, built once every process the bench started has stopped; `totalSeconds` is the
   * whole run so far. Written as JSON (formatted as `prettier --check` wants it).
   */
  readonly report: (end: { readonly totalSeconds: number }) => R;
  /** The summary printed on stdout (through prettier, so its tables are aligned). */
  readonly markdown: (report: R) => string;
}

export interface Bench {
  readonly repoRoot: string;
  readonly env: StartedTestEnvironment;
  /** `loadAverageAtEnd` and `otherTestEnvironments` are updated once `run` returns. */
  readonly machine: MachineDescription;
  /** What could not be measured; any makes the exit status 1. */
  readonly problems: string[];
  /** performance.now() as the bench started. */
  readonly startedAt: number;
  log(line: string): void;
  /** Throws once a signal has stopped everything: call before each step so nothing new starts. */
  notInterrupted(): void;
  isInterrupted(): boolean;
  /** Run when the bench stops (last registered first), before the apis and the environment. */
  onStop(cleanup: () => Promise<unknown>): void;
  /** Spawns the built api against the environment's daemon and Redis and waits for /health/ready. */
  startApi(options: StartApiOptions): Promise<StartedApi>;
}

export interface StartApiOptions {
  /** The role of the one token in STEVEDORE_API_TOKENS; default read. */
  readonly role?: 'read' | 'write' | 'admin';
  /** Default: a new random one. */
  readonly token?: string;
  /** On top of DOCKER_HOST, REDIS_URL, HOST, PORT, STEVEDORE_API_TOKENS and LOG_LEVEL=warn. */
  readonly env?: Record<string, string>;
  readonly readyTimeoutSeconds: number;
  /** Throw when it never gets ready (instead of returning the failure in `readiness`). */
  readonly required?: boolean;
  /** Said in the "starting the api" progress line. */
  readonly note?: string;
  /** Another checkout's built api (its own dist/ and node_modules), e.g. the commit before a change. */
  readonly apiRoot?: string;
}

export interface StartedApi {
  readonly api: ApiProcess;
  readonly port: number;
  readonly token: string;
  readonly readiness: Readiness;
}

export async function runBench<R extends object, S>(definition: BenchDefinition<R, S>): Promise<void> {
  try {
    process.exitCode = await main(definition);
  } catch (error) {
    process.stderr.write(`[${definition.logTag}] FAILED: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}

async function main<R extends object, S>(definition: BenchDefinition<R, S>): Promise<number> {
  const log = (line: string) => process.stderr.write(`[${definition.logTag}] ${line}\n`);
  // dist/bench/support/runner.js → the repository root.
  const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
  if (!existsSync(join(repoRoot, 'dist/apps/api/src/main.js'))) {
    throw new Error(
      `no built api in ${repoRoot}dist: run \`npm run build\` first (${definition.npmScript} does)`,
    );
  }
  const resultFiles = resultFileNames(definition.name, definition.label);
  const settings = definition.settings();
  const startedAt = performance.now();
  const problems: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const apis: ApiProcess[] = [];
  let env: StartedTestEnvironment | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup().catch((error: Error) => log(`stopping: ${error.message}`));
      }
      for (const api of apis.splice(0).reverse()) {
        await api.stop().catch((error: Error) => log(`stopping the api: ${error.message}`));
      }
      if (env) {
        log('stopping the test environment');
        await env.stop();
      }
    })());
  let interrupted = false;
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
    // `env: {}`: always our own daemon, registries and Redis, never what DOCKER_HOST / REDIS_URL
    // name, which could be a real host that must not receive the bench's images and pulls.
    env = await startTestEnvironment({ env: {}, log: (line) => log(`env: ${line}`) });
    const environment = env;
    const machine = await describeMachine(env);

    const startApi = async (options: StartApiOptions): Promise<StartedApi> => {
      notInterrupted();
      const token = options.token ?? randomBytes(18).toString('hex');
      const port = await findFreePort();
      log(`starting the api on 127.0.0.1:${port}${options.note ? ` (${options.note})` : ''}`);
      const api = spawnApi({
        repoRoot: options.apiRoot ?? repoRoot,
        host: '127.0.0.1',
        port,
        env: {
          DOCKER_HOST: environment.docker.host,
          REDIS_URL: environment.redis.url,
          HOST: '127.0.0.1',
          PORT: String(port),
          STEVEDORE_API_TOKENS: `${options.role ?? 'read'}:${token}`,
          LOG_LEVEL: 'warn',
          ...options.env,
        },
      });
      apis.push(api);
      const readiness = await waitForReady(api, { timeoutMs: options.readyTimeoutSeconds * 1000, token });
      if (readiness.failure) {
        log(`api output:\n${api.outputTail()}`);
        if (options.required) {
          throw new Error(`the api never got ready: ${readiness.failure} ${readiness.lastAnswer ?? ''}`);
        }
      } else {
        log(`api ready after ${ms(readiness.readyMs)} (listening after ${ms(readiness.listeningMs)})`);
      }
      return { api, port, token, readiness };
    };

    const bench: Bench = {
      repoRoot,
      env,
      machine,
      problems,
      startedAt,
      log,
      notInterrupted,
      isInterrupted: () => interrupted,
      onStop: (cleanup) => void cleanups.push(cleanup),
      startApi,
    };
    const outcome = await definition.run(bench, settings);
    notInterrupted();

    machine.otherTestEnvironments = Math.max(machine.otherTestEnvironments, otherTestDaemons(env.tmpDir));
    machine.loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
    await stopAll();

    const totalSeconds = Math.round((performance.now() - startedAt) / 100) / 10;
    const report = outcome.report({ totalSeconds });
    const written = await writeResults(repoRoot, resultFiles, report);
    process.stdout.write(await formatMarkdown(repoRoot, outcome.markdown(report)));
    log(`wrote ${written.join(', ')} (whole run ${totalSeconds} s)`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    await stopAll();
  }
}

function resultFileNames(name: string, label: string | undefined): string[] {
  const names = [`${name}.json`];
  if (label !== undefined && label !== '') {
    if (!/^[\w.-]+$/.test(label)) {
      throw new Error(`the label may hold letters, digits, ".", "_" and "-" only: ${label}`);
    }
    names.push(`${name}-${label}.json`);
  }
  return names;
}

/** Into bench/results/, formatted as `prettier --check` wants it, so a fresh result never fails the lint. */
async function writeResults(repoRoot: string, names: readonly string[], report: object): Promise<string[]> {
  const resultsDir = join(repoRoot, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const written: string[] = [];
  for (const name of names) {
    const file = join(resultsDir, name);
    const options = { ...(await resolveConfig(file)), filepath: file };
    writeFileSync(file, await format(JSON.stringify(report, null, 2), options));
    written.push(`bench/results/${name}`);
  }
  return written;
}

/** Aligned tables, as BENCHMARKS.md keeps them; the text as it is when prettier cannot parse it. */
async function formatMarkdown(repoRoot: string, text: string): Promise<string> {
  try {
    const options = await resolveConfig(join(repoRoot, 'BENCHMARKS.md'));
    return await format(text, { ...options, parser: 'markdown' });
  } catch {
    return text;
  }
}

/** Reads the BENCH_* settings: whole numbers, with a default and a minimum. */
export function integerSetting(
  name: string,
  fallback: number,
  min: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min}: ${raw}`);
  return value;
}

export function median(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const middle = Math.floor(known.length / 2);
  return known.length % 2 === 1 ? known[middle] : (known[middle - 1]! + known[middle]!) / 2;
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
