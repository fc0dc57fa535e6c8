import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';

import { type LoadStats, type LoadTarget, summarize } from './load.js';

/**
 * One autocannon run on `connections` keep-alive connections: `warmupSeconds` of load whose
 * answers are not counted, then a measured window of `durationSeconds` on the same connections.
 * The hooks run synchronously at the window's edges, so that what they read (a server's CPU time)
 * covers exactly the requests counted: those whose answer arrived inside the window.
 */
export interface WindowLoadOptions {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Per request; default 30. */
  readonly timeoutSeconds?: number;
  readonly onWindowStart?: () => void;
  readonly onWindowEnd?: () => void;
}

export interface WindowLoadResult {
  /** Answers during the warm-up (not in `measured`). */
  readonly warmupResponses: number;
  /** Answers that arrived inside the window. */
  readonly measured: LoadStats;
}

export async function windowLoad(
  title: string,
  target: LoadTarget,
  options: WindowLoadOptions,
): Promise<WindowLoadResult> {
  const instance = autocannon({
    title,
    url: target.url,
    socketPath: target.socketPath,
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    verifyBody: target.verifyBody,
    connections: options.connections,
    // An upper bound: the run is stopped as the window closes.
    duration: options.warmupSeconds + options.durationSeconds + 30,
    timeout: options.timeoutSeconds ?? 30,
  });

  let windowStart = Infinity;
  let windowEnd = Infinity;
  const inWindow = (at: number) => at >= windowStart && at < windowEnd;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let bytes = 0;
  let warmupResponses = 0;
  let ok2xx = 0;
  let non2xx = 0;
  let mismatches = 0;
  let timeouts = 0;
  let errors = 0;
  let slowest = 0;
  instance.on('response', (_client, statusCode, responseBytes, responseTime) => {
    slowest = Math.max(slowest, responseTime);
    const now = performance.now();
    if (!inWindow(now)) {
      if (now < windowStart) warmupResponses += 1;
      return;
    }
    latencies.push(responseTime);
    bytes += responseBytes;
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) ok2xx += 1;
    else non2xx += 1;
  });
  instance.on('reqMismatch', () => {
    if (inWindow(performance.now())) mismatches += 1;
  });
  instance.on('reqError', (error: unknown) => {
    if (!inWindow(performance.now())) return;
    errors += 1;
    if ((error as Error).message === 'request timed out') timeouts += 1;
  });
  const finished = Promise.resolve(instance);

  await sleep(options.warmupSeconds * 1000);
  options.onWindowStart?.();
  windowStart = performance.now();
  await sleep(options.durationSeconds * 1000);
  windowEnd = performance.now();
  options.onWindowEnd?.();
  instance.stop();
  await finished;
  // The server still finishes what the stop abandoned: let it, before anything else runs.
  await sleep(Math.min(10_000, Math.max(250, slowest)));

  const durationSeconds = (windowEnd - windowStart) / 1000;
  const ok = Math.max(0, ok2xx - mismatches);
  return {
    warmupResponses,
    measured: {
      responses: latencies.length,
      ok,
      non2xx,
      errors,
      timeouts,
      mismatches,
      statusCodes,
      durationSeconds: Math.round(durationSeconds * 1000) / 1000,
      requestsPerSecond: durationSeconds > 0 ? ok / durationSeconds : 0,
      latencyMs: summarize(latencies),
      bytesPerResponse: latencies.length > 0 ? Math.round(bytes / latencies.length) : 0,
    },
  };
}
