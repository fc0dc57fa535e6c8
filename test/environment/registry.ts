import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runCommand } from './command.js';
import { findExecutable } from './executables.js';
import { findFreePort } from './free-port.js';
import { httpRequest } from './http-request.js';
import { logTail } from './log-tail.js';
import { isRunning, spawnService, terminate } from './processes.js';
import type { RegistryCredentials, RegistryInfo } from './types.js';
import { waitUntil } from './wait-until.js';

const PORT_ATTEMPTS = 3;

/**
 * Starts a distribution (2.x) registry on a free 127.0.0.1 port with storage in `<tmpDir>/<name>`;
 * with `credentials` it requires basic auth from an htpasswd file. Resolves once /v2/ answers
 * (200 open, 401 protected).
 */
export async function startRegistry(
  tmpDir: string,
  name: string,
  credentials?: RegistryCredentials,
  token?: TokenAuth,
): Promise<RegistryInfo> {
  const command = findExecutable(['docker-registry', 'registry'], 'install the docker-registry package');
  const dir = join(tmpDir, name);
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir, { recursive: true });
  const htpasswdFile = credentials ? await writeHtpasswd(join(dir, 'htpasswd'), credentials) : undefined;
  let lastError: unknown;
  // The free port may be taken between probing and binding; a registry that exits gets a new one.
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    const configFile = join(dir, 'config.yml');
    const logFile = join(dir, 'registry.log');
    writeFileSync(configFile, registryConfig({ port, storageDir, htpasswdFile, token }));
    const record = spawnService(command, ['serve', configFile], { logFile });
    const url = `http://127.0.0.1:${port}`;
    try {
      const protectedRegistry = credentials !== undefined || token !== undefined;
      await waitUntil(
        async () => (await httpRequest(`${url}/v2/`)).status === (protectedRegistry ? 401 : 200),
        {
          what: `${name} registry on ${url}`,
          timeoutMs: 20_000,
          abortIf: () => (isRunning(record.pid) ? undefined : `exited during start-up${logTail(logFile)}`),
        },
      );
      return { managed: true, host: `127.0.0.1:${port}`, url, process: record, storageDir, logFile };
    } catch (error) {
      lastError = error;
      await terminate([record.pid], 2_000);
    }
  }
  throw lastError;
}

export function randomCredentials(): RegistryCredentials {
  return { username: 'stevedore', password: randomBytes(18).toString('base64url') };
}

async function writeHtpasswd(file: string, credentials: RegistryCredentials): Promise<string> {
  const htpasswd = findExecutable(['htpasswd'], 'install the apache2-utils package');
  // The registry accepts bcrypt entries only (-B).
  const { stdout } = await runCommand(htpasswd, ['-Bbn', credentials.username, credentials.password]);
  writeFileSync(file, `${stdout.trim()}\n`, { mode: 0o600 });
  return file;
}

/** Token auth: where the registry sends clients for a token, and whose tokens it trusts. */
export interface TokenAuth {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly rootCertBundle: string;
}

function registryConfig(options: {
  port: number;
  storageDir: string;
  htpasswdFile?: string;
  token?: TokenAuth;
}): string {
  // JSON strings are valid YAML scalars, which keeps paths with odd characters safe.
  const q = (value: string) => JSON.stringify(value);
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(options.storageDir)}`,
    // Tests delete manifests through the registry API.
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${q(`127.0.0.1:${options.port}`)}`,
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
  ];
  if (options.htpasswdFile !== undefined) {
    lines.push('auth:', '  htpasswd:', '    realm: "stevedore-test"', `    path: ${q(options.htpasswdFile)}`);
  }
  if (options.token !== undefined) {
    const { realm, service, issuer, rootCertBundle } = options.token;
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${q(realm)}`,
      `    service: ${q(service)}`,
      `    issuer: ${q(issuer)}`,
      `    rootcertbundle: ${q(rootCertBundle)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
