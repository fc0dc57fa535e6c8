import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { type LoadStats, type LoadTarget, settleAfterLoad, startAutocannon } from './load.js';
import { WindowCounter } from './window-counter.js';

/**
 * One autocannon run whose first part is a warm-up and whose measured window opens only once the
 * server has accepted every connection, so that the window sees `connections` clients that are
 * all being served, on the same connections (no reconnects).
 *
 * Why: autocannon opens every connection at once, and Node 20's libuv (1.45+, "don't accept()
 * connections in a loop") accepts one connection per event-loop turn. On a saturated server a turn
 * serves every ready connection first (hundreds of ms here), so new connections wait in the
 * kernel's accept queue for tens of seconds. With a per-request timeout shorter than that wait
 * it never settles: a client gives up (30 s), reconnects at the back of the queue, and the api
 * later accepts the dead connection; ~120 of 200 connections stayed unserved for minutes that
 * way. (A bare `http.createServer` doing 5 ms of work per request shows the same.) Hence a long
 * timeout (default 120 s), and a warm-up that lasts until the listening socket's accept queue is
 * empty with `connections` established sockets (read from /proc/net/tcp), then `warmupSeconds`
 * more: so the first requests of the last connections, which waited in the queue, are answered
 * before the window opens, and the window sees the steady state.
 */
export interface SustainedLoadOptions {
  readonly connections: number;
  /** Of load after every connection was accepted, before the window opens. */
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** The server's listening port on 127.0.0.1, whose accept queue is watched. */
  readonly listenPort: number;
  /** Longest warm-up while waiting for the accept queue to empty; default 180 s. */
  readonly maxWarmupSeconds?: number;
  /** Per request, connecting included; default 120 (see above). */
  readonly timeoutSeconds?: number;
  /** Called (and awaited, the load running) as the window opens and before it closes. */
  readonly onWindowStart?: () => Promise<void> | void;
  readonly onWindowEnd?: () => Promise<void> | void;
  /** Called once a second during the window with the seconds since it opened. */
  readonly everySecond?: (secondsIntoWindow: number) => void;
}

export interface SustainedLoadResult {
  /** Warm-up length (until the window opened). */
  readonly warmupSeconds: number;
  /** Seconds until the accept queue was first seen empty with every connection established. */
  readonly allAcceptedAfterSeconds?: number;
  /** Responses during the warm-up (not in `measured`). */
  readonly warmupResponses: number;
  /** Responses that arrived inside the window. */
  readonly measured: LoadStats;
}

export async function sustainedLoad(
  title: string,
  target: LoadTarget,
  options: SustainedLoadOptions,
): Promise<SustainedLoadResult> {
  const maxWarmup = options.maxWarmupSeconds ?? 180;
  const started = performance.now();
  const instance = startAutocannon(title, target, {
    connections: options.connections,
    // An upper bound: the run is stopped when the window closes.
    duration: maxWarmup + options.durationSeconds + 60,
    timeout: options.timeoutSeconds ?? 120,
  });
  const counter = new WindowCounter(instance);
  const finished = Promise.resolve(instance);

  let allAcceptedAt: number | undefined;
  for (;;) {
    await sleep(250);
    const elapsed = (performance.now() - started) / 1000;
    if (allAcceptedAt === undefined) {
      const socket = listeningSocket(options.listenPort);
      if (socket.acceptQueue === 0 && socket.established >= options.connections) allAcceptedAt = elapsed;
    }
    if (allAcceptedAt !== undefined && elapsed >= allAcceptedAt + options.warmupSeconds) break;
    if (elapsed >= maxWarmup) break;
  }
  await options.onWindowStart?.();
  counter.open();
  const ticker = setInterval(
    () => options.everySecond?.((performance.now() - counter.openedAt) / 1000),
    1000,
  );
  try {
    await sleep(options.durationSeconds * 1000);
    await options.onWindowEnd?.();
  } finally {
    counter.close();
    clearInterval(ticker);
    instance.stop();
  }
  await finished;
  await settleAfterLoad(counter.slowest);

  return {
    warmupSeconds: round((counter.openedAt - started) / 1000),
    allAcceptedAfterSeconds: allAcceptedAt === undefined ? undefined : round(allAcceptedAt),
    warmupResponses: counter.warmupResponses,
    measured: counter.stats(1),
  };
}

/**
 * The listening socket on 127.0.0.1:`port` from /proc/net/tcp: for a LISTEN socket the kernel
 * reports the accept queue (connections handshaken but not yet accept()ed) as rx_queue; the
 * ESTABLISHED sockets with that local port are the server's side of every connection, accepted
 * or still queued.
 */
export function listeningSocket(port: number): { acceptQueue: number; established: number } {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let acceptQueue = -1;
  let established = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== local) continue;
    const state = fields[3];
    if (state === '0A') acceptQueue = parseInt(fields[4]?.split(':')[1] ?? '0', 16);
    else if (state === '01') established += 1;
  }
  return { acceptQueue, established };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
