import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigurationError, exitIfStopTakesLongerThan, loadConfigOrExit } from '#libs/config';
import { HostAgent } from '#libs/fleet';
import { PinoNestLogger, redactedRedisUrl } from '#libs/logging';
import { AgentModule } from './agent.module.js';

/** The agent beside one Docker daemon: run one per host, with that host's Redis user in REDIS_URL. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(AgentModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  app.enableShutdownHooks();
  // Active jobs get their grace period; past it (and a margin), the agent goes anyway.
  exitIfStopTakesLongerThan(config.jobs.shutdownGraceMs + 10_000);
  new Logger('Stevedore').log({
    message: 'agent running',
    host: app.get(HostAgent).hostName,
    redis: redactedRedisUrl(config.redis.url),
    docker: config.docker.description,
  });
}

try {
  await main();
} catch (error) {
  // A bad host name is only found when the agent is built: report it as the other settings are.
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
