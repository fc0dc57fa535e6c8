import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon, { type Instance } from 'autocannon';

/** One HTTP endpoint to put under load: over TCP, or over a unix socket (the Docker daemon). */
export interface LoadTarget {
  /** Full URL; with `socketPath` only its path and query matter. */
  readonly url: string;
  readonly socketPath?: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** False for a wrong answer with a 2xx status (e.g. a GraphQL `errors` body); counted as a mismatch. */
  readonly verifyBody?: (body: string) => boolean;
}

export interface LoadSettings {
  readonly connections: number;
  readonly durationSeconds: number;
  /** A run of the same shape just before, whose numbers are dropped; 0 for none. */
  readonly warmupSeconds: number;
  /** Per request; default 30 (a slow answer is a slow answer, not an error). */
  readonly timeoutSeconds?: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface LoadStats {
  /** Responses received (any status). */
  readonly responses: number;
  /** 2xx responses whose body passed `verifyBody`. */
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors (refused, reset). */
  readonly errors: number;
  readonly timeouts: number;
  readonly mismatches: number;
  readonly statusCodes: Record<string, number>;
  readonly durationSeconds: number;
  /** `ok` per second of the run. */
  readonly requestsPerSecond: number;
  /** Milliseconds, over every response (exact percentiles, nearest rank). */
  readonly latencyMs: LatencySummary;
  readonly bytesPerResponse: number;
}

export interface Measurement {
  readonly warmup?: LoadStats;
  readonly measured: LoadStats;
}

/** A warm-up run (numbers kept apart), then the measured run, both with the same settings. */
export async function measureLoad(
  title: string,
  target: LoadTarget,
  settings: LoadSettings,
): Promise<Measurement> {
  const warmup =
    settings.warmupSeconds > 0
      ? await runLoad(`${title} (warm-up)`, target, settings.connections, settings.warmupSeconds, settings)
      : undefined;
  const measured = await runLoad(title, target, settings.connections, settings.durationSeconds, settings);
  return { warmup, measured };
}

async function runLoad(
  title: string,
  target: LoadTarget,
  connections: number,
  durationSeconds: number,
  settings: LoadSettings,
): Promise<LoadStats> {
  const latencies: number[] = [];
  let bytes = 0;
  const instance = startAutocannon(title, target, {
    connections,
    duration: durationSeconds,
    timeout: settings.timeoutSeconds ?? 30,
  });
  instance.on('response', (_client, _statusCode, responseBytes, responseTime) => {
    latencies.push(responseTime);
    bytes += responseBytes;
  });
  const result = await instance;
  await settleAfterLoad(latencies.reduce((max, value) => Math.max(max, value), 0));
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count]),
  );
  const ok = Math.max(0, result['2xx'] - result.mismatches);
  return {
    responses: latencies.length,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    statusCodes,
    durationSeconds: result.duration,
    requestsPerSecond: result.duration > 0 ? ok / result.duration : 0,
    latencyMs: summarize(latencies),
    bytesPerResponse: latencies.length > 0 ? Math.round(bytes / latencies.length) : 0,
  };
}

/** An autocannon run on `target`; `run` in autocannon's units (seconds). */
export function startAutocannon(
  title: string,
  target: LoadTarget,
  run: { readonly connections: number; readonly duration: number; readonly timeout: number },
): Instance {
  return autocannon({
    title,
    url: target.url,
    socketPath: target.socketPath,
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    verifyBody: target.verifyBody,
    connections: run.connections,
    duration: run.duration,
    timeout: run.timeout,
  });
}

/**
 * After an autocannon run ends or is stopped: autocannon drops the requests in flight, but the
 * server still finishes them. Waits about as long as the slowest answer took (0.25 to 10 s), or
 * they eat into the next run (dockerd 20.10 even answers 500 to a /system/df while an abandoned
 * one still runs).
 */
export async function settleAfterLoad(slowestMs: number): Promise<void> {
  await sleep(Math.min(10_000, Math.max(250, slowestMs)));
}

/**
 * The `verifyBody` of a GraphQL target: Apollo writes `errors` first when there are any, and a
 * field error still answers 200.
 */
export function graphqlAnswered(body: string): boolean {
  return body.startsWith('{"data":') && !body.includes('"errors":[');
}

/** `METHOD [unix:<socket>:]path?query [body]`, for reports. */
export function describeTarget(target: LoadTarget): string {
  const url = new URL(target.url);
  return `${target.method ?? 'GET'} ${target.socketPath ? `unix:${target.socketPath}:` : ''}${url.pathname}${url.search}${target.body ? ` ${target.body}` : ''}`;
}

/**
 * One request before the load: the problems found (none when it answers 2xx with what the load
 * run will verify, and `check` finds nothing wrong in the parsed body).
 */
export async function probeTarget(
  target: LoadTarget,
  check?: (body: unknown) => string[],
): Promise<string[]> {
  try {
    const { status, body } = await requestOnce(target, 60_000);
    if (status < 200 || status >= 300) return [`HTTP ${status}: ${body.slice(0, 300)}`];
    if (target.verifyBody && !target.verifyBody(body)) return [`unexpected body: ${body.slice(0, 300)}`];
    return check ? check(JSON.parse(body) as unknown) : [];
  } catch (error) {
    return [(error as Error).message];
  }
}

export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { p50: NaN, p95: NaN, p99: NaN, mean: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (percent: number) => sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)]!;
  return {
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

/** Good runs only: no failed request of any kind. */
export function isClean(stats: LoadStats): boolean {
  return (
    stats.ok > 0 && stats.non2xx === 0 && stats.errors === 0 && stats.timeouts === 0 && stats.mismatches === 0
  );
}

/** One request outside autocannon. fetch() cannot reach a unix socket; node:http can, so both kinds go through it. */
export function requestOnce(
  target: LoadTarget,
  timeoutMs = 120_000,
): Promise<{ status: number; body: string }> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath: target.socketPath,
        host: target.socketPath ? undefined : url.hostname,
        port: target.socketPath ? undefined : url.port,
        path: `${url.pathname}${url.search}`,
        method: target.method ?? 'GET',
        headers: target.headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${target.url} timed out`)));
    req.on('error', reject);
    req.end(target.body);
  });
}
