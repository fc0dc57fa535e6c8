import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { exitIfStopTakesLongerThan, loadConfigOrExit } from '#libs/config';
import { PinoNestLogger, redactedRedisUrl } from '#libs/logging';
import { WorkerModule } from './worker.module.js';

/** A standalone worker: run as many as needed against one Redis; the api then sets WORKER_EMBEDDED=false. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  app.enableShutdownHooks();
  // Active jobs get their grace period; past it (and a margin), the worker goes anyway.
  exitIfStopTakesLongerThan(config.jobs.shutdownGraceMs + 10_000);
  new Logger('Stevedore').log({
    message: 'worker running',
    redis: redactedRedisUrl(config.redis.url),
    docker: config.docker.description,
  });
}

await main();
