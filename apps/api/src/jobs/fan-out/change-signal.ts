/**
 * "Something changed; look again": a ring while nobody waits is kept for the next wait, so a
 * change heard while the last one was being read is not lost.
 */
export class ChangeSignal {
  private rung = false;
  private wake: (() => void) | null = null;

  ring(): void {
    this.rung = true;
    this.wake?.();
  }

  /**
   * Resolves at the next ring (at once if one came since the last wait) or on abort with true,
   * or with false after `ms` without either.
   */
  wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.rung || signal.aborted) {
      this.rung = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (heard: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        this.wake = null;
        this.rung = false;
        resolve(heard);
      };
      const aborted = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      signal.addEventListener('abort', aborted, { once: true });
      this.wake = () => done(true);
    });
  }
}
