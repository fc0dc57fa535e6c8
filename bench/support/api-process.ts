import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The built api (`node dist/apps/api/src/main.js`) as a child process, with its output kept. */
export interface ApiProcess {
  readonly pid: number;
  readonly baseUrl: string;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  /** Exit code or signal once it has exited, else undefined. */
  exitStatus(): string | undefined;
  /** The last lines it wrote (stdout and stderr). */
  outputTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ApiProcessOptions {
  readonly repoRoot: string;
  readonly host: string;
  readonly port: number;
  /** Added to (and overriding) this process's environment. */
  readonly env: Record<string, string>;
  /** What runs, relative to repoRoot; default the api (`dist/apps/api/src/main.js`). */
  readonly script?: string;
}

const KEPT_LINES = 400;

export function spawnApi(options: ApiProcessOptions): ApiProcess {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [options.script ?? 'dist/apps/api/src/main.js'], {
    cwd: options.repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${options.script ?? 'the api process'}`);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal ? `killed by ${signal}` : `exited with ${code}`;
      resolve();
    });
  });
  child.on('error', (error) => {
    status ??= `failed: ${error.message}`;
  });
  return {
    pid: child.pid,
    baseUrl: `http://${options.host}:${options.port}`,
    spawnedAt,
    exitStatus: () => status,
    outputTail: (count = 40) => lines.slice(-count).join('\n'),
    async stop(graceMs = 5_000) {
      if (status !== undefined) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface Readiness {
  /** Spawn until the port first answered HTTP at all (any status). */
  readonly listeningMs?: number;
  /** Spawn until GET /health/ready answered 200. */
  readonly readyMs?: number;
  /** The 200 body of /health/ready (terminus: `{ status, info, error, details }`). */
  readonly readyBody?: unknown;
  /** Why it never got ready: timeout, process exit. */
  readonly failure?: string;
  /** The last non-200 answer seen, for the report. */
  readonly lastAnswer?: string;
}

/** Polls GET /health/ready every `intervalMs` until 200, the process exits, or `timeoutMs` passes. */
export async function waitForReady(
  api: ApiProcess,
  // The token lets readiness name its checks (an anonymous probe sees the status alone).
  options: { timeoutMs: number; intervalMs?: number; token: string },
): Promise<Readiness> {
  const deadline = api.spawnedAt + options.timeoutMs;
  let listeningMs: number | undefined;
  let lastAnswer: string | undefined;
  for (;;) {
    const exit = api.exitStatus();
    if (exit !== undefined) return { listeningMs, failure: `the api ${exit}`, lastAnswer };
    try {
      const response = await fetch(`${api.baseUrl}/health/ready`, {
        headers: { authorization: `Bearer ${options.token}` },
        signal: AbortSignal.timeout(5_000),
      });
      const at = performance.now() - api.spawnedAt;
      listeningMs ??= at;
      const text = await response.text();
      if (response.status === 200) {
        return { listeningMs, readyMs: at, readyBody: parseJson(text) };
      }
      lastAnswer = `${response.status} ${text.slice(0, 500)}`;
    } catch {
      // not listening yet (ECONNREFUSED) or a probe that took too long
    }
    if (performance.now() >= deadline) {
      return { listeningMs, failure: `not ready after ${options.timeoutMs / 1000}s`, lastAnswer };
    }
    await sleep(options.intervalMs ?? 20);
  }
}

export interface MemorySample {
  /** VmRSS. */
  readonly rssBytes: number;
  /** VmHWM: the peak RSS so far. */
  readonly peakRssBytes: number;
}

/** VmRSS and VmHWM of a live process, from /proc/<pid>/status (which counts in KiB). */
export function readMemory(pid: number): MemorySample | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const bytes = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: bytes('VmRSS'), peakRssBytes: bytes('VmHWM') };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
