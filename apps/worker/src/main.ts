import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { jsonLogger, loadConfigOrExit } from '#libs/config';
import { WorkerModule } from './worker.module.js';

/** A standalone worker: run as many as needed against one Redis; the api then sets WORKER_EMBEDDED=false. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = jsonLogger(config.logLevel);
  Logger.overrideLogger(logger);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger });
  app.enableShutdownHooks();
  new Logger('Stevedore').log({
    msg: 'worker running',
    redis: redactUrl(config.redis.url),
    docker: config.docker.description,
  });
}

/** A Redis URL may carry a password: never log it. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

await main();
