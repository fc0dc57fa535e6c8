import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runCommand } from './command.js';
import { findExecutable } from './executables.js';
import { findFreePort } from './free-port.js';
import { logTail } from './log-tail.js';
import { isRunning, spawnService } from './processes.js';
import { randomCredentials, startRegistry } from './registry.js';
import type { TokenRegistryInfo } from './types.js';
import { waitUntil } from './wait-until.js';

/** The `service` and `iss` the registry expects in a token, as Docker Hub's `registry.docker.io`. */
export const TOKEN_SERVICE = 'stevedore-test-registry';
const TOKEN_ISSUER = 'stevedore-test-issuer';

/**
 * A token issuer of the Docker Registry token spec, as a file the environment writes into its
 * temp folder and runs with this Node. `GET /token?service=&scope=` with Basic credentials answers
 * an RS256 JWT that grants every scope asked for (pull, push, the catalog); without credentials or
 * with wrong ones it answers 401. The certificate goes in the JWT's `x5c`, and the registry trusts
 * it as its root. `GET /requests` counts the tokens issued, so a test can see the client's cache.
 */
const ISSUER_SOURCE = `
import { createServer } from 'node:http';
import { createPrivateKey, createSign, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
const [port, keyFile, certFile, service, issuer] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(keyFile));
const certificate = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
const expected = 'Basic ' + Buffer.from(process.env.TOKEN_USER + ':' + process.env.TOKEN_PASSWORD).toString('base64');
let issued = 0;
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const server = createServer((request, response) => {
  const url = new URL(request.url, 'http://issuer');
  response.setHeader('content-type', 'application/json');
  if (url.pathname === '/requests') return response.end(JSON.stringify({ issued }));
  if (url.pathname !== '/token') { response.statusCode = 404; return response.end('{}'); }
  if (request.headers.authorization !== expected) {
    response.statusCode = 401;
    return response.end('{"details":"incorrect username or password"}');
  }
  const access = url.searchParams.getAll('scope').flatMap((scope) => {
    const [type, ...rest] = scope.split(':');
    const actions = rest.pop();
    return type ? [{ type, name: rest.join(':'), actions: actions === '*' ? ['*'] : actions.split(',') }] : [];
  });
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'RS256', typ: 'JWT', x5c: [certificate] });
  const claims = b64({ iss: issuer, sub: process.env.TOKEN_USER, aud: url.searchParams.get('service') ?? service,
    exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
  const signature = createSign('RSA-SHA256').update(header + '.' + claims).sign(key).toString('base64url');
  issued += 1;
  response.end(JSON.stringify({ token: header + '.' + claims + '.' + signature, expires_in: 300, issued_at: new Date().toISOString() }));
});
server.listen(Number(port), '127.0.0.1');
`;

/**
 * A registry in token-auth mode (the flow of Docker Hub, GHCR and Harbor) with its own issuer:
 * an RSA key and self-signed certificate from openssl, the issuer above, then the registry.
 */
export async function startTokenRegistry(tmpDir: string): Promise<TokenRegistryInfo> {
  const openssl = findExecutable(['openssl'], 'install the openssl package');
  const dir = join(tmpDir, 'token-issuer');
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await runCommand(openssl, [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'],
    ...['-subj', '/CN=stevedore-test-token-issuer', '-keyout', keyFile, '-out', certFile],
  ]);
  const script = join(dir, 'issuer.mjs');
  writeFileSync(script, ISSUER_SOURCE);
  const credentials = randomCredentials();
  const port = await findFreePort();
  const logFile = join(dir, 'issuer.log');
  const issuerProcess = spawnService(
    process.execPath,
    [script, String(port), keyFile, certFile, TOKEN_SERVICE, TOKEN_ISSUER],
    { logFile, cwd: dir, env: { TOKEN_USER: credentials.username, TOKEN_PASSWORD: credentials.password } },
  );
  const issuerUrl = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      try {
        return (await fetch(`${issuerUrl}/requests`)).ok;
      } catch {
        return false;
      }
    },
    {
      what: `the token issuer on 127.0.0.1:${port}`,
      timeoutMs: 20_000,
      abortIf: () => (isRunning(issuerProcess.pid) ? undefined : `exited during start-up${logTail(logFile)}`),
    },
  );
  const registry = await startRegistry(tmpDir, 'registry-token', undefined, {
    realm: `${issuerUrl}/token`,
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    rootCertBundle: certFile,
  });
  return { ...registry, credentials, issuer: { url: issuerUrl, process: issuerProcess } };
}
