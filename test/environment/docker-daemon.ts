import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { findExecutable } from './executables.js';
import { httpRequest } from './http-request.js';
import { logTail } from './log-tail.js';
import {
  findProcessesMentioning,
  isRunning,
  readCommandLine,
  signal,
  spawnService,
  terminate,
  waitForExit,
} from './processes.js';
import type { DockerDaemonInfo, ManagedDockerDaemon, TestEnvironment } from './types.js';
import { waitUntil } from './wait-until.js';

// The daemon's own shutdown budget (default 15 s); each container still gets its own stop timeout
// (10 s unless it was created with --stop-timeout), so stopGraceMs allows for that.
const SHUTDOWN_TIMEOUT_S = 2;
const STOP_GRACE_MS = 30_000;
const READY_TIMEOUT_MS = 60_000;

/**
 * The dockerd command line for an isolated daemon under `tmpDir`. Every path it writes to is in
 * `tmpDir`, and the flags keep it off the host's network setup: no bridge, no iptables, no
 * ip_forward/masquerade sysctls, no userland proxies.
 */
export function planDockerDaemon(
  tmpDir: string,
  extraInsecureRegistries: readonly string[],
): ManagedDockerDaemon {
  const dir = join(tmpDir, 'docker');
  const socketPath = join(tmpDir, 'docker.sock');
  // The longest socket path is containerd's; past 107 bytes dockerd fails with an obscure error.
  const longest = join(dir, 'exec', 'containerd', 'containerd.sock.ttrpc');
  if (Buffer.byteLength(longest) > 107) {
    throw new Error(`temp dir ${tmpDir} is too long for unix sockets; pass a shorter tmpRoot (e.g. /tmp)`);
  }
  const daemon = {
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    pidFile: join(dir, 'dockerd.pid'),
    logFile: join(dir, 'dockerd.log'),
    configFile: join(dir, 'daemon.json'),
  };
  const args = [
    // Our own (nearly empty) config file: without it dockerd reads /etc/docker/daemon.json, whose
    // "hosts" or mirrors would clash with these flags.
    `--config-file=${daemon.configFile}`,
    `--data-root=${daemon.dataRoot}`,
    // Also holds the managed containerd's socket and state, and the runc state of containers.
    `--exec-root=${daemon.execRoot}`,
    `--host=unix://${socketPath}`,
    `--pidfile=${daemon.pidFile}`,
    // vfs works on any backing filesystem and in nested containers, where overlay often does not.
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--bridge=none',
    '--userland-proxy=false',
    // Names that say whose containerd objects these are, should anyone list them.
    '--containerd-namespace=stevedore-test',
    '--containerd-plugins-namespace=stevedore-test-plugins',
    `--shutdown-timeout=${SHUTDOWN_TIMEOUT_S}`,
    '--log-level=info',
    ...extraInsecureRegistries.map((host) => `--insecure-registry=${host}`),
  ];
  return {
    managed: true,
    host: `unix://${socketPath}`,
    socketPath,
    command: findExecutable(
      ['dockerd'],
      'install the docker.io package, or set DOCKER_HOST to use your own daemon',
    ),
    args,
    configFile: daemon.configFile,
    dataRoot: daemon.dataRoot,
    execRoot: daemon.execRoot,
    pidFile: daemon.pidFile,
    logFile: daemon.logFile,
    stopGraceMs: STOP_GRACE_MS,
  };
}

/** Creates the daemon's folders and config file, then starts it and waits until it answers. */
export async function launchDockerDaemon(daemon: ManagedDockerDaemon): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'an isolated dockerd needs root; set DOCKER_HOST to use a Docker daemon you already have',
    );
  }
  mkdirSync(daemon.dataRoot, { recursive: true });
  mkdirSync(daemon.execRoot, { recursive: true });
  // dockerd 20.10 would otherwise create its identity key in /etc/docker/key.json, on the host.
  const keyFile = join(dirname(daemon.configFile), 'key.json');
  writeFileSync(daemon.configFile, `${JSON.stringify({ 'deprecated-key-path': keyFile }, null, 2)}\n`);
  await runDaemonUntilReady(daemon);
}

/**
 * Stops the environment's dockerd. By default gracefully: SIGTERM, dockerd stops the containers
 * (each after its stop timeout) and its containerd. With `{ crash: true }` like a crash: SIGKILL;
 * the kernel kills its containerd too (parent-death signal), but container shims and containers
 * keep running until the next daemon, which stops them (no live-restore).
 * Works from any process (a jest worker included): the pidfile names the current daemon.
 */
export async function stopDockerDaemon(
  env: TestEnvironment,
  options: { crash?: boolean } = {},
): Promise<void> {
  await stopManagedDaemon(managed(env.docker), options);
}

export async function stopManagedDaemon(
  daemon: ManagedDockerDaemon,
  options: { crash?: boolean } = {},
): Promise<void> {
  const pid = currentDaemonPid(daemon);
  if (pid === undefined) return;
  const containerd = findProcessesMentioning(join(daemon.execRoot, 'containerd', 'containerd.toml'));
  if (options.crash) {
    signal(pid, 'SIGKILL');
    if (!(await waitForExit([pid], 5_000))) throw new Error(`dockerd ${pid} survived SIGKILL`);
  } else {
    await terminate([pid], daemon.stopGraceMs);
  }
  // dockerd stops its containerd on the way out; after a SIGKILL the kernel does (dockerd starts it
  // with a parent-death signal). Either way it must be gone before a restart: a new dockerd would
  // adopt the dying one from its pidfile and then time out waiting for it.
  if (!(await waitForExit(containerd, 5_000))) await terminate(containerd, 5_000);
}

/**
 * Force-removes every container (SIGKILL, no stop timeout). Teardown does this first: a graceful
 * daemon stop otherwise waits each container's stop timeout (10 s by default) for processes such
 * as `sleep` that ignore SIGTERM.
 */
export async function removeAllContainers(daemon: ManagedDockerDaemon): Promise<void> {
  const list = await httpRequest('http://docker/containers/json?all=1', { socketPath: daemon.socketPath });
  if (list.status !== 200) throw new Error(`listing containers answered ${list.status}: ${list.body}`);
  const ids = (JSON.parse(list.body) as Array<{ Id: string }>).map((container) => container.Id);
  await Promise.all(
    ids.map((id) =>
      httpRequest(`http://docker/containers/${id}?force=1&v=1`, {
        socketPath: daemon.socketPath,
        method: 'DELETE',
        timeoutMs: 30_000,
      }),
    ),
  );
}

/** Starts dockerd again with the same arguments (socket, data root, …) and waits until it answers. */
export async function startDockerDaemon(env: TestEnvironment): Promise<void> {
  const daemon = managed(env.docker);
  const running = currentDaemonPid(daemon);
  if (running !== undefined) throw new Error(`dockerd is already running (pid ${running})`);
  await runDaemonUntilReady(daemon);
}

/** The pid of the environment's running dockerd, if one runs (the newest, after restarts). */
export function dockerDaemonPid(env: TestEnvironment): number | undefined {
  return currentDaemonPid(managed(env.docker));
}

function currentDaemonPid(daemon: ManagedDockerDaemon): number | undefined {
  // Checked against the command line, because a stale pidfile may name a pid that was reused.
  const fromFile = Number(readText(daemon.pidFile)?.trim());
  if (Number.isInteger(fromFile) && fromFile > 0 && isOurDaemon(daemon, fromFile)) return fromFile;
  return findProcessesMentioning(`--data-root=${daemon.dataRoot}`).find((pid) => isOurDaemon(daemon, pid));
}

export async function dockerDaemonAnswers(daemon: DockerDaemonInfo): Promise<boolean> {
  if (daemon.socketPath === undefined) return false;
  const answer = await httpRequest('http://docker/_ping', { socketPath: daemon.socketPath });
  return answer.status === 200;
}

async function runDaemonUntilReady(daemon: ManagedDockerDaemon): Promise<void> {
  // dockerd refuses to start over a pidfile whose pid is alive, even if that pid is now someone else.
  rmSync(daemon.pidFile, { force: true });
  // After a crash, the killed containerd can linger as a zombie until init reaps it (slowly, on some
  // sandboxes); dockerd's liveness check counts a zombie as running, adopts it and then times out.
  const containerdPidFile = join(daemon.execRoot, 'containerd', 'containerd.pid');
  const containerdPid = Number(readText(containerdPidFile)?.trim());
  if (Number.isInteger(containerdPid) && containerdPid > 0 && !isRunning(containerdPid)) {
    rmSync(containerdPidFile, { force: true });
  }
  const record = spawnService(daemon.command, daemon.args, { logFile: daemon.logFile });
  await waitUntil(() => dockerDaemonAnswers(daemon), {
    what: `dockerd on ${daemon.socketPath}`,
    timeoutMs: READY_TIMEOUT_MS,
    abortIf: () => (isRunning(record.pid) ? undefined : `exited during start-up${logTail(daemon.logFile)}`),
  });
}

function isOurDaemon(daemon: ManagedDockerDaemon, pid: number): boolean {
  return (readCommandLine(pid) ?? []).includes(`--data-root=${daemon.dataRoot}`) && isRunning(pid);
}

function managed(docker: DockerDaemonInfo): ManagedDockerDaemon {
  if (!docker.managed) {
    throw new Error(
      `the Docker daemon is external (DOCKER_HOST=${docker.host}): it cannot be stopped or started here`,
    );
  }
  return docker;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
