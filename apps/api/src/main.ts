import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { loadConfigOrExit, processLogger, type StevedoreConfig } from '#libs/config';
import { wantsPrettyLogs } from '#libs/logging';
import { createApiApp } from './app.factory.js';
import { tokensOrGenerated } from './bootstrap/api-tokens.js';
import { shutDownGracefully } from './shutdown/graceful-shutdown.js';
import { redisAnswers, startPrivateRedis, type PrivateRedis } from './bootstrap/private-redis.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const prettyLogs = wantsPrettyLogs(config.logFormat);
  const logger = processLogger(config.logLevel, prettyLogs);
  const log = new Logger('Stevedore');
  Logger.overrideLogger(logger);

  const { config: runConfig, privateRedis } = await withRedis(config, log);
  const { tokens, generated } = tokensOrGenerated(runConfig.apiTokens);
  const app = await createApiApp(runConfig, tokens, { prettyLogs });

  stopOnSignals(app, runConfig.jobs.shutdownGraceMs, log, async () => privateRedis?.stop());
  await app.listen(runConfig.http.port, runConfig.http.host);
  const base = `http://${runConfig.http.host}:${runConfig.http.port}`;
  // One banner: where to go, and (logged once, on purpose) the token when none was configured.
  log.log({
    message: generated
      ? 'Stevedore is listening, with an admin token generated for this run (no STEVEDORE_API_TOKENS)'
      : 'Stevedore is listening',
    graphql: `${base}/graphql`,
    rest: `${base}/api/v1`,
    docs: `${base}/api/docs`,
    // Not under a secret's name: redaction would hide the one place it can be read.
    ...(generated ? { header: `Authorization: Bearer ${generated.token}` } : {}),
  });
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
