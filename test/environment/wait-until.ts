import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Returns a reason when waiting is pointless (e.g. the process already exited). */
  abortIf?: () => string | undefined;
}

/** Polls `probe` until it returns true; the last probe error goes into the timeout message. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    const aborted = options.abortIf?.();
    if (aborted !== undefined) throw new Error(`${options.what}: ${aborted}`);
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${options.what}: not ready after ${options.timeoutMs} ms${detail}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
