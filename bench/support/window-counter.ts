import type { Instance } from 'autocannon';

import { type LoadStats, summarize } from './load.js';

/**
 * Counts an autocannon run's answers by when they arrive (performance.now()): before the window
 * opens, as warm-up responses only; inside it, into every number of `LoadStats`; after it closes,
 * not at all. Wrong bodies, errors and timeouts count inside the window only.
 */
export class WindowCounter {
  private start = Infinity;
  private end = Infinity;
  private readonly latencies: number[] = [];
  private readonly statusCodes: Record<string, number> = {};
  private bytes = 0;
  private ok2xx = 0;
  private non2xx = 0;
  private mismatches = 0;
  private timeouts = 0;
  private errors = 0;
  private warmup = 0;
  private slowestMs = 0;

  constructor(instance: Instance) {
    instance.on('response', (_client, statusCode, responseBytes, responseTime) => {
      this.slowestMs = Math.max(this.slowestMs, responseTime);
      const now = performance.now();
      if (!this.inWindow(now)) {
        if (now < this.start) this.warmup += 1;
        return;
      }
      this.latencies.push(responseTime);
      this.bytes += responseBytes;
      this.statusCodes[statusCode] = (this.statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) this.ok2xx += 1;
      else this.non2xx += 1;
    });
    instance.on('reqMismatch', () => {
      if (this.inWindow(performance.now())) this.mismatches += 1;
    });
    instance.on('reqError', (error: unknown) => {
      if (!this.inWindow(performance.now())) return;
      this.errors += 1;
      if ((error as Error).message === 'request timed out') this.timeouts += 1;
    });
  }

  /** Opens the window now. */
  open(): void {
    this.start = performance.now();
  }

  /** Closes the window now. */
  close(): void {
    this.end = performance.now();
  }

  /** performance.now() as the window opened (Infinity before). */
  get openedAt(): number {
    return this.start;
  }

  /** Answers that arrived before the window opened. */
  get warmupResponses(): number {
    return this.warmup;
  }

  /** The slowest answer of the whole run so far, in ms. */
  get slowest(): number {
    return this.slowestMs;
  }

  /** What arrived inside the window, its length rounded to `durationDigits` decimals. */
  stats(durationDigits: number): LoadStats {
    const durationSeconds = (this.end - this.start) / 1000;
    const ok = Math.max(0, this.ok2xx - this.mismatches);
    const scale = 10 ** durationDigits;
    const responses = this.latencies.length;
    return {
      responses,
      ok,
      non2xx: this.non2xx,
      errors: this.errors,
      timeouts: this.timeouts,
      mismatches: this.mismatches,
      statusCodes: this.statusCodes,
      durationSeconds: Math.round(durationSeconds * scale) / scale,
      requestsPerSecond: durationSeconds > 0 ? ok / durationSeconds : 0,
      latencyMs: summarize(this.latencies),
      bytesPerResponse: responses > 0 ? Math.round(this.bytes / responses) : 0,
    };
  }

  private inWindow(at: number): boolean {
    return at >= this.start && at < this.end;
  }
}
