import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { findFreePort } from './free-port.js';
import { logTail } from './log-tail.js';
import { isRunning, spawnService } from './processes.js';
import type { SearchIndexInfo } from './types.js';
import { waitUntil } from './wait-until.js';

/**
 * What the stand-in index holds: a few repositories with Docker Hub's fields. The one place where
 * a stand-in for an outside service is right (issue 13): Docker Hub's v1 search is out of reach,
 * and the daemon searches any index the same way (`docker search 127.0.0.1:PORT/term`).
 */
export const SEARCH_INDEX_ENTRIES = [
  {
    name: 'library/nginx',
    description: 'Official build of Nginx.',
    star_count: 20000,
    is_official: true,
    is_automated: false,
  },
  {
    name: 'library/busybox',
    description: 'Busybox base image.',
    star_count: 3000,
    is_official: true,
    is_automated: false,
  },
  {
    name: 'acme/nginx-proxy',
    description: 'Automated nginx reverse proxy',
    star_count: 120,
    is_official: false,
    is_automated: true,
  },
  { name: 'acme/nginx-exporter', description: '', star_count: 3, is_official: false, is_automated: false },
  {
    name: 'stevedore-fixtures/app-a',
    description: 'A Stevedore fixture',
    star_count: 0,
    is_official: false,
    is_automated: false,
  },
] as const;

/**
 * The server, as a file the environment writes into its temp folder and runs with this Node:
 * `/v1/_ping`, and `/v1/search?q=&n=&page=` over the entries whose name contains `q`.
 */
const SERVER_SOURCE = `
import { createServer } from 'node:http';
const entries = JSON.parse(process.argv[3]);
const server = createServer((request, response) => {
  const url = new URL(request.url, 'http://index');
  response.setHeader('content-type', 'application/json');
  response.setHeader('x-docker-registry-version', '0.6.0');
  if (url.pathname === '/v1/_ping') return response.end('true');
  if (url.pathname !== '/v1/search') {
    response.statusCode = 404;
    return response.end('{"error":"not found"}');
  }
  const q = (url.searchParams.get('q') ?? '').toLowerCase();
  const n = Math.max(1, Number(url.searchParams.get('n') ?? 25));
  const found = entries.filter((entry) => entry.name.includes(q));
  const results = found.slice(0, n);
  response.end(JSON.stringify({ num_results: found.length, query: q, page: 1, num_pages: 1, page_size: n, results }));
});
server.listen(Number(process.argv[2]), '127.0.0.1');
`;

export async function startSearchIndex(tmpDir: string): Promise<SearchIndexInfo> {
  const dir = join(tmpDir, 'search-index');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'server.mjs');
  writeFileSync(script, SERVER_SOURCE);
  const logFile = join(dir, 'server.log');
  const port = await findFreePort();
  const record = spawnService(
    process.execPath,
    [script, String(port), JSON.stringify(SEARCH_INDEX_ENTRIES)],
    {
      logFile,
      cwd: dir,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      try {
        return (await fetch(`${url}/v1/_ping`)).ok;
      } catch {
        return false;
      }
    },
    {
      what: `the search index on 127.0.0.1:${port}`,
      timeoutMs: 20_000,
      abortIf: () => (isRunning(record.pid) ? undefined : `exited during start-up${logTail(logFile)}`),
    },
  );
  return { host: `127.0.0.1:${port}`, url, process: record };
}
