import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '@nestjs/common';

/** Set in the environment of a replica: it serves HTTP only, the first process does the rest. */
export const REPLICA_VAR = 'STEVEDORE_API_REPLICA';

export function isReplica(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REPLICA_VAR] !== undefined;
}

export interface ApiReplicas {
  readonly pids: () => number[];
  /** The replicas running now. */
  readonly children: () => ChildProcess[];
  /** SIGTERM to every replica; resolves once all have exited (or `graceMs` later, SIGKILL). */
  stop(graceMs: number): Promise<void>;
}

const RESTART_DELAY_MS = 1_000;

/**
 * Runs `count` more copies of this api process, listening on the same port (SO_REUSEPORT: the
 * kernel spreads connections over them), so requests use every core. A replica that dies is
 * started again; a replica whose parent is gone stops (its IPC channel closes).
 */
export function startReplicas(
  count: number,
  env: NodeJS.ProcessEnv,
  log: Logger,
  onMessage: (replica: ChildProcess, message: unknown) => void = () => undefined,
): ApiReplicas {
  const running = new Map<number, ChildProcess>();
  let stopping = false;

  const start = (index: number) => {
    const child = fork(process.argv[1]!, process.argv.slice(2), {
      env: { ...env, [REPLICA_VAR]: String(index) },
      stdio: 'inherit',
    });
    running.set(index, child);
    child.on('message', (message) => onMessage(child, message));
    child.once('exit', (code, signal) => {
      running.delete(index);
      if (stopping) return;
      log.error({ message: 'api replica exited: starting it again', replica: index, code, signal });
      setTimeout(() => !stopping && start(index), RESTART_DELAY_MS).unref();
    });
  };
  for (let index = 1; index <= count; index += 1) start(index);

  return {
    children: () => [...running.values()],
    pids: () => [...running.values()].flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    async stop(graceMs) {
      stopping = true;
      const exits = [...running.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
    },
  };
}

/** A replica stops when the process that started it is gone. */
export function stopWithParent(stop: () => void): void {
  process.once('disconnect', stop);
}
