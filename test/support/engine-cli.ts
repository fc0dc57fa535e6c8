import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { singleFileTar } from './one-file-tar.js';
import { dockerCliEnv } from '../environment/docker-cli.js';
import { findExecutable } from '../environment/executables.js';
import type { TestEnvironment } from '../environment/types.js';

/**
 * The docker CLI as a client of Stevedore's image-only Engine API (`/engine`), next to the same
 * CLI talking to the environment's daemon directly, for tests that compare the two.
 *
 * Both sides run the same binary: Debian's docker.io CLI (20.10, API 1.41) when it is there, as
 * the environment's daemon is Debian's 20.10 too; another CLI on PATH (e.g. a static 28.x in
 * /usr/local/bin) would print some things differently, and a comparison must not measure that.
 */
const DEBIAN_DOCKER_CLI = '/usr/bin/docker';

export function dockerCliPath(): string {
  return existsSync(DEBIAN_DOCKER_CLI)
    ? DEBIAN_DOCKER_CLI
    : findExecutable(['docker'], 'install the docker CLI (docker.io or docker-ce-cli)');
}

/** What a user sees of a command: its exit code and both streams. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI to completion; a non-zero exit is a result, not an error. */
export function runCli(
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(dockerCliPath(), args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    // A command that exits before reading its input makes the write EPIPE; its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** One docker CLI "identity": a DOCKER_HOST and a DOCKER_CONFIG folder of its own. */
export class DockerCli {
  constructor(
    /** For failure messages: `daemon`, `stevedore(read)`, … */
    readonly name: string,
    readonly env: NodeJS.ProcessEnv,
    readonly configDir: string,
  ) {}

  run(args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number } = {}) {
    return runCli(args, { ...options, env: this.env });
  }

  /** Runs and insists on exit code 0; returns stdout, trimmed. */
  async ok(args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number } = {}) {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(
        `[${this.name}] docker ${args.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`,
      );
    }
    return result.stdout.trim();
  }

  /** The CLI's config.json as it is now (docker login writes to it). */
  config(): Record<string, any> {
    return JSON.parse(readFileSync(join(this.configDir, 'config.json'), 'utf8')) as Record<string, any>;
  }
}

/**
 * A config.json the CLI will not replace with a credential helper: the CLI only auto-detects a
 * helper (pass, secretservice) while a config has no auths at all, so it starts with an (empty)
 * entry for the auth registry, as the environment's own `loginToAuthRegistry` does.
 */
function writeConfig(dir: string, env: TestEnvironment, extra: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [env.registries.auth.host]: {} }, ...extra }, null, 2),
  );
}

/** Every CLI identity a test file needs, in one temp folder that `dispose` removes. */
export class EngineClis {
  readonly root = mkdtempSync(join(tmpdir(), 'stevedore-engine-cli-'));
  /** For the test's own files (archives, tarballs to import). */
  readonly work = join(this.root, 'work');
  private count = 0;

  constructor(private readonly env: TestEnvironment) {
    mkdirSync(this.work, { recursive: true });
  }

  /** The same CLI, straight to the environment's daemon (`env.docker.host`). */
  daemon(name = 'daemon'): DockerCli {
    const dir = join(this.root, `config-${++this.count}-${name}`);
    writeConfig(dir, this.env, {});
    return new DockerCli(name, { ...dockerCliEnv(this.env), DOCKER_CONFIG: dir }, dir);
  }

  /**
   * The CLI with `DOCKER_HOST=tcp://127.0.0.1:<port>/engine`, sending `Authorization: Bearer
   * <token>` on every request through config.json's `HttpHeaders` (no header with `token: null`).
   */
  stevedore(apiUrl: string, token: string | null, name: string, prefix = '/engine'): DockerCli {
    const dir = join(this.root, `config-${++this.count}-${name.replace(/[^a-z0-9-]/gi, '-')}`);
    writeConfig(dir, this.env, token === null ? {} : { HttpHeaders: { Authorization: `Bearer ${token}` } });
    const { DOCKER_TLS_VERIFY: _verify, DOCKER_CERT_PATH: _certs, ...base } = dockerCliEnv(this.env);
    const { host } = new URL(apiUrl);
    return new DockerCli(name, { ...base, DOCKER_HOST: `tcp://${host}${prefix}`, DOCKER_CONFIG: dir }, dir);
  }

  /** A tar archive of one file of `bytes` random (incompressible) bytes, for `docker import`. */
  randomLayer(bytes: number): string {
    const file = join(this.work, `layer-${++this.count}.tar`);
    writeFileSync(file, oneRandomFileTar(bytes));
    return file;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A ustar archive holding `blob.bin` with `bytes` random bytes: each call makes a distinct layer. */
export function oneRandomFileTar(bytes: number): Buffer {
  return singleFileTar('blob.bin', randomBytes(bytes), Math.floor(Date.now() / 1000));
}

/**
 * How many `pull` events the daemon emitted for `ref` (the Actor.ID of a pull event is the
 * reference as pulled) between `sinceMs` and now, read from its event log with `docker events`.
 */
export async function daemonPullsOf(daemon: DockerCli, ref: string, sinceMs: number): Promise<number> {
  const stdout = await daemon.ok([
    'events',
    '--since',
    (sinceMs / 1000).toFixed(3),
    '--until',
    (Date.now() / 1000 + 0.2).toFixed(3),
    '--filter',
    'type=image',
    '--filter',
    'event=pull',
    '--format',
    '{{json .}}',
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { Action: string; Actor: { ID: string } })
    .filter((event) => event.Action === 'pull' && event.Actor.ID === ref).length;
}

/**
 * dockerode pointed at Stevedore's Engine API below `prefix`.
 *
 * docker-modem 5 cannot do a base path by itself: it builds the URL with
 * `url.resolve(http://host:port/<pathPrefix>, '/images/json?')`, and an absolute path replaces
 * whatever path the base had, so neither `pathPrefix` nor a `host` with a path survive. What it
 * does keep is `version`, which it prepends verbatim (`'/' + version + path`): a version of
 * `engine/v1.41` makes `/engine/v1.41/images/json`, the very path the docker CLI requests. The
 * API version is negotiated like the CLI does, from `/_ping`'s `Api-Version` header.
 * The bearer token goes in the modem's `headers`, which it sends on every request.
 */
export async function dockerodeThroughStevedore(
  apiUrl: string,
  token: string,
  prefix = 'engine',
): Promise<{ docker: Docker; apiVersion: string }> {
  const authorization = `Bearer ${token}`;
  const ping = await fetch(`${apiUrl}/${prefix}/_ping`, { headers: { authorization } });
  if (!ping.ok) throw new Error(`GET /${prefix}/_ping answered ${ping.status}: ${await ping.text()}`);
  const apiVersion = ping.headers.get('api-version') ?? '1.41';
  const { hostname, port } = new URL(apiUrl);
  const docker = new Docker({
    host: hostname,
    port: Number(port),
    protocol: 'http',
    version: `${prefix}/v${apiVersion}`,
    headers: { Authorization: authorization },
  });
  return { docker, apiVersion };
}

/** dockerode on the environment's daemon. */
export function dockerodeOnDaemon(env: TestEnvironment): Docker {
  // Without a socket, an external daemon: dockerode reads DOCKER_HOST, which global setup set.
  return env.docker.socketPath ? new Docker({ socketPath: env.docker.socketPath }) : new Docker();
}

/** Follows a pull's JSON-lines progress stream to its end, as `docker pull` does. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<any[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: any[]) =>
      error ? reject(error) : resolve(output),
    );
  });
}
