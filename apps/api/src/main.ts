import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { jsonLogger, loadConfigOrExit, type StevedoreConfig } from '#libs/config';
import { createApiApp } from './app.factory.js';
import { tokensOrGenerated } from './bootstrap/api-tokens.js';
import { redisAnswers, startPrivateRedis, type PrivateRedis } from './bootstrap/private-redis.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = jsonLogger(config.logLevel);
  const log = new Logger('Stevedore');
  Logger.overrideLogger(logger);

  const { config: runConfig, privateRedis } = await withRedis(config, log);
  const { tokens, generated } = tokensOrGenerated(runConfig.apiTokens);
  const app = await createApiApp(runConfig, tokens, { logger });
  if (privateRedis) app.getHttpServer().once('close', () => void privateRedis.stop());

  await app.listen(runConfig.http.port, runConfig.http.host);
  const base = `http://${runConfig.http.host}:${runConfig.http.port}`;
  log.log({
    msg: 'Stevedore is listening',
    graphql: `${base}/graphql`,
    rest: `${base}/api/v1`,
    docs: `${base}/api/docs`,
  });
  if (generated) {
    // Logged once, on purpose: with no STEVEDORE_API_TOKENS this is the only way to learn it.
    log.warn({
      msg: 'No STEVEDORE_API_TOKENS configured: generated an admin token for this run',
      graphql: `${base}/graphql`,
      authorization: `Bearer ${generated.token}`,
    });
  }
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
      msg: 'No Redis configured or running: started a private redis-server',
      url: privateRedis.url,
      dir: config.stateDir,
    });
    return { config: { ...config, redis: { url: privateRedis.url, explicit: true } }, privateRedis };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

await main();
