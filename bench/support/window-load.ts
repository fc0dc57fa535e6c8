import { setTimeout as sleep } from 'node:timers/promises';

import { type LoadStats, type LoadTarget, settleAfterLoad, startAutocannon } from './load.js';
import { WindowCounter } from './window-counter.js';

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
  const instance = startAutocannon(title, target, {
    connections: options.connections,
    // An upper bound: the run is stopped as the window closes.
    duration: options.warmupSeconds + options.durationSeconds + 30,
    timeout: options.timeoutSeconds ?? 30,
  });
  const counter = new WindowCounter(instance);
  const finished = Promise.resolve(instance);

  await sleep(options.warmupSeconds * 1000);
  options.onWindowStart?.();
  counter.open();
  await sleep(options.durationSeconds * 1000);
  counter.close();
  options.onWindowEnd?.();
  instance.stop();
  await finished;
  await settleAfterLoad(counter.slowest);

  return { warmupResponses: counter.warmupResponses, measured: counter.stats(3) };
}
