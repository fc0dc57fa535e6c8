import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import ts from 'typescript';

// Type-only: erased at compile time, so Node never has to resolve it (see loadEnvironmentModule).
import type * as EnvironmentModule from './index.js';
import type { StartedTestEnvironment } from './types.js';

/**
 * Jest global setup of the e2e project: starts the environment, builds and pushes the fixtures,
 * writes the description that readTestEnvironment() reads in test workers, and points
 * DOCKER_HOST / REDIS_URL at the environment for code under test that reads them.
 */
export default async function globalSetup(): Promise<void> {
  const started = performance.now();
  const api = await loadEnvironmentModule();
  const log = (line: string) => process.stderr.write(`[test-env] ${line}\n`);
  process.stderr.write('\n');
  await api.stopStaleTestEnvironments({ log });
  const env = await api.startTestEnvironment({ log });
  try {
    const fixtures = await api.buildFixtures(env, { log });
    writeFileSync(env.descriptionFile, `${JSON.stringify({ ...env, fixtures }, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    await env.stop().catch((cleanup: Error) => log(`cleanup after failed fixture build: ${cleanup.message}`));
    throw error;
  }
  const exported: Record<string, string> = {
    [api.TEST_ENVIRONMENT_FILE_VAR]: env.descriptionFile,
    DOCKER_HOST: env.docker.host,
    REDIS_URL: env.redis.url,
  };
  const previousVars: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(exported)) {
    previousVars[name] = process.env[name];
    process.env[name] = value;
  }
  // Jest's documented way from globalSetup to globalTeardown (same process, separate module graphs).
  (globalThis as Record<symbol, unknown>)[Symbol.for('stevedore.testEnvironment')] = { env, previousVars };
  log(`ready in ${((performance.now() - started) / 1000).toFixed(1)}s: ${env.descriptionFile}`);
}

/** What global setup leaves on globalThis for global teardown. */
export interface HeldEnvironment {
  env: StartedTestEnvironment;
  previousVars: Record<string, string | undefined>;
}

/**
 * Jest runs this file through ts-jest but then hands it to Node's own ESM loader (the package is
 * "type": "module"), which resolves its relative imports itself: `./index.js` does not exist next
 * to the .ts sources, and jest's moduleNameMapper does not apply here. So the module's sources
 * are transpiled with the project's TypeScript into node_modules/.cache (keyed by their content)
 * and imported from there. Test files are unaffected: they run inside jest's module system.
 */
async function loadEnvironmentModule(): Promise<typeof EnvironmentModule> {
  const sourceDir = dirname(fileURLToPath(import.meta.url));
  const sources = readdirSync(sourceDir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.e2e-spec.ts') && !name.startsWith('global-'))
    .sort();
  const compilerOptions: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2022,
    inlineSourceMap: true,
    inlineSources: true,
  };
  const hash = createHash('sha256').update(ts.version).update(JSON.stringify(compilerOptions));
  for (const name of sources) hash.update(name).update(readFileSync(join(sourceDir, name)));
  const cacheRoot = join(sourceDir, '..', '..', 'node_modules', '.cache', 'stevedore-test-environment');
  const outDir = join(cacheRoot, hash.digest('hex').slice(0, 16));
  if (!existsSync(outDir)) {
    mkdirSync(cacheRoot, { recursive: true });
    const building = mkdtempSync(join(cacheRoot, 'building-'));
    for (const name of sources) {
      const output = ts.transpileModule(readFileSync(join(sourceDir, name), 'utf8'), {
        fileName: join(sourceDir, name),
        compilerOptions,
      });
      writeFileSync(join(building, name.replace(/\.ts$/, '.js')), output.outputText);
    }
    // A concurrent jest run may have built the same hash meanwhile; its copy is as good as ours.
    try {
      renameSync(building, outDir);
    } catch {
      rmSync(building, { recursive: true, force: true });
    }
    // Older builds: a run that still uses one has loaded all of it already (ESM loads up front).
    for (const entry of readdirSync(cacheRoot)) {
      const path = join(cacheRoot, entry);
      if (path !== outDir && !entry.startsWith('building-')) rmSync(path, { recursive: true, force: true });
    }
  }
  return (await import(pathToFileURL(join(outDir, 'index.js')).href)) as typeof EnvironmentModule;
}
