import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../environment/free-port.js';
import type { TestEnvironment } from '../environment/types.js';
import { TEST_TOKENS, type ApiUnderTest } from './api-under-test.js';

/** The built entry points, relative to the repository root (jest's working directory). */
export const API_SCRIPT = 'dist/apps/api/src/main.js';
export const WORKER_SCRIPT = 'dist/apps/worker/src/main.js';
export const AGENT_SCRIPT = 'dist/apps/agent/src/main.js';

/**
 * Builds `dist/` (`npm run build`, as the run-modes test does) unless every entry point is
 * newer than every source file they are compiled from. Answers whether it built.
 */
export function ensureBuilt(): boolean {
  const outputs = [API_SCRIPT, WORKER_SCRIPT, AGENT_SCRIPT];
  if (outputs.every(existsSync)) {
    const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
    const sources = [
      'tsconfig.json',
      'tsconfig.build.json',
      'package.json',
      ...sourceFiles('apps'),
      ...sourceFiles('libs'),
    ];
    if (sources.every((file) => statSync(file).mtimeMs <= built)) return false;
  }
  try {
    execFileSync('npm', ['run', 'build'], { stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`, {
      cause: error,
    });
  }
  return true;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) files.push(path);
  }
  return files;
}

/** A built api or worker running as a child process, with its output kept for assertions. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; throws with the output after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code, or the signal's name when it ended by one (Nest re-raises SIGTERM). */
  exited(): Promise<number | string | null>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Starts `node <script>` with the given environment on top of a cleaned copy of this one. */
export function spawnService(script: string, vars: NodeJS.ProcessEnv): ServiceProcess {
  // Nothing of the jest worker's own service settings leaks in; NODE_OPTIONS carries jest's VM flag.
  const {
    REDIS_URL: _redis,
    DOCKER_HOST: _docker,
    STEVEDORE_API_TOKENS: _tokens,
    NODE_OPTIONS: _nodeOptions,
    ...inherited
  } = process.env;
  const child = spawn(process.execPath, [script], {
    env: { ...inherited, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  const service: ServiceProcess = {
    child,
    pid: child.pid,
    output: () => output,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms in:\n${output}`);
        await sleep(50);
      }
    },
    exited: () => exit,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop(graceMs = 10_000) {
      if (!service.running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return service;
}

/** Settings every process of one test shares: the environment's daemon and Redis, test tokens, one state dir. */
export function serviceEnv(
  env: Pick<TestEnvironment, 'docker' | 'redis'>,
  vars: NodeJS.ProcessEnv & { STEVEDORE_STATE_DIR: string },
): NodeJS.ProcessEnv {
  return {
    DOCKER_HOST: env.docker.host,
    REDIS_URL: env.redis.url,
    STEVEDORE_API_TOKENS: Object.entries(TEST_TOKENS)
      .map(([role, token]) => `${role}:${token}`)
      .join(','),
    LOG_LEVEL: 'log',
    ...vars,
  };
}

/**
 * The built api as a process on a free port, once `/health/live` answers. The returned value
 * works with the `graphql` and `subscribe` helpers, which only read `url`; `app` and `config`
 * belong to in-process apis and are absent here.
 */
export async function startApiProcess(
  vars: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<{ api: ApiUnderTest; process: ServiceProcess }> {
  const port = await findFreePort();
  const service = spawnService(API_SCRIPT, { HOST: '127.0.0.1', ...vars, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!service.running)
      throw new Error(`the api exited (${String(await service.exited())}):\n${service.output()}`);
    const live = await fetch(`${url}/health/live`).then(
      (response) => response.ok,
      () => false,
    );
    if (live) break;
    if (Date.now() > deadline) {
      await service.stop(1_000);
      throw new Error(`the api did not answer within ${timeoutMs} ms:\n${service.output()}`);
    }
    await sleep(100);
  }
  const api = { url, close: () => service.stop() } as unknown as ApiUnderTest;
  return { api, process: service };
}

/** The built standalone worker, once it has logged that it runs (its BullMQ worker is then started). */
export async function startWorkerProcess(
  vars: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  const service = spawnService(WORKER_SCRIPT, vars);
  try {
    await service.waitFor(/worker running/, timeoutMs);
  } catch (error) {
    await service.stop(1_000);
    throw error;
  }
  return service;
}

/** SIGKILLs every process started here that still runs (for afterAll), and waits until they are gone. */
export async function killAllServices(): Promise<void> {
  const left = [...children];
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
