import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import type { ListenOptions } from 'node:net';
import { LiveCatalogue } from '#libs/catalogue';
import { loadConfigOrExit, processLogger, type StevedoreConfig } from '#libs/config';
import { type ApiToken } from '#libs/auth';
import { wantsPrettyLogs } from '#libs/logging';
import { createApiApp } from './app.factory.js';
import { tokensOrGenerated } from './bootstrap/api-tokens.js';
import { isReplica, startReplicas, stopWithParent, type ApiReplicas } from './bootstrap/api-replicas.js';
import { MetricsRelay, relayToParent } from './bootstrap/metrics-relay.js';
import { releaseStartUpMemoryOnceReady } from './bootstrap/start-up-memory.js';
import { ProcessGroupMetrics } from './metrics/process-group-metrics.js';
import { shutDownGracefully } from './shutdown/graceful-shutdown.js';
import { redisAnswers, startPrivateRedis, type PrivateRedis } from './bootstrap/private-redis.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const prettyLogs = wantsPrettyLogs(config.logFormat);
  const log = new Logger('Stevedore');
  Logger.overrideLogger(processLogger(config.logLevel, prettyLogs));
  if (isReplica()) return serveAsReplica(config, prettyLogs, log);

  const { config: runConfig, privateRedis } = await withRedis(config, log);
  const { tokens, generated } = tokensOrGenerated(runConfig.apiTokens);
  const app = await createApiApp(runConfig, tokens, { prettyLogs });
  void releaseStartUpMemoryOnceReady(app.get(LiveCatalogue));
  const { processes } = runConfig.http;
  await listen(app, runConfig, processes > 1);
  // Replicas start once this process listens: the secrets it created on the way are on disk.
  const replicas =
    processes > 1 ? startGroup(app, processes - 1, replicaEnv(runConfig, tokens), log) : undefined;
  stopOnSignals(app, runConfig.jobs.shutdownGraceMs, log, {
    replicas,
    afterClose: async () => privateRedis?.stop(),
  });

  const base = `http://${runConfig.http.host}:${runConfig.http.port}`;
  // One banner: where to go, and (logged once, on purpose) the token when none was configured.
  log.log({
    message: generated
      ? 'Stevedore is listening, with an admin token generated for this run (no STEVEDORE_API_TOKENS)'
      : 'Stevedore is listening',
    graphql: `${base}/graphql`,
    rest: `${base}/api/v1`,
    docs: `${base}/api/docs`,
    processes,
    // Not under a secret's name: redaction would hide the one place it can be read.
    ...(generated ? { header: `Authorization: Bearer ${generated.token}` } : {}),
  });
}

/** A replica: the same HTTP api on the same port; the first process runs the worker and Redis. */
async function serveAsReplica(config: StevedoreConfig, prettyLogs: boolean, log: Logger): Promise<void> {
  const app = await createApiApp(config, config.apiTokens, { prettyLogs });
  void releaseStartUpMemoryOnceReady(app.get(LiveCatalogue));
  const metrics = app.get(ProcessGroupMetrics);
  metrics.gatherFrom(relayToParent(() => metrics.own()));
  await listen(app, config, true);
  stopOnSignals(app, config.jobs.shutdownGraceMs, log, {});
  stopWithParent(() => process.kill(process.pid, 'SIGTERM'));
}

/** The replicas, and a /metrics that covers every process whichever one a scrape reaches. */
function startGroup(app: INestApplication, count: number, env: NodeJS.ProcessEnv, log: Logger): ApiReplicas {
  const metrics = app.get(ProcessGroupMetrics);
  // The relay asks the replicas only once they run (a scrape, a replica's message): after this returns.
  const relay: MetricsRelay = new MetricsRelay(
    () => metrics.own(),
    () => replicas.children(),
  );
  const replicas = startReplicas(count, env, log, (replica, message) => relay.handle(replica, message));
  metrics.gatherFrom(() => relay.gather());
  return replicas;
}

function listen(app: INestApplication, config: StevedoreConfig, reusePort: boolean): Promise<unknown> {
  const options: ListenOptions = { port: config.http.port, host: config.http.host, reusePort };
  // Nest hands listen options to Fastify, and Fastify to http.Server#listen (reusePort included);
  // the host goes second, or Nest replaces it with none.
  return app.listen(options as unknown as number, config.http.host);
}

/** What a replica needs to serve the same api: the same Redis and tokens, and no worker of its own. */
function replicaEnv(config: StevedoreConfig, tokens: readonly ApiToken[]): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: config.redis.url,
    STEVEDORE_API_TOKENS: tokens.map(({ role, token }) => `${role}:${token}`).join(','),
    WORKER_EMBEDDED: 'false',
    // One agent per host: the first process's publishes it.
    AGENT_EMBEDDED: 'false',
    API_PROCESSES: '1',
  };
}

/**
 * SIGTERM or SIGINT: replicas first, then drain (bounded by the grace period), then exit 0. An
 * embedded worker's jobs get their own grace period inside app.close(), so the hard stop allows
 * for both.
 */
function stopOnSignals(
  app: INestApplication,
  graceMs: number,
  log: Logger,
  { replicas, afterClose }: { replicas?: ApiReplicas; afterClose?: () => Promise<void> },
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A replica may hear both the terminal's SIGINT and its parent's SIGTERM.
    if (stopping) return;
    stopping = true;
    log.log({ message: 'shutting down', signal });
    setTimeout(() => process.exit(1), 2 * graceMs + 10_000).unref();
    Promise.all([replicas?.stop(graceMs + 5_000), shutDownGracefully(app, graceMs)])
      .then(() => afterClose?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ message: 'shutdown failed', error: String(error) });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** With no REDIS_URL and nothing on the default address, run a private redis-server. */
async function withRedis(
  config: StevedoreConfig,
  log: Logger,
): Promise<{ config: StevedoreConfig; privateRedis?: PrivateRedis }> {
  if (config.redis.explicit || (await redisAnswers(config.redis.url))) return { config };
  try {
    const privateRedis = await startPrivateRedis(config.stateDir);
    log.log({
      message: 'No Redis configured or running: started a private redis-server',
      // Never privateRedis.url: it carries the password.
      url: privateRedis.loggableUrl,
      passwordFile: privateRedis.passwordFile,
      dir: config.stateDir,
    });
    return {
      config: { ...config, redis: { ...config.redis, url: privateRedis.url, explicit: true } },
      privateRedis,
    };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

await main();
