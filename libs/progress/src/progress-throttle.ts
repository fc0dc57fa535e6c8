export type ProgressEmit<T> = (value: T) => Promise<void> | void;

/**
 * Coalesces progress values into at most one emit per interval: the first value goes out at once
 * (leading edge), later ones wait for the interval and only the latest is sent (trailing edge).
 * Emits never overlap and keep their order: a slow emit (a Redis round trip) delays the next one
 * instead of racing it, so an older value can never land after a newer one.
 *
 * Errors of timer-driven emits go to `onError` (progress is best effort; the job goes on); an
 * error of the emit that flush() itself makes rejects flush(), because the final value matters.
 */
export class ProgressThrottle<T> {
  private pending: { value: T } | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastEmitAt = Number.NEGATIVE_INFINITY;
  private flushing = 0;
  private closed = false;

  constructor(
    private readonly intervalMs = 100,
    private readonly emit: ProgressEmit<T>,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Offers the latest value; it replaces any value still waiting. Ignored after close(). */
  push(value: T): void {
    if (this.closed) return;
    this.pending = { value };
    this.schedule();
  }

  /**
   * Sends the waiting value now, regardless of the interval, and resolves once every emit (the
   * one in flight and this one) has finished. For the final value, which must always arrive.
   */
  async flush(): Promise<void> {
    this.flushing += 1;
    try {
      this.clearTimer();
      while (this.inFlight || this.pending) {
        if (this.inFlight) await this.inFlight;
        else await this.emitPending();
      }
    } finally {
      this.flushing -= 1;
      this.schedule();
    }
  }

  /** Drops any waiting value and stops the timer; an emit in flight still finishes. */
  close(): void {
    this.closed = true;
    this.pending = null;
    this.clearTimer();
  }

  private schedule(): void {
    // flush() drives emits itself while it runs; a finished emit reschedules from its own callback.
    if (this.flushing > 0 || this.inFlight || this.timer || !this.pending) return;
    const wait = this.lastEmitAt + this.intervalMs - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
      return;
    }
    this.emitPending().catch(this.onError);
  }

  /** Starts emitting the waiting value; the promise settles as the emit does. */
  private emitPending(): Promise<void> {
    const { value } = this.pending!;
    this.pending = null;
    this.lastEmitAt = performance.now();
    // async wrapper: an emit that throws synchronously becomes a rejection like any other.
    const run = (async () => this.emit(value))();
    this.inFlight = run.then(
      () => this.settle(),
      () => this.settle(),
    );
    return run;
  }

  private settle(): void {
    this.inFlight = null;
    this.schedule();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
