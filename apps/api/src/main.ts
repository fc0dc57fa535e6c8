import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { jsonLogger, loadConfigOrExit, type StevedoreConfig } from '#libs/config';
import { createApiApp } from './app.factory.js';
import { tokensOrGenerated } from './bootstrap/api-tokens.js';
import { shutDownGracefully } from './shutdown/graceful-shutdown.js';
import { redisAnswers, startPrivateRedis, type PrivateRedis } from './bootstrap/private-redis.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = jsonLogger(config.logLevel);
  const log = new Logger('Stevedore');
  Logger.overrideLogger(logger);

  const { config: runConfig, privateRedis } = await withRedis(config, log);
  const { tokens, generated } = tokensOrGenerated(runConfig.apiTokens);
  const app = await createApiApp(runConfig, tokens);

  stopOnSignals(app, runConfig.jobs.shutdownGraceMs, log, async () => privateRedis?.stop());
  await app.listen(runConfig.http.port, runConfig.http.host);
  const base = `http://${runConfig.http.host}:${runConfig.http.port}`;
  log.log({
    message: 'Stevedore is listening',
    graphql: `${base}/graphql`,
    rest: `${base}/api/v1`,
    docs: `${base}/api/docs`,
  });
  if (generated) {
    // Logged once, on purpose: with no STEVEDORE_API_TOKENS this is the only way to learn it.
    log.warn({
      message: 'No STEVEDORE_API_TOKENS configured: generated an admin token for this run',
      graphql: `${base}/graphql`,
      // Not under a secret's name: redaction would hide the one place it can be read.
      header: `Authorization: Bearer ${generated.token}`,
    });
  }
}

/**
 * SIGTERM or SIGINT: drain (bounded by the grace period), then exit 0. An embedded worker's
 * jobs get their own grace period inside app.close(), so the hard stop allows for both.
 */
function stopOnSignals(
  app: INestApplication,
  graceMs: number,
  log: Logger,
  afterClose: () => Promise<void>,
): void {
  const stop = (signal: NodeJS.Signals) => {
    log.log({ message: 'shutting down', signal });
    setTimeout(() => process.exit(1), 2 * graceMs + 10_000).unref();
    shutDownGracefully(app, graceMs)
      .then(afterClose)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ message: 'shutdown failed', error: String(error) });
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
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
    return { config: { ...config, redis: { url: privateRedis.url, explicit: true } }, privateRedis };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

await main();
