import type { HeldEnvironment } from './global-setup.js';

/**
 * Jest global teardown of the e2e project: stops everything global setup started, including a
 * dockerd that a test restarted. Imports nothing at run time (see loadEnvironmentModule in
 * global-setup.ts): the stop function travels on globalThis.
 */
export default async function globalTeardown(): Promise<void> {
  const key = Symbol.for('stevedore.testEnvironment');
  const held = (globalThis as Record<symbol, unknown>)[key] as HeldEnvironment | undefined;
  if (held === undefined) return;
  delete (globalThis as Record<symbol, unknown>)[key];
  const started = performance.now();
  try {
    await held.env.stop();
    process.stderr.write(`[test-env] stopped in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  } finally {
    for (const [name, value] of Object.entries(held.previousVars)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
