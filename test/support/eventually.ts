import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries `check` (a function with expectations) until it passes or `withinMs` has passed, then
 * rethrows its last failure. For changes made outside Stevedore (the docker CLI), which reach
 * the catalogue through the daemon's event stream: the issue allows them a second.
 */
export async function eventually<T>(check: () => Promise<T>, withinMs = 1_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(25);
    }
  }
}
