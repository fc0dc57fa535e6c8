import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DESCRIPTION_FILE_NAME, OWNER_FILE_NAME, readDescription } from './description-file.js';
import { planDockerDaemon } from './docker-daemon.js';
import { isRunning } from './processes.js';
import { stopTestEnvironment, tearDown, TMP_DIR_PREFIX } from './stop-test-environment.js';

/**
 * Stops environments whose owner process is gone: what an interrupted jest run (Ctrl-C skips
 * global teardown) or a crashed bench script left behind. An environment whose owner still runs
 * (another test run on this machine) is never touched.
 */
export async function stopStaleTestEnvironments(
  options: { tmpRoot?: string; log?: (line: string) => void } = {},
): Promise<string[]> {
  const root = options.tmpRoot ?? tmpdir();
  const stopped: string[] = [];
  for (const entry of readdirSync(root)) {
    const tmpDir = join(root, entry);
    const ownerFile = join(tmpDir, OWNER_FILE_NAME);
    if (!entry.startsWith(TMP_DIR_PREFIX) || !existsSync(ownerFile)) continue;
    const owner = Number(readFileSync(ownerFile, 'utf8').trim());
    if (isRunning(owner)) continue;
    options.log?.(`stopping stale environment ${tmpDir} (owner ${owner} is gone)`);
    const description = join(tmpDir, DESCRIPTION_FILE_NAME);
    if (existsSync(description)) {
      await stopTestEnvironment(readDescription(description));
    } else {
      // Cut short during start: the daemon's paths follow from tmpDir, and every other service
      // names tmpDir on its command line.
      const docker = existsSync(join(tmpDir, 'docker')) ? planDockerDaemon(tmpDir, []) : undefined;
      await tearDown({ tmpDir, docker, processes: [] });
    }
    stopped.push(tmpDir);
  }
  return stopped;
}
